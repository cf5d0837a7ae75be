package kubetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// CRDSource is a module version whose zip carries a project's CRD manifests.
type CRDSource struct {
	Module, Version string
	// Paths inside the module: a folder (all its .yaml files) or a file.
	Paths []string
}

// CRDSources are the CRDs InstallCRDs installs, pinned (and checksummed by the Go toolchain)
// as module versions: Knative Serving 1.22.1, Knative Eventing's Broker and Trigger, and
// CloudNativePG.
var CRDSources = []CRDSource{
	{Module: "knative.dev/serving", Version: "v0.49.1", Paths: []string{"config/core/300-resources"}},
	{Module: "knative.dev/eventing", Version: "v0.49.2", Paths: []string{"config/core/resources/broker.yaml", "config/core/resources/trigger.yaml"}},
	{Module: "github.com/cloudnative-pg/cloudnative-pg", Version: "v1.30.0", Paths: []string{"config/crd/bases"}},
}

// InstallCRDs applies the CRDs of CRDSources to the server (server-side apply: CloudNativePG's
// are too large for a client-side apply's annotation) and waits until each is Established.
// It returns the CRDs' names.
func InstallCRDs(t testing.TB, s *Server) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for _, src := range CRDSources {
		docs, err := src.manifests(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range docs {
			name, err := s.applyCRD(ctx, doc.body)
			if err != nil {
				t.Fatalf("%s: %v", doc.file, err)
			}
			names = append(names, name)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for {
			err := s.established(ctx, name)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("CRD %s: %v", name, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return names
}

type manifest struct {
	file string
	body []byte // JSON
}

// ModuleDir downloads module@version with the Go toolchain (verified against the checksum
// database like any dependency) and returns its folder in the module cache.
func ModuleDir(ctx context.Context, module, version string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = os.TempDir() // outside any module: nothing's go.mod or go.sum changes
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &info); jerr != nil || info.Error != "" || info.Dir == "" {
		var stderr []byte
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		return "", fmt.Errorf("cannot download %s@%s: %v %s %s", module, version, err, info.Error, stderr)
	}
	return info.Dir, nil
}

// manifests reads the source's CRDs, one JSON document each.
func (src CRDSource) manifests(ctx context.Context) ([]manifest, error) {
	dir, err := ModuleDir(ctx, src.Module, src.Version)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, p := range src.Paths {
		full := filepath.Join(dir, p)
		fi, err := os.Stat(full)
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", src.Module, src.Version, err)
		}
		if !fi.IsDir() {
			files = append(files, full)
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(full, "*.yaml"))
		sort.Strings(matches)
		files = append(files, matches...)
	}
	var out []manifest
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if doc == nil {
				continue // an empty document
			}
			if doc["kind"] != "CustomResourceDefinition" {
				return nil, fmt.Errorf("%s: kind %v, want only CustomResourceDefinition", f, doc["kind"])
			}
			body, err := json.Marshal(doc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			out = append(out, manifest{file: strings.TrimPrefix(f, dir+string(filepath.Separator)), body: body})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s@%s: no CRDs in %v", src.Module, src.Version, src.Paths)
	}
	return out, nil
}

// applyCRD server-side applies a CRD and returns its name.
func (s *Server) applyCRD(ctx context.Context, body []byte) (string, error) {
	var crd struct {
		Metadata struct{ Name string } `json:"metadata"`
	}
	if err := json.Unmarshal(body, &crd); err != nil || crd.Metadata.Name == "" {
		return "", fmt.Errorf("a CRD without metadata.name (%v)", err)
	}
	path := "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd.Metadata.Name + "?fieldManager=nimbus-kubetest&force=true"
	status, resp, err := s.Do(ctx, http.MethodPatch, path, "application/apply-patch+yaml", body)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK && status != http.StatusCreated {
		return "", fmt.Errorf("cannot apply CRD %s: %d: %s", crd.Metadata.Name, status, resp)
	}
	return crd.Metadata.Name, nil
}

func (s *Server) established(ctx context.Context, name string) error {
	status, resp, err := s.Do(ctx, http.MethodGet, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+name, "", nil)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("GET: %d: %s", status, resp)
	}
	var crd struct {
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if err := json.Unmarshal(resp, &crd); err != nil {
		return err
	}
	for _, c := range crd.Status.Conditions {
		if c.Type == "Established" && c.Status == "True" {
			return nil
		}
	}
	return fmt.Errorf("not Established: %+v", crd.Status.Conditions)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
