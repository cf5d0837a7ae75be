package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/nimbus-iac/nimbus/internal/kubetest"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
)

// TestLocalRender is the README's quick start on a fresh machine: `nimbus up --stack local` with
// the project's Pulumi.yaml and Pulumi.local.yaml, through the real nimbus binary, with a Pulumi
// home that holds no plugin (so nimbus installs the kubernetes plugin it builds from
// tools/pulumi-kubernetes, here from the cache) on the project's default file backend. The render
// folder must then hold a manifest for every Kubernetes object `nimbus plan --stack local`
// lists, none with a literal secret, each accepted by a real kube-apiserver (server-side dry
// run, with the Knative and CloudNativePG CRDs); a second up changes nothing; destroy removes the
// manifests.
func TestLocalRender(t *testing.T) {
	kubetest.Skip(t) // skips only with NIMBUS_SKIP_KUBE=1, saying so
	ctx := context.Background()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	// The cached builds (make kube-tools), or, on a clean machine, the builds themselves: the
	// provider build is not what this test measures.
	if _, _, err := kubetest.Binaries(ctx, kubetest.Options{ProjectDir: root}); err != nil {
		t.Fatal(err)
	}
	nimbus := filepath.Join(t.TempDir(), "nimbus")
	build := exec.Command("go", "build", "-o", nimbus, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cannot build nimbus: %v\n%s", err, out)
	}

	// A fresh project: the repository's Pulumi.yaml and Pulumi.local.yaml, the latter with the
	// plans' stand-in artifacts (functions/dist is built by make artifacts, not by the tests).
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "Pulumi.yaml"), b)
	b, err = os.ReadFile(filepath.Join(root, "Pulumi.local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var stackFile struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &stackFile); err != nil {
		t.Fatal(err)
	}
	k, _ := stackFile.Config["nimbus:kubernetes"].(map[string]any)
	renderDir, _ := k["renderDir"].(string)
	if renderDir == "" || filepath.IsAbs(renderDir) {
		t.Fatalf("Pulumi.local.yaml's nimbus:kubernetes.renderDir is %q, want a folder relative to the project", renderDir)
	}
	render := filepath.Join(dir, renderDir)
	stackFile.Config["nimbus:artifactsDir"] = filepath.Join(root, golden.ArtifactsDir)
	out, err := yaml.Marshal(stackFile)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "Pulumi.local.yaml"), out)

	// The environment of a fresh machine: no Pulumi settings but an empty Pulumi home.
	home := t.TempDir()
	env := []string{"PULUMI_HOME=" + home, "PULUMI_SKIP_UPDATE_CHECK=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PULUMI_") {
			env = append(env, kv)
		}
	}
	// nimbusRun runs nimbus in the project and returns its standard output and both outputs.
	nimbusRun := func(args ...string) (stdout, all string) {
		t.Helper()
		cmd := exec.Command(nimbus, args...)
		cmd.Dir, cmd.Env = dir, env
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		if err != nil {
			t.Fatalf("nimbus %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errOut.String())
		}
		t.Logf("nimbus %s in %s", strings.Join(args, " "), took.Round(time.Millisecond))
		return out.String(), out.String() + errOut.String()
	}

	// The baseline and the expectation: the offline plan's Kubernetes objects.
	planned, _ := nimbusRun("plan", "--stack", "local", "--format", "json")
	want, total := plannedObjects(t, planned)

	// 1. The first up, with no plugin in the Pulumi home.
	_, log := nimbusRun("up", "--stack", "local", "--yes")
	for _, want := range []string{"needs the resource plugin kubernetes v4.33.0, which is not installed in " + home, "installing the one built from tools/pulumi-kubernetes", "installed the resource plugin kubernetes v4.33.0"} {
		if !strings.Contains(log, want) {
			t.Errorf("up's output lacks %q:\n%s", want, log)
		}
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.HasPrefix(line, "nimbus: installed") {
			t.Log(line) // how much of the first up the plugin's install is
		}
	}
	if created := fmt.Sprintf("+ %d created", total); !strings.Contains(log, created) {
		t.Errorf("up's summary lacks %q (every resource of the plan):\n%s", created, log)
	}
	if strings.Contains(log, "secret value in plaintext") {
		t.Errorf("the provider warned of a rendered plaintext secret:\n%s", log)
	}
	manifests := readManifests(t, render)
	var got []string
	for _, m := range manifests {
		got = append(got, m.id())
	}
	sort.Strings(got)
	for i, id := range got { // auto-named objects: NAME-xxxxxxxx, as the plan's NAME-*
		got[i] = autonamed.ReplaceAllString(id, "$1-*")
	}
	t.Logf("%d manifests rendered for the plan's %d Kubernetes objects", len(got), len(want))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the rendered manifests against the plan's Kubernetes objects (-want +got):\n%s", diff)
	}

	// 2. No literal secret: no Secret with data, and every secret-like variable a secretKeyRef.
	for _, m := range manifests {
		if m.Kind == "Secret" && (m.Object["data"] != nil || m.Object["stringData"] != nil) {
			t.Errorf("%s: a Secret with its value in the manifest", m.file)
		}
		for _, e := range envVars(m.Object) {
			name, _ := e["name"].(string)
			_, literal := e["value"]
			from, _ := e["valueFrom"].(map[string]any)
			switch {
			case secretLike.MatchString(name) && (literal || from["secretKeyRef"] == nil):
				t.Errorf("%s: variable %s is %v, want a secretKeyRef", m.file, name, e)
			case from != nil && from["secretKeyRef"] == nil && from["configMapKeyRef"] == nil && from["fieldRef"] == nil:
				t.Errorf("%s: variable %s has an unexpected source %v", m.file, name, from)
			}
		}
	}

	// 3. A real API server accepts every manifest (server-side apply, dry run), in its namespace.
	srv := kubetest.StartAPIServer(t)
	kubetest.InstallCRDs(t, srv)
	for _, m := range manifests {
		if m.Kind != "Namespace" {
			continue
		}
		if err := apply(ctx, srv, m, false); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range manifests {
		if err := apply(ctx, srv, m, true); err != nil {
			t.Error(err)
		}
	}

	// 4. Nothing changed: the engine reports no change, and no file is rewritten.
	t.Logf("server-side dry run of %d manifests done", len(manifests))
	before := snapshot(t, render)
	_, log = nimbusRun("up", "--stack", "local", "--yes")
	if !strings.Contains(log, fmt.Sprintf(" %d unchanged\n", total)) || changed.MatchString(log) {
		t.Errorf("a second up with no change reported changes:\n%s", log)
	}
	if strings.Contains(log, "installing") {
		t.Errorf("a second up installed the plugin again:\n%s", log)
	}
	if diff := cmp.Diff(before, snapshot(t, render)); diff != "" {
		t.Errorf("a second up with no change rewrote manifests (-before +after):\n%s", diff)
	}

	// 5. Destroy: in render mode the provider deletes each object's file (and leaves the folders
	// it made, 0-crd and 1-manifest, empty).
	nimbusRun("destroy", "--stack", "local", "--yes")
	var left []string
	err = filepath.WalkDir(render, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(render, path)
		if d.IsDir() {
			rel += "/"
		}
		left = append(left, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"./", "0-crd/", "1-manifest/"}, left); diff != "" {
		t.Errorf("the render folder after destroy (-want +got):\n%s", diff)
	}
}

