package engine

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

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"github.com/nimbus-iac/nimbus/internal/sourcebuilt"
)

// CLIVersion is the Pulumi CLI pinned in tools/pulumi/go.mod, the version the project is tested
// with and the least it accepts.
const CLIVersion = "3.274.1"

// cliPackage is the CLI's main package in the pinned module.
const cliPackage = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"

// CLIOptions say where to look for the Pulumi CLI and where to build it.
type CLIOptions struct {
	// ProjectDir holds tools/pulumi/go.mod, the pinned CLI's module. Required to build.
	ProjectDir string
	// CacheDir is where a built CLI is kept; default NIMBUS_CACHE_DIR, else the user cache folder
	// joined with "nimbus".
	CacheDir string
	// Log receives what nimbus does about the CLI (which one, a build and its time). Default stderr.
	Log io.Writer
	// NoPath ignores a pulumi on PATH (tests that must run the pinned CLI).
	NoPath bool
}

// CLI returns the Pulumi CLI to run: one on PATH whose version fits, else the pinned one, built
// into the cache folder the first time.
func CLI(ctx context.Context, opts CLIOptions) (auto.PulumiCommand, error) {
	root, err := locate(ctx, opts)
	if err != nil {
		return nil, err
	}
	return auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
}

// CLIPath returns the path of the CLI that CLI would run, building it if needed.
func CLIPath(ctx context.Context, opts CLIOptions) (string, error) {
	root, err := locate(ctx, opts)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bin", "pulumi"), nil
}

// locate returns the root folder (ROOT/bin/pulumi) of the CLI to run.
func locate(ctx context.Context, opts CLIOptions) (string, error) {
	log := opts.Log
	if log == nil {
		log = os.Stderr
	}
	if !opts.NoPath {
		if path, err := exec.LookPath("pulumi"); err == nil {
			v, err := cliVersion(ctx, path)
			switch {
			case err != nil:
				fmt.Fprintf(log, "nimbus: ignoring %s: %v\n", path, err)
			case !fits(v):
				fmt.Fprintf(log, "nimbus: ignoring %s: version %s, need v3 at least %s\n", path, v, CLIVersion)
			default:
				return rootOf(path), nil
			}
		}
	}
	root, err := cacheRoot(opts.CacheDir)
	if err != nil {
		return "", err
	}
	if err := buildOnce(ctx, opts.ProjectDir, root, filepath.Join(root, "bin", "pulumi"), log); err != nil {
		return "", err
	}
	return root, nil
}

func fits(v semver.Version) bool {
	return v.Major == 3 && v.GTE(semver.MustParse(CLIVersion))
}

// rootOf is the folder whose bin/ holds the CLI, as auto.PulumiCommandOptions.Root wants it.
func rootOf(path string) string {
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	dir := filepath.Dir(path)
	if filepath.Base(dir) == "bin" {
		return filepath.Dir(dir)
	}
	// Not in a bin folder: give the engine a root of its own that links to it.
	root := filepath.Join(os.TempDir(), "nimbus-pulumi-root")
	_ = os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	link := filepath.Join(root, "bin", "pulumi")
	_ = os.Remove(link)
	_ = os.Symlink(path, link)
	return root
}

func cliVersion(ctx context.Context, path string) (semver.Version, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").Output()
	if err != nil {
		return semver.Version{}, fmt.Errorf("cannot run %s version: %w", path, err)
	}
	s := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	v, err := semver.ParseTolerant(s)
	if err != nil {
		return semver.Version{}, fmt.Errorf("%s version printed %q, not a version", path, s)
	}
	return v, nil
}

func cacheRoot(dir string) (string, error) {
	dir, err := sourcebuilt.CacheRoot(dir)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "pulumi-v"+CLIVersion), nil
}

// buildOnce builds the pinned CLI into bin unless a fitting one is there, holding a lock so that
// concurrent callers (test packages run in parallel) wait for one build.
func buildOnce(ctx context.Context, projectDir, root, bin string, log io.Writer) error {
	if v, err := cliVersion(ctx, bin); err == nil && fits(v) {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", root, err)
	}
	lock, err := os.OpenFile(filepath.Join(root, "build.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("cannot lock %s: %w", root, err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("cannot lock %s: %w", root, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing the file unlocks too
	if v, err := cliVersion(ctx, bin); err == nil && fits(v) {
		return nil // another process built it while this one waited
	}
	if projectDir == "" {
		return errors.New("cannot build the Pulumi CLI: no project folder to find tools/pulumi/go.mod in")
	}
	module := filepath.Join(projectDir, "tools", "pulumi")
	if _, err := os.Stat(filepath.Join(module, "go.mod")); err != nil {
		return fmt.Errorf("cannot build the Pulumi CLI: %w", err)
	}
	fmt.Fprintf(log, "nimbus: no Pulumi CLI v%s found; building the pinned one from tools/pulumi into %s (once: about 4 minutes on 2 cores with the Go module cache filled, 7 without)\n", CLIVersion, bin)
	start := time.Now()
	tmp := bin + ".tmp"
	cmd := exec.CommandContext(ctx, "go", "build", "-C", module, "-trimpath",
		"-ldflags", "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v"+CLIVersion,
		"-o", tmp, cliPackage)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cannot build the Pulumi CLI v%s (go build in %s): %w", CLIVersion, module, err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return fmt.Errorf("cannot install the Pulumi CLI: %w", err)
	}
	fmt.Fprintf(log, "nimbus: built the Pulumi CLI v%s in %s\n", CLIVersion, time.Since(start).Round(time.Second))
	return nil
}
