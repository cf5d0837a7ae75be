package deployorder_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"gopkg.in/yaml.v3"

	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/fakeprovider"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
	"github.com/nimbus-iac/nimbus/stacks"
)

// migrationTime is how long the fake migration runs.
const migrationTime = time.Second

const (
	stack      = "dev"
	passphrase = "nimbus-deploy-order"

	invocationType = "aws:lambda/invocation:Invocation"
	aliasType      = "aws:lambda/alias:Alias"
)

// ref names a resource by type and logical name; its URN is what the log says.
type ref struct{ typ, name string }

func (r ref) String() string { return r.typ + " " + r.name }

var (
	migration  = ref{invocationType, "migrate-on-deploy"}
	migrateFn  = ref{"aws:lambda/function:Function", "migrate"}
	apiFn      = ref{"aws:lambda/function:Function", "api"}
	migrateLiv = ref{aliasType, "migrate-" + function.Alias}
	apiLive    = ref{aliasType, "api-" + function.Alias}
	workerLive = ref{aliasType, "worker-" + function.Alias}
	apiWarm    = ref{"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", "api-warm"}
	database   = ref{"aws:rds/instance:Instance", "db"}
)

// TestDeployOrder deploys stacks.Program (the dev stack, with warm api instances) on the real
// engine and fake provider plugins through five updates and a destroy, and checks from the
// provider log the order the claims in the package doc depend on.
func TestDeployOrder(t *testing.T) {
	ctx := context.Background()
	root := repoRoot(t)
	begin := time.Now()
	lap := func(what string) {
		t.Logf("%-28s %5.1fs", what, time.Since(begin).Seconds())
		begin = time.Now()
	}

	artifacts := filepath.Join(root, golden.ArtifactsDir)
	dir := project(t, root, artifacts)
	plugins := pluginsOf(t, dir)
	cliPath, err := engine.CLIPath(ctx, engine.CLIOptions{ProjectDir: root, Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	install(t, root, cliPath, home, plugins)
	lap("build and install plugins")

	log := &opLog{path: filepath.Join(t.TempDir(), "provider.log")}
	var progress bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("engine progress:\n%s", tail(progress.String(), 80))
		}
	})
	cli, err := engine.CLI(ctx, engine.CLIOptions{ProjectDir: root, Log: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	s, err := engine.Open(ctx, engine.Options{
		ProjectDir: dir, Stack: stack, Program: stacks.Program, CLI: cli, Plugins: plugins,
		Stdout: &progress, Stderr: &progress,
		Env: map[string]string{
			"PULUMI_HOME":              home,
			"PULUMI_BACKEND_URL":       "file://" + t.TempDir(),
			"PULUMI_CONFIG_PASSPHRASE": passphrase,
			fakeprovider.LogEnv:        log.path,
			// A migration takes a while: whatever does not wait for it starts while it runs.
			fakeprovider.DelayEnv: invocationType + "=" + migrationTime.String(),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	lap("open the stack")

	// 1. The first deploy: nothing goes live before the migration has run.
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	ops := log.next(t)
	logOrder(t, "first up", ops)
	for _, r := range []ref{apiLive, workerLive, apiWarm} {
		before(t, "first up", ops, "Created", migration, "Create", r)
	}
	lap("1 first up")

	// 2. Nothing changed: the engine must find nothing to do, and the provider must do nothing.
	if _, err := s.Stack.Up(ctx, optup.ExpectNoChanges(), optup.ProgressStreams(&progress), optup.ErrorProgressStreams(&progress)); err != nil {
		t.Errorf("a second up with no change changed something: %v", err)
	}
	for _, o := range log.next(t) {
		if mutates(o.verb) {
			t.Errorf("a second up with no change: the provider logged %s %s", o.verb, o.urn)
		}
	}
	lap("2 up, no change")

	// 3. The database changes identity (another database, so another instance): the migration
	// runs again before api and worker move to the versions that connect to it.
	if err := s.SetConfigWithOptions(ctx, "nimbus:database.name", auto.ConfigValue{Value: "thumbnails"}, &auto.ConfigOptions{Path: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("up with another database name: %v", err)
	}
	ops = log.next(t)
	logOrder(t, "another database", ops)
	must(t, "another database", ops, "Created", database) // the replacement instance
	before(t, "another database", ops, "Created", database, "Create", migration)
	before(t, "another database", ops, "Created", migration, "Update", apiLive)
	before(t, "another database", ops, "Created", migration, "Update", workerLive)
	before(t, "another database", ops, "Created", migration, "Delete", migration) // create, then delete the old
	lap("3 up, another database")

	// 4. Only the migrate code changes: the migration runs again, on the new version.
	if err := s.SetConfig(ctx, "nimbus:artifactsDir", auto.ConfigValue{Value: variant(t, artifacts, "migrate")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("up with new migrate code: %v", err)
	}
	ops = log.next(t)
	logOrder(t, "new migrate code", ops)
	before(t, "new migrate code", ops, "Updated", migrateFn, "Update", migrateLiv)
	before(t, "new migrate code", ops, "Updated", migrateLiv, "Create", migration)
	must(t, "new migrate code", ops, "Created", migration)
	lap("4 up, new migrate code")

	// 5. New api and migrate code, and the migration fails: the deploy fails, and the api's live
	// alias stays on the version it served before.
	liveBefore := aliasVersion(t, ctx, s, apiLive)
	if err := s.SetConfig(ctx, "nimbus:artifactsDir", auto.ConfigValue{Value: variant(t, artifacts, "migrate", "api")}); err != nil {
		t.Fatal(err)
	}
	s.Workspace().SetEnvVar(fakeprovider.FailEnv, invocationType)
	_, err = s.Up(ctx)
	s.Workspace().UnsetEnvVar(fakeprovider.FailEnv)
	if err == nil {
		t.Fatal("up with a failing migration succeeded")
	}
	if !strings.Contains(err.Error()+progress.String(), fakeprovider.FailEnv) {
		t.Errorf("the failure does not name the failed migration: %v", err)
	}
	ops = log.next(t)
	logOrder(t, "failed migration", ops)
	must(t, "failed migration", ops, "CreateFailed", migration)
	for _, o := range ops {
		if o.is(apiLive) && mutates(o.verb) {
			t.Errorf("failed migration: the api's live alias was touched anyway: %s %s", o.verb, o.urn)
		}
	}
	if got := aliasVersion(t, ctx, s, apiLive); got != liveBefore {
		t.Errorf("failed migration: the api's live alias points at version %s, want %s (the version before the failed deploy)", got, liveBefore)
	}
	t.Logf("failed migration: the api function was updated meanwhile: %v; its live alias stayed on version %s", find(ops, "Updated", apiFn) >= 0, liveBefore)
	lap("5 up, failed migration")

	// 6. The stack goes away cleanly.
	if _, err := s.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	ops = log.next(t)
	for _, r := range []ref{migration, apiLive, workerLive, apiWarm, database} {
		must(t, "destroy", ops, "Deleted", r)
	}
	lap("6 destroy")
}

// op is one line of the provider log.
type op struct {
	verb string
	urn  resource.URN
}

func (o op) is(r ref) bool {
	return o.urn.IsValid() && string(o.urn.Type()) == r.typ && o.urn.Name() == r.name
}

// mutates says whether a logged operation changes the cloud.
func mutates(verb string) bool {
	for _, v := range []string{"Create", "Update", "Delete"} {
		if strings.HasPrefix(verb, v) {
			return true
		}
	}
	return false
}

// opLog reads the provider log a deployment at a time.
type opLog struct {
	path string
	seen int
}

// next returns the lines appended since the last call.
func (l *opLog) next(t *testing.T) []op {
	t.Helper()
	f, err := os.Open(l.path)
	if err != nil {
		t.Fatalf("the provider log: %v", err)
	}
	defer f.Close()
	var all []op
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		verb, subject, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("the provider log has a line that is not OP SUBJECT: %q", sc.Text())
		}
		all = append(all, op{verb: verb, urn: resource.URN(subject)})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	ops := all[l.seen:]
	l.seen = len(all)
	return ops
}

// find is the index of the first verb on r, or -1.
func find(ops []op, verb string, r ref) int {
	return slices.IndexFunc(ops, func(o op) bool { return o.verb == verb && o.is(r) })
}

// must fails unless verb on r is in the log.
func must(t *testing.T, phase string, ops []op, verb string, r ref) {
	t.Helper()
	if find(ops, verb, r) < 0 {
		t.Errorf("%s: the provider log has no %s of %s", phase, verb, r)
	}
}

// before fails unless firstVerb on first is logged, thenVerb on then is logged, and the first
// comes before the other.
func before(t *testing.T, phase string, ops []op, firstVerb string, first ref, thenVerb string, then ref) {
	t.Helper()
	i, j := find(ops, firstVerb, first), find(ops, thenVerb, then)
	switch {
	case i < 0:
		t.Errorf("%s: the provider log has no %s of %s", phase, firstVerb, first)
	case j < 0:
		t.Errorf("%s: the provider log has no %s of %s", phase, thenVerb, then)
	case j < i:
		t.Errorf("%s: %s of %s (line %d) came before %s of %s (line %d)", phase, thenVerb, then, j, firstVerb, first, i)
	}
}

// logOrder shows the operations on the resources the claims are about, in order (go test -v).
func logOrder(t *testing.T, phase string, ops []op) {
	t.Helper()
	var lines []string
	for i, o := range ops {
		for _, r := range []ref{database, migrateFn, migrateLiv, migration, apiFn, apiLive, workerLive, apiWarm} {
			if o.is(r) && mutates(o.verb) {
				lines = append(lines, fmt.Sprintf("  %3d %-13s %s", i, o.verb, r))
			}
		}
	}
	t.Logf("%s: %d provider operations; on the resources that matter:\n%s", phase, len(ops), strings.Join(lines, "\n"))
}

// aliasVersion is the function version an alias points at in the stack's state.
func aliasVersion(t *testing.T, ctx context.Context, s *engine.Stack, r ref) string {
	t.Helper()
	exported, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Resources []struct {
			URN     resource.URN   `json:"urn"`
			Outputs map[string]any `json:"outputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(exported.Deployment, &d); err != nil {
		t.Fatal(err)
	}
	for _, res := range d.Resources {
		if (op{urn: res.URN}).is(r) {
			v, _ := res.Outputs["functionVersion"].(string)
			return v
		}
	}
	t.Fatalf("no %s in the stack's state", r)
	return ""
}

// project makes a project folder with the repository's Pulumi.yaml and a dev stack derived from
// Pulumi.dev.yaml: the artifacts at artifactsDir, and warm api instances, so provisioned
// concurrency hangs off the live alias.
func project(t *testing.T, root, artifactsDir string) string {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(filepath.Join(root, "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	file.Config["nimbus:artifactsDir"] = artifactsDir
	api, _ := file.Config["nimbus:api"].(map[string]any)
	if api == nil {
		api = map[string]any{}
	}
	api["warmInstances"] = 1
	file.Config["nimbus:api"] = api
	out, err := yaml.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Pulumi."+stack+".yaml"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pluginsOf names the plugins the stack needs, from its offline plan's resource types, as
// `nimbus up` does.
func pluginsOf(t *testing.T, dir string) []engine.Plugin {
	t.Helper()
	p, err := plan.Run(plan.Options{Dir: dir, Stack: stack, Program: golden.Program})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range p.Resources {
		types = append(types, r.Type)
	}
	sort.Strings(types)
	plugins, err := engine.PluginsFor(slices.Compact(types), engine.ModuleVersions(repoRoot(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(plugins) == 0 {
		t.Fatal("the dev stack needs no plugin: it registers no cloud resource")
	}
	return plugins
}

// install builds the fake provider once, at the plugins' versions, and installs it as each of
// them into the Pulumi home with the real CLI.
func install(t *testing.T, root, cli, home string, plugins []engine.Plugin) {
	t.Helper()
	bin := t.TempDir()
	var versions []string
	for _, p := range plugins {
		versions = append(versions, p.Name+"="+p.Version)
	}
	first := filepath.Join(bin, "pulumi-resource-"+plugins[0].Name)
	build := exec.Command("go", "build", "-o", first,
		"-ldflags", "-X "+fakeprovider.VersionsVar+"="+strings.Join(versions, ","),
		"./internal/fakeprovider/cmd/fakeprovider")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cannot build the fake provider: %v\n%s", err, out)
	}
	for _, p := range plugins {
		path := filepath.Join(bin, "pulumi-resource-"+p.Name)
		if path != first {
			if err := os.Link(first, path); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(cli, "plugin", "install", "resource", p.Name, p.Version, "--file", path)
		cmd.Env = append(os.Environ(), "PULUMI_HOME="+home, "PULUMI_SKIP_UPDATE_CHECK=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cannot install the fake provider as %s: %v\n%s", p, err, out)
		}
	}
}

// variant copies the artifacts into a new folder, with the named functions' code changed.
func variant(t *testing.T, artifacts string, changed ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"api", "worker", "migrate"} {
		b, err := os.ReadFile(filepath.Join(artifacts, name+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(changed, name) {
			var buf bytes.Buffer
			z := zip.NewWriter(&buf)
			w, err := z.Create("bootstrap")
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(w, "#!/bin/sh\necho %s, changed in %s\n", name, dir)
			if err := z.Close(); err != nil {
				t.Fatal(err)
			}
			b = buf.Bytes()
		}
		if err := os.WriteFile(filepath.Join(dir, name+".zip"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
