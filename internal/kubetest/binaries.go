package kubetest

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

// APIServerVersion is the kube-apiserver pinned in tools/kube-apiserver/go.mod.
const APIServerVersion = "1.37.2"

// ProviderVersion is the Kubernetes provider plugin built from tools/pulumi-kubernetes: the
// release of the pinned provider module, and the version of the SDK in the root go.mod.
const ProviderVersion = "4.33.0"

// Options say where to find the pinned modules and where to keep what is built from them.
type Options struct {
	// ProjectDir holds tools/kube-apiserver and tools/pulumi-kubernetes. Default: the nearest folder
	// above the working directory that holds tools/kube-apiserver/go.mod.
	ProjectDir string
	// CacheDir is the cache root shared with the Pulumi CLI (internal/engine); default
	// NIMBUS_CACHE_DIR, else the user cache folder joined with "nimbus".
	CacheDir string
	// Log receives what is found or built, and how long a build took. Default stderr.
	Log io.Writer
}

// binary is one of the two programs built from a pinned module.
type binary struct {
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

var apiserverBinary = binary{
	what:   "kube-apiserver v" + APIServerVersion,
	dir:    "kube-apiserver-v" + APIServerVersion,
	name:   "kube-apiserver",
	module: "kube-apiserver",
	pkg:    "k8s.io/kubernetes/cmd/kube-apiserver",
	ldflags: "-X k8s.io/component-base/version.gitVersion=v" + APIServerVersion +
		" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37",
	expect: "about 7 minutes on 2 cores, 171 MB",
	check: func(ctx context.Context, path string) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, path, "--version").Output()
		if err != nil {
			return fmt.Errorf("cannot run %s --version: %w", path, err)
		}
		if got := strings.TrimSpace(string(out)); got != "Kubernetes v"+APIServerVersion {
			return fmt.Errorf("%s --version printed %q, want Kubernetes v%s", path, got, APIServerVersion)
		}
		return nil
	},
}

var providerBinary = binary{
	what:     "pulumi-resource-kubernetes v" + ProviderVersion,
	dir:      "pulumi-resource-kubernetes-v" + ProviderVersion,
	name:     "pulumi-resource-kubernetes",
	module:   "pulumi-kubernetes",
	pkg:      ".",
	ldflags:  "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=" + ProviderVersion,
	expect:   "about 11 minutes and 5 GB of memory on 2 cores",
	generate: true,
}

// Binaries returns the paths of kube-apiserver and of the Kubernetes provider plugin, building
// each once per machine into the cache root when it is missing. Concurrent callers (test
// packages run in parallel) wait on one build.
func Binaries(ctx context.Context, opts Options) (apiserver, provider string, err error) {
	if apiserver, err = find(ctx, opts, apiserverBinary); err != nil {
		return "", "", err
	}
	if provider, err = find(ctx, opts, providerBinary); err != nil {
		return "", "", err
	}
	return apiserver, provider, nil
}

// APIServer returns the path of kube-apiserver, building it if needed (see Binaries).
func APIServer(ctx context.Context, opts Options) (string, error) {
	return find(ctx, opts, apiserverBinary)
}

// InstallProvider installs the provider plugin at path into the Pulumi home folder pulumiHome,
// as version ProviderVersion, with the Pulumi CLI at pulumiCLI.
func InstallProvider(ctx context.Context, pulumiCLI, pulumiHome, path string) error {
	cmd := exec.CommandContext(ctx, pulumiCLI, "plugin", "install", "resource", "kubernetes", "v"+ProviderVersion, "--file", path)
	cmd.Env = append(os.Environ(), "PULUMI_HOME="+pulumiHome, "PULUMI_SKIP_UPDATE_CHECK=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot install the kubernetes plugin v%s from %s into %s: %w: %s", ProviderVersion, path, pulumiHome, err, out)
	}
	return nil
}

// CacheRoot is the folder both binaries (and the Pulumi CLI) are cached under.
func CacheRoot(dir string) (string, error) {
	if dir == "" {
		dir = os.Getenv("NIMBUS_CACHE_DIR")
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cannot find a cache folder for the Kubernetes test binaries (set NIMBUS_CACHE_DIR): %w", err)
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

// find returns the cached binary, building it under a lock when it is missing.
func find(ctx context.Context, opts Options, b binary) (string, error) {
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
	fmt.Fprintf(log, "kubetest: no %s in %s; building it from tools/%s (once per machine: %s)\n", b.what, bin, b.module, b.expect)
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
	fmt.Fprintf(log, "kubetest: built %s in %s\n", b.what, time.Since(start).Round(time.Second))
	return bin, nil
}

func (b binary) ok(ctx context.Context, path string) error {
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