var (
	// autonamed is an id whose name is the provider's auto-name: the resource's name, a dash and
	// eight lowercase letters or digits.
	autonamed = regexp.MustCompile(`^(.*/[a-z0-9-]+)-[a-z0-9]{8}$`)
	// secretLike are variables whose values are credentials.
	secretLike = regexp.MustCompile(`(?i)(PASSWORD|SECRET|TOKEN|CREDENTIAL|_KEY$)`)
	// changed is an engine summary line of a change.
	changed = regexp.MustCompile(`(?m)^\s+[-+~]+ \d+ (to )?(create|created|update|updated|delete|deleted|replace|replaced)`)
)

// plannedObjects are the Kubernetes objects of a plan as Kind/namespace/name, sorted (an object
// the plan gives no name, which the provider names, is Kind/namespace/LOGICAL-*), and how many
// resources the plan holds in all.
func plannedObjects(t *testing.T, planJSON string) (objects []string, total int) {
	t.Helper()
	var p struct {
		Resources []struct {
			URN    string `json:"urn"`
			Type   string `json:"type"`
			Inputs struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
			} `json:"inputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(planJSON), &p); err != nil {
		t.Fatalf("the plan: %v\n%s", err, planJSON)
	}
	var out []string
	for _, r := range p.Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		name := r.Inputs.Metadata.Name
		if name == "" {
			name = r.URN[strings.LastIndex(r.URN, "::")+2:] + "-*"
		}
		out = append(out, r.Inputs.Kind+"/"+r.Inputs.Metadata.Namespace+"/"+name)
	}
	sort.Strings(out)
	if len(out) == 0 {
		t.Fatal("the plan of the local stack has no Kubernetes object")
	}
	return out, len(p.Resources)
}

// manifest is one rendered file.
type manifest struct {
	file       string
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	Object     map[string]any
	body       []byte
}

func (m manifest) id() string { return m.Kind + "/" + m.Namespace + "/" + m.Name }

// readManifests reads the rendered files: one object each, under 0-crd and 1-manifest.
func readManifests(t *testing.T, render string) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(render, "*", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("nothing rendered to %s", render)
	}
	var out []manifest
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m := manifest{file: filepath.Base(f), body: b}
		if err := yaml.Unmarshal(b, &m.Object); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m.APIVersion, _ = m.Object["apiVersion"].(string)
		m.Kind, _ = m.Object["kind"].(string)
		meta, _ := m.Object["metadata"].(map[string]any)
		m.Name, _ = meta["name"].(string)
		m.Namespace, _ = meta["namespace"].(string)
		if m.APIVersion == "" || m.Kind == "" || m.Name == "" {
			t.Errorf("%s: no apiVersion, kind or metadata.name:\n%s", f, b)
		}
		out = append(out, m)
	}
	return out
}

// envVars are the env entries of every container the object holds, at any depth.
func envVars(v any) []map[string]any {
	var out []map[string]any
	switch v := v.(type) {
	case map[string]any:
		for k, c := range v {
			if list, ok := c.([]any); ok && k == "env" {
				for _, e := range list {
					if m, ok := e.(map[string]any); ok {
						out = append(out, m)
					}
				}
				continue
			}
			out = append(out, envVars(c)...)
		}
	case []any:
		for _, c := range v {
			out = append(out, envVars(c)...)
		}
	}
	return out
}

// apply server-side applies the manifest, as a dry run when dryRun, at the path the API server's
// discovery gives its kind.
func apply(ctx context.Context, srv *kubetest.Server, m manifest, dryRun bool) error {
	group := "/apis/" + m.APIVersion
	if m.APIVersion == "v1" {
		group = "/api/v1"
	}
	status, body, err := srv.Do(ctx, http.MethodGet, group, "", nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s: the API server does not serve %s: %d: %s", m.file, m.APIVersion, status, body)
	}
	var list struct {
		Resources []struct {
			Name, Kind string
			Namespaced bool
		}
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return err
	}
	path := ""
	for _, r := range list.Resources {
		if r.Kind == m.Kind && !strings.Contains(r.Name, "/") {
			path = group
			if r.Namespaced {
				path += "/namespaces/" + m.Namespace
			}
			path += "/" + r.Name + "/" + m.Name + "?fieldManager=nimbus-test"
		}
	}
	if path == "" {
		return fmt.Errorf("%s: the API server serves no kind %s in %s", m.file, m.Kind, m.APIVersion)
	}
	if dryRun {
		path += "&dryRun=All"
	}
	status, body, err = srv.Do(ctx, http.MethodPatch, path, "application/apply-patch+yaml", m.body)
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusCreated {
		return fmt.Errorf("%s: the API server rejects %s: %d: %s", m.file, m.id(), status, body)
	}
	return nil
}

// snapshot is every file under dir with its modification time and content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[path] = fi.ModTime().Format(time.RFC3339Nano) + "\n" + string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatalf("cannot write %s: %v", path, err)
	}
}
