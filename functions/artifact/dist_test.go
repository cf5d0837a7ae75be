package artifact

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"go/build"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// writeModule writes a dependency-free module with two mains into dir.
func writeModule(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{
		"go.mod":           "module example.com/fn\n\ngo 1.26\n",
		"cmd/api/main.go":  "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"api\") }\n",
		"cmd/jobs/main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBuildIsReproducible builds the same sources from two different directories (so -trimpath
// matters) and compares every output byte.
func TestBuildIsReproducible(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	targets := []Target{{Name: "api", Package: "./cmd/api", Image: true}, {Name: "jobs", Package: "./cmd/jobs"}}
	var trees []map[string][]byte
	for _, n := range []string{"one", "two/nested"} {
		src := filepath.Join(tmp, "src", n)
		writeModule(t, src)
		out := filepath.Join(tmp, "out", n)
		res, err := Build(context.Background(), Config{OutDir: out, Targets: targets, Binary: BinaryOptions{Dir: src}})
		if err != nil {
			t.Fatalf("Build from %s: %v", n, err)
		}
		if len(res.Digests) != 1 || res.Digests["api"].Hex == "" {
			t.Errorf("Build from %s: digests %v, want one for api", n, res.Digests)
		}
		trees = append(trees, readTree(t, out))
	}

	var names []string
	for n := range trees[0] {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"SHA256SUMS", "api.zip", "jobs.zip", "oci/DIGESTS", "oci/api.tar"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("files written -want +got:\n%s", diff)
	}
	for _, n := range names {
		if !bytes.Equal(trees[0][n], trees[1][n]) {
			t.Errorf("%s differs between two builds of the same sources", n)
		}
	}

	// SHA256SUMS covers every artifact with its real hash.
	var wantSums strings.Builder
	for _, n := range []string{"api.zip", "jobs.zip", "oci/api.tar"} {
		fmt.Fprintf(&wantSums, "%s  %s\n", sum(trees[0][n]), n)
	}
	if diff := cmp.Diff(wantSums.String(), string(trees[0]["SHA256SUMS"])); diff != "" {
		t.Errorf("SHA256SUMS -want +got:\n%s", diff)
	}

	// The bootstrap is a static linux/arm64 executable.
	zr, err := zip.NewReader(bytes.NewReader(trees[0]["api.zip"]), int64(len(trees[0]["api.zip"])))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	if ef.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine %v, want EM_AARCH64", ef.Machine)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("bootstrap has %v: not static", p.Type)
		}
	}
	if s := ef.Section(".symtab"); s != nil {
		t.Error("bootstrap has a symbol table: -s was not applied")
	}
}

func TestBuildBinariesRejectsClashingNames(t *testing.T) {
	t.Parallel()
	_, err := BuildBinaries(context.Background(), BinaryOptions{}, t.TempDir(), "./a/api", "./b/api")
	if err == nil {
		t.Error("two packages named api were accepted")
	}
}

