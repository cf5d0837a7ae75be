package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// LocalStacks are stacks that live on one machine and hold nothing worth protecting; only they
// may use an empty secrets passphrase.
var LocalStacks = []string{"local"}

// StateDir is the project folder's git-ignored file backend, used when PULUMI_BACKEND_URL is unset.
const StateDir = ".pulumi-state"

// Options say which stack of which project to open, and how.
type Options struct {
	// ProjectDir is the folder with Pulumi.yaml. Required.
	ProjectDir string
	// Stack is the stack's name (Pulumi.STACK.yaml). Required.
	Stack string
	// Program is the Pulumi program, run inline. Required.
	Program pulumi.RunFunc
	// CLI is the Pulumi CLI to drive; default CLI(ctx, CLIOptions{ProjectDir: ProjectDir}).
	CLI auto.PulumiCommand
	// Stdout and Stderr receive the engine's progress; default os.Stdout and os.Stderr.
	Stdout, Stderr io.Writer
	// Env are extra environment variables for the CLI (PULUMI_HOME, for tests). They win over the
	// process's own.
	Env map[string]string
	// Plugins must be installed before the stack is opened (see PluginsFor). A missing one that
	// nimbus builds from a pinned module (internal/sourcebuilt: kubernetes v4.33.0) is built, or
	// taken from the cache, and installed into the Pulumi home the CLI uses (PULUMI_HOME of Env,
	// else the CLI's own), saying so on Stderr; any other missing one is a *MissingPluginError,
	// and the stack is then neither created nor touched.
	Plugins []Plugin
	// CacheDir is where the CLI and the plugins nimbus builds are cached; default
	// NIMBUS_CACHE_DIR, else the user cache folder joined with "nimbus".
	CacheDir string
	// Existing opens only a stack the backend already has (reading outputs must not create one).
	Existing bool
}

// Stack is an opened stack.
type Stack struct {
	auto.Stack
	opts Options
}

// Open selects the stack, creating it in the backend if it does not exist yet.
func Open(ctx context.Context, opts Options) (*Stack, error) {
	if opts.ProjectDir == "" || opts.Stack == "" || opts.Program == nil {
		return nil, errors.New("engine: ProjectDir, Stack and Program are required")
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if _, err := workspace.LoadProject(filepath.Join(opts.ProjectDir, "Pulumi.yaml")); err != nil {
		return nil, fmt.Errorf("cannot load the project: %w", err)
	}
	stackFile := filepath.Join(opts.ProjectDir, "Pulumi."+opts.Stack+".yaml")
	if _, err := os.Stat(stackFile); err != nil {
		return nil, fmt.Errorf("no stack %q: %s does not exist", opts.Stack, stackFile)
	}
	env, err := environment(opts, stackFile)
	if err != nil {
		return nil, err
	}
	if opts.CLI == nil {
		opts.CLI, err = CLI(ctx, CLIOptions{ProjectDir: opts.ProjectDir, CacheDir: opts.CacheDir, Log: opts.Stderr})
		if err != nil {
			return nil, err
		}
	}
	wsOpts := []auto.LocalWorkspaceOption{
		auto.WorkDir(opts.ProjectDir),
		auto.Pulumi(opts.CLI),
		auto.EnvVars(env),
		auto.SecretsProvider(secretsProvider(stackFile)),
	}
	if home := env["PULUMI_HOME"]; home != "" {
		wsOpts = append(wsOpts, auto.PulumiHome(home))
	}
	wsOpts = append(wsOpts, auto.Program(opts.Program))
	ws, err := auto.NewLocalWorkspace(ctx, wsOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot open the project's workspace: %w", err)
	}
	if err := ensurePlugins(ctx, ws, opts, env); err != nil {
		return nil, err
	}
	open := auto.UpsertStack
	if opts.Existing {
		open = auto.SelectStack
	}
	s, err := open(ctx, opts.Stack, ws)
	if err != nil {
		if auto.IsSelectStack404Error(err) {
			return nil, fmt.Errorf("stack %s does not exist in the backend %s yet: nimbus up --stack %s creates it", opts.Stack, env["PULUMI_BACKEND_URL"], opts.Stack)
		}
		return nil, fmt.Errorf("cannot open stack %s: %w", opts.Stack, err)
	}
	return &Stack{Stack: s, opts: opts}, nil
}

// environment is what the CLI runs with: the backend, the passphrase, and no update checks.
func environment(opts Options, stackFile string) (map[string]string, error) {
	env := map[string]string{"PULUMI_SKIP_UPDATE_CHECK": "true"}
	get := func(k string) (string, bool) {
		if v, ok := opts.Env[k]; ok {
			return v, true
		}
		return os.LookupEnv(k)
	}
	url, _ := get("PULUMI_BACKEND_URL")
	url, err := BackendURL(opts.ProjectDir, url)
	if err != nil {
		return nil, err
	}
	env["PULUMI_BACKEND_URL"] = url
	_, hasPhrase := get("PULUMI_CONFIG_PASSPHRASE")
	file, _ := get("PULUMI_CONFIG_PASSPHRASE_FILE")
	switch {
	case hasPhrase || file != "":
	case secretsProvider(stackFile) != "passphrase":
	case slices.Contains(LocalStacks, opts.Stack):
		env["PULUMI_CONFIG_PASSPHRASE"] = ""
	default:
		return nil, fmt.Errorf("stack %s keeps its secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or name a cloud secrets provider in %s (secretsprovider: awskms://..., azurekeyvault://..., gcpkms://...); only the %s stack may use an empty passphrase",
			opts.Stack, filepath.Base(stackFile), strings.Join(LocalStacks, ", "))
	}
	for k, v := range opts.Env {
		env[k] = v
	}
	return env, nil
}

// BackendURL is the backend the engine uses: url when set (PULUMI_BACKEND_URL), else the file
// backend in the project's StateDir, created if missing.
func BackendURL(projectDir, url string) (string, error) {
	if url != "" {
		return url, nil
	}
	dir := filepath.Join(projectDir, StateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("cannot create the file backend %s: %w", dir, err)
	}
	return "file://" + dir, nil
}

// secretsProvider is the stack file's secretsprovider, or passphrase.
func secretsProvider(stackFile string) string {
	b, err := os.ReadFile(stackFile)
	if err != nil {
		return "passphrase"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "secretsprovider:"); ok {
			if v = strings.Trim(strings.TrimSpace(v), `"'`); v != "" {
				return v
			}
		}
	}
	return "passphrase"
}

