package kubetest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"

	"github.com/nimbus-iac/nimbus/internal/sourcebuilt"
)

// APIServerVersion is the kube-apiserver pinned in tools/kube-apiserver/go.mod.
const APIServerVersion = sourcebuilt.KubeAPIServerVersion

// ProviderVersion is the Kubernetes provider plugin built from tools/pulumi-kubernetes: the
// release of the pinned provider module, and the version of the SDK in the root go.mod.
const ProviderVersion = sourcebuilt.KubernetesProviderVersion

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

func (o Options) sourcebuilt() sourcebuilt.Options {
	return sourcebuilt.Options{ProjectDir: o.ProjectDir, CacheDir: o.CacheDir, Log: o.Log}
}

// Binaries returns the paths of kube-apiserver and of the Kubernetes provider plugin, building
// each once per machine into the cache root when it is missing (internal/sourcebuilt).
// Concurrent callers (test packages run in parallel) wait on one build.
func Binaries(ctx context.Context, opts Options) (apiserver, provider string, err error) {
	if apiserver, err = sourcebuilt.KubeAPIServer.Path(ctx, opts.sourcebuilt()); err != nil {
		return "", "", err
	}
	if provider, err = sourcebuilt.KubernetesProvider.Path(ctx, opts.sourcebuilt()); err != nil {
		return "", "", err
	}
	return apiserver, provider, nil
}

// APIServer returns the path of kube-apiserver, building it if needed (see Binaries).
func APIServer(ctx context.Context, opts Options) (string, error) {
	return sourcebuilt.KubeAPIServer.Path(ctx, opts.sourcebuilt())
}

// InstallProvider installs the provider plugin at path into the Pulumi home folder pulumiHome,
// as version ProviderVersion, with the Pulumi CLI at pulumiCLI.
func InstallProvider(ctx context.Context, pulumiCLI, pulumiHome, path string) error {
	cmd := exec.CommandContext(ctx, pulumiCLI, sourcebuilt.InstallArgs("kubernetes", ProviderVersion, path)...)
	cmd.Env = append(os.Environ(), "PULUMI_HOME="+pulumiHome, "PULUMI_SKIP_UPDATE_CHECK=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot install the kubernetes plugin v%s from %s into %s: %w: %s", ProviderVersion, path, pulumiHome, err, out)
	}
	return nil
}

// CacheRoot is the folder both binaries (and the Pulumi CLI) are cached under.
func CacheRoot(dir string) (string, error) { return sourcebuilt.CacheRoot(dir) }

// ProjectDir returns the nearest folder above the working directory holding the pinned modules.
func ProjectDir() (string, error) { return sourcebuilt.ProjectDir() }