// TestBuildContainerTarget: a Container target gets an image for ContainerArch (amd64 by default,
// while the Lambda targets stay arm64) and no zip.
func TestBuildContainerTarget(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	writeModule(t, src)
	out := filepath.Join(tmp, "out")
	res, err := Build(context.Background(), Config{OutDir: out, Binary: BinaryOptions{Dir: src}, Targets: []Target{
		{Name: "api", Package: "./cmd/api", Image: true},
		{Name: "jobs-server", Package: "./cmd/jobs", Container: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range readTree(t, out) {
		names = append(names, n)
	}
	sort.Strings(names)
	if diff := cmp.Diff([]string{"SHA256SUMS", "api.zip", "oci/DIGESTS", "oci/api.tar", "oci/jobs-server.tar"}, names); diff != "" {
		t.Fatalf("files written -want +got:\n%s", diff)
	}
	archs := map[string]string{}
	for _, n := range []string{"api", "jobs-server"} {
		dir := t.TempDir()
		if err := untar(filepath.Join(out, "oci", n+".tar"), dir); err != nil {
			t.Fatal(err)
		}
		idx, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		img, err := idx.Image(res.Digests[n])
		if err != nil {
			t.Fatalf("%s: the layout has no image %s: %v", n, res.Digests[n], err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		archs[n] = cfg.OS + "/" + cfg.Architecture
	}
	if diff := cmp.Diff(map[string]string{"api": "linux/arm64", "jobs-server": "linux/amd64"}, archs); diff != "" {
		t.Errorf("image platforms -want +got:\n%s", diff)
	}
}

// TestDefaultTargets: the artifacts `go run ./cmd/build` writes are the ones
// docs/function-contract.md lists, and every target's package is a main package of this module.
func TestDefaultTargets(t *testing.T) {
	t.Parallel()
	var got []string
	for _, tg := range DefaultTargets {
		if !tg.Container {
			got = append(got, tg.Name+".zip")
		}
		if tg.Image || tg.Container {
			got = append(got, "oci/"+tg.Name+".tar")
		}
		pkg, err := build.ImportDir(filepath.Join("..", filepath.FromSlash(tg.Package)), 0)
		if err != nil || pkg.Name != "main" {
			t.Errorf("target %s: package %s is no main package of the module (%v)", tg.Name, tg.Package, err)
		}
	}
	sort.Strings(got)
	want := []string{
		"api.zip", "migrate.zip", "oci/api-server-aws.tar", "oci/api-server-azure.tar", "oci/api-server-gcp.tar", "oci/api-server.tar", "oci/api.tar",
		"oci/migrate-job-azure.tar", "oci/migrate-job-gcp.tar", "oci/migrate-job.tar", "oci/worker-server-azure.tar",
		"oci/worker-server-gcp.tar", "oci/worker-server.tar", "oci/worker.tar", "worker.zip",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("artifacts of DefaultTargets: -want +got:\n%s", diff)
	}
	// Only the Fargate image has an architecture of its own (Graviton); every other image
	// keeps Config.ContainerArch, so that its digest does not move.
	archs := map[string]string{}
	for _, tg := range DefaultTargets {
		if tg.Arch != "" {
			archs[tg.Name] = tg.Arch
		}
	}
	if diff := cmp.Diff(map[string]string{"api-server-aws": "arm64"}, archs); diff != "" {
		t.Errorf("targets with their own Arch -want +got:\n%s", diff)
	}
}

// TestTargetArch: a Container target with Arch is built for it, beside the Lambda targets
// (Binary.GOARCH) and the other Container targets (ContainerArch); Arch on a target that is
// not a Container is an error naming it.
func TestTargetArch(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	writeModule(t, src)
	web := filepath.Join(src, "cmd", "web")
	if err := os.MkdirAll(web, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(web, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")
	res, err := Build(context.Background(), Config{OutDir: out, Binary: BinaryOptions{Dir: src, GOARCH: "amd64"}, ContainerArch: "amd64", Targets: []Target{
		{Name: "api", Package: "./cmd/api", Image: true},
		{Name: "jobs-server", Package: "./cmd/jobs", Container: true},
		{Name: "web-server", Package: "./cmd/web", Container: true, Arch: "arm64"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	archs := map[string]string{}
	for _, n := range []string{"api", "jobs-server", "web-server"} {
		dir := t.TempDir()
		if err := untar(filepath.Join(out, "oci", n+".tar"), dir); err != nil {
			t.Fatal(err)
		}
		idx, err := layout.ImageIndexFromPath(dir)
		if err != nil {
			t.Fatal(err)
		}
		img, err := idx.Image(res.Digests[n])
		if err != nil {
			t.Fatalf("%s: the layout has no image %s: %v", n, res.Digests[n], err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("%s: layers %d, %v; want one", n, len(layers), err)
		}
		files := layerFiles(t, layers[0])
		var bin []byte
		for name, f := range files {
			if strings.HasSuffix(name, "var/task/bootstrap") {
				bin = f.data
			}
		}
		ef, err := elf.NewFile(bytes.NewReader(bin))
		if err != nil {
			t.Fatalf("%s: bootstrap is not ELF: %v", n, err)
		}
		archs[n] = cfg.OS + "/" + cfg.Architecture + " " + ef.Machine.String()
	}
	want := map[string]string{"api": "linux/amd64 EM_X86_64", "jobs-server": "linux/amd64 EM_X86_64", "web-server": "linux/arm64 EM_AARCH64"}
	if diff := cmp.Diff(want, archs); diff != "" {
		t.Errorf("image platforms and binary machines -want +got:\n%s", diff)
	}

	_, err = Build(context.Background(), Config{OutDir: filepath.Join(tmp, "bad"), Binary: BinaryOptions{Dir: src}, Targets: []Target{{Name: "api", Package: "./cmd/api", Arch: "amd64"}}})
	if want := `target api: Arch "amd64" is only taken by Container targets`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Arch on a Lambda target: err = %v, want one containing %q", err, want)
	}
}
