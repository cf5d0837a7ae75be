package sourcebuilt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// KubernetesProviderVersion is the Kubernetes provider plugin built from tools/pulumi-kubernetes:
// the release of the pinned provider module, and the version of the SDK in the root go.mod.
const KubernetesProviderVersion = "4.33.0"

// KubeAPIServerVersion is the kube-apiserver pinned in tools/kube-apiserver/go.mod.
const KubeAPIServerVersion = "1.37.2"

// Options say where to find the pinned modules and where to keep what is built from them.
type Options struct {
	// ProjectDir holds tools/. Default: the nearest folder above the working directory that holds
	// tools/kube-apiserver/go.mod. Only a build needs it.
	ProjectDir string
	// CacheDir is the cache root; default NIMBUS_CACHE_DIR, else the user cache folder joined
	// with "nimbus".
	CacheDir string
	// Log receives what is built, its expected time and how long it took. Default stderr.
	Log io.Writer
}

// Binary is a program built from a pinned module under tools/.
type Binary struct {
	what    string // for messages
	dir     string // cache subfolder, versioned
	name    string // file name
	module  string // tools/ folder
	pkg     string // package to build, in that module
	ldflags string
	expect  string // the build's expected time, for the message before it
	// generate runs `go generate` in the module first (the provider's embedded schema).
	generate bool
	// check says whether a cached file is the pinned program; nil: existing is enough (the file is
	// renamed into place only after a build succeeds).
	check func(ctx context.Context, path string) error
}

func (b *Binary) String() string { return b.what }

// Module is the folder under tools/ the binary is built from.
func (b *Binary) Module() string { return "tools/" + b.module }

// Expect is how long a cold build takes on the project's machines.
func (b *Binary) Expect() string { return b.expect }

// KubeAPIServer is kube-apiserver, for tests against a real Kubernetes API server.
var KubeAPIServer = &Binary{
	what:   "kube-apiserver v" + KubeAPIServerVersion,
	dir:    "kube-apiserver-v" + KubeAPIServerVersion,
	name:   "kube-apiserver",
	module: "kube-apiserver",
	pkg:    "k8s.io/kubernetes/cmd/kube-apiserver",
	ldflags: "-X k8s.io/component-base/version.gitVersion=v" + KubeAPIServerVersion +
		" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37",
	expect: "about 7 minutes on 2 cores, 171 MB",
	check: func(ctx context.Context, path string) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, path, "--version").Output()
		if err != nil {
			return fmt.Errorf("cannot run %s --version: %w", path, err)
		}
		if got := strings.TrimSpace(string(out)); got != "Kubernetes v"+KubeAPIServerVersion {
			return fmt.Errorf("%s --version printed %q, want Kubernetes v%s", path, got, KubeAPIServerVersion)
		}
		return nil
	},
}

// KubernetesProvider is the Pulumi Kubernetes provider plugin.
var KubernetesProvider = &Binary{
	what:     "pulumi-resource-kubernetes v" + KubernetesProviderVersion,
	dir:      "pulumi-resource-kubernetes-v" + KubernetesProviderVersion,
	name:     "pulumi-resource-kubernetes",
	module:   "pulumi-kubernetes",
	pkg:      ".",
	ldflags:  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=" + KubernetesProviderVersion,
	expect:   "10 to 18 minutes and about 5 GB of memory on 2 cores",
	generate: true,
}

// plugins are the resource plugins nimbus builds, by name, at the one version each builds.
var plugins = map[string]struct {
	version string
	binary  *Binary
}{
	"kubernetes": {KubernetesProviderVersion, KubernetesProvider},
}

// Plugin returns the binary that is the resource plugin name at version (without the v), and
// false when nimbus cannot build that plugin at that version.
func Plugin(name, version string) (*Binary, bool) {
	p, ok := plugins[name]
	if !ok || p.version != version {
		return nil, false
	}
	return p.binary, true
}