// Preview shows what an update would do.
func (s *Stack) Preview(ctx context.Context) (auto.PreviewResult, error) {
	r, err := s.Stack.Preview(ctx, optpreview.ProgressStreams(s.opts.Stdout), optpreview.ErrorProgressStreams(s.opts.Stderr))
	return r, explain(s.opts.Stack, err)
}

// Up updates the stack.
func (s *Stack) Up(ctx context.Context) (auto.UpResult, error) {
	r, err := s.Stack.Up(ctx, optup.ProgressStreams(s.opts.Stdout), optup.ErrorProgressStreams(s.opts.Stderr))
	return r, explain(s.opts.Stack, err)
}

// Refresh reads the stack's resources back from the cloud into its state.
func (s *Stack) Refresh(ctx context.Context) (auto.RefreshResult, error) {
	r, err := s.Stack.Refresh(ctx, optrefresh.ProgressStreams(s.opts.Stdout), optrefresh.ErrorProgressStreams(s.opts.Stderr))
	return r, explain(s.opts.Stack, err)
}

// Destroy deletes every resource of the stack (the stack itself stays, empty).
func (s *Stack) Destroy(ctx context.Context) (auto.DestroyResult, error) {
	r, err := s.Stack.Destroy(ctx, optdestroy.ProgressStreams(s.opts.Stdout), optdestroy.ErrorProgressStreams(s.opts.Stderr))
	return r, explain(s.opts.Stack, err)
}

// explain adds what to do to the engine's errors nimbus can recognise.
func explain(stack string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, "no resource plugin 'pulumi-resource-"); i >= 0 {
		name := strings.TrimPrefix(msg[i:], "no resource plugin 'pulumi-resource-")
		if j := strings.IndexByte(name, '\''); j > 0 {
			name = name[:j]
		}
		return fmt.Errorf("stack %s needs the resource plugin %s, which is not installed: install it with `pulumi plugin install resource %s` (it downloads the plugin, so it needs network access), or see what the stack would do offline with `nimbus plan --stack %s`: %w", stack, name, name, stack, err)
	}
	return err
}