// CacheRoot is the folder the binaries (and the Pulumi CLI) are cached under: dir when set, else
// NIMBUS_CACHE_DIR, else the user cache folder joined with "nimbus".
func CacheRoot(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("NIMBUS_CACHE_DIR")
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a cache folder for the binaries nimbus builds (set NIMBUS_CACHE_DIR): %w", err)
		}
		dir = filepath.Join(base, "nimbus")
	}
	return dir, nil
}

// ProjectDir returns the nearest folder above the working directory holding the pinned modules.
func ProjectDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "tools", "kube-apiserver", "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no folder above %s holds tools/kube-apiserver/go.mod", dir)
		}
	}
}

// Cached returns the path of the cached binary, and whether it is there and usable.
func (b *Binary) Cached(ctx context.Context, opts Options) (string, bool, error) {
	base, err := CacheRoot(opts.CacheDir)
	if err != nil {
		return "", false, err
	}
	bin := filepath.Join(base, b.dir, "bin", b.name)
	return bin, b.ok(ctx, bin) == nil, nil
}

// Path returns the path of the cached binary, building it under a lock when it is missing.
func (b *Binary) Path(ctx context.Context, opts Options) (string, error) {
	log := opts.Log
	if log == nil {
		log = os.Stderr
	}
	base, err := CacheRoot(opts.CacheDir)
	if err != nil {
		return "", err
	}
	root := filepath.Join(base, b.dir)
	bin := filepath.Join(root, "bin", b.name)
	if b.ok(ctx, bin) == nil {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return "", fmt.Errorf("cannot create %s: %w", root, err)
	}
	lock, err := os.OpenFile(filepath.Join(root, "build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("cannot lock %s: %w", root, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("cannot lock %s: %w", root, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file unlocks too
	if b.ok(ctx, bin) == nil {
		return bin, nil // another process built it while this one waited
	}
	project := opts.ProjectDir
	if project == "" {
		if project, err = ProjectDir(); err != nil {
			return "", fmt.Errorf("cannot build %s: %w", b.what, err)
		}
	}
	module := filepath.Join(project, "tools", b.module)
	if _, err := os.Stat(filepath.Join(module, "go.mod")); err != nil {
		return "", fmt.Errorf("cannot build %s: %w", b.what, err)
	}
	fmt.Fprintf(log, "nimbus: no %s in %s; building it from tools/%s (once per machine: %s)\n", b.what, bin, b.module, b.expect)
	start := time.Now()
	if b.generate {
		if err := gocmd(ctx, log, module, "generate", "."); err != nil {
			return "", fmt.Errorf("cannot build %s (go generate in %s): %w", b.what, module, err)
		}
	}
	tmp := bin + ".tmp"
	if err := gocmd(ctx, log, module, "build", "-trimpath", "-ldflags", b.ldflags, "-o", tmp, b.pkg); err != nil {
		return "", fmt.Errorf("cannot build %s (go build in %s): %w", b.what, module, err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("cannot install %s: %w", b.what, err)
	}
	if err := b.ok(ctx, bin); err != nil {
		return "", fmt.Errorf("built %s, but it is not the pinned one: %w", b.what, err)
	}
	fmt.Fprintf(log, "nimbus: built %s in %s\n", b.what, time.Since(start).Round(time.Second))
	return bin, nil
}

func (b *Binary) ok(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not an executable file", path)
	}
	if b.check != nil {
		return b.check(ctx, path)
	}
	return nil
}

func gocmd(ctx context.Context, log io.Writer, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return errors.Join(fmt.Errorf("go %s", strings.Join(args, " ")), err)
	}
	return nil
}

// InstallArgs are the Pulumi CLI's arguments that install the plugin binary at path as the
// resource plugin name at version (without the v), so the engine finds a versioned plugin and
// downloads nothing.
func InstallArgs(name, version, path string) []string {
	return []string{"plugin", "install", "resource", name, "v" + version, "--file", path}
}
