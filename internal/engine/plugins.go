package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"golang.org/x/mod/modfile"

	"github.com/nimbus-iac/nimbus/internal/sourcebuilt"
)

// Plugin is a provider plugin a program needs.
type Plugin struct {
	Name    string // the package: aws, random, kubernetes
	Version string // without the v
}

func (p Plugin) String() string { return p.Name + " v" + p.Version }

// sdkModules maps a package (the first part of a resource type) to the Go SDK module whose
// version is the plugin's. Azure's native SDK is one module per service, all at one version.
var sdkModules = map[string]string{
	"aws":          "github.com/pulumi/pulumi-aws/sdk/",
	"random":       "github.com/pulumi/pulumi-random/sdk/",
	"kubernetes":   "github.com/pulumi/pulumi-kubernetes/sdk/",
	"gcp":          "github.com/pulumi/pulumi-gcp/sdk/",
	"azure-native": "github.com/pulumi/pulumi-azure-native-sdk/",
	"azure":        "github.com/pulumi/pulumi-azure/sdk/",
}

// PluginsFor names the plugins resources of these types need, at the versions of the SDK modules
// in modules (see ModuleVersions). Component types (the project's own, pulumi:) need none.
func PluginsFor(types []string, modules map[string]string) ([]Plugin, error) {
	seen := map[string]bool{}
	var out []Plugin
	for _, t := range types {
		pkg, _, _ := strings.Cut(t, ":")
		if pkg == "pulumi" || pkg == "nimbus" || seen[pkg] {
			continue
		}
		seen[pkg] = true
		prefix, known := sdkModules[pkg]
		if !known {
			return nil, fmt.Errorf("resource type %s: no known SDK module for package %s", t, pkg)
		}
		paths := make([]string, 0, len(modules))
		for path := range modules {
			paths = append(paths, path)
		}
		sort.Strings(paths)
		version := ""
		for _, path := range paths {
			if strings.HasPrefix(path, prefix) {
				version = strings.TrimPrefix(modules[path], "v")
				break
			}
		}
		if version == "" {
			return nil, fmt.Errorf("resource type %s: the %s SDK is not among the program's modules", t, pkg)
		}
		out = append(out, Plugin{Name: pkg, Version: version})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ModuleVersions are the versions of the modules linked into this binary, and, for those its
// build information lacks (test binaries carry none), the versions the project's go.mod requires.
func ModuleVersions(projectDir string) map[string]string {
	out := map[string]string{}
	if b, err := os.ReadFile(filepath.Join(projectDir, "go.mod")); err == nil {
		if f, err := modfile.ParseLax("go.mod", b, nil); err == nil {
			for _, r := range f.Require {
				out[r.Mod.Path] = r.Mod.Version
			}
			for _, r := range f.Replace {
				if r.New.Version != "" {
					out[r.Old.Path] = r.New.Version
				}
			}
		}
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			v := d.Version
			if d.Replace != nil && d.Replace.Version != "" {
				v = d.Replace.Version
			}
			out[d.Path] = v
		}
	}
	return out
}

// MissingPluginError says which plugins a stack lacks and what to do.
type MissingPluginError struct {
	Stack   string
	Missing []Plugin
}

func (e *MissingPluginError) Error() string {
	var names, installs []string
	for _, p := range e.Missing {
		names = append(names, p.String())
		installs = append(installs, fmt.Sprintf("pulumi plugin install resource %s v%s", p.Name, p.Version))
	}
	noun, verb := "plugin", "is"
	if len(names) > 1 {
		noun, verb = "plugins", "are"
	}
	return fmt.Sprintf("stack %s needs the resource %s %s, which %s not installed: install with `%s` (plugins are downloads, so this needs network access), or see what the stack would do offline, with no plugin and no credentials, with `nimbus plan --stack %s`",
		e.Stack, noun, strings.Join(names, " and "), verb, strings.Join(installs, "` and `"), e.Stack)
}

// missingPlugins are the plugins of need that the workspace's Pulumi home lacks.
func missingPlugins(ctx context.Context, ws auto.Workspace, need []Plugin) ([]Plugin, error) {
	if len(need) == 0 {
		return nil, nil
	}
	have, err := ws.ListPlugins(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot list the installed plugins: %w", err)
	}
	var missing []Plugin
	for _, p := range need {
		found := false
		for _, h := range have {
			if h.Kind == "resource" && h.Name == p.Name && h.Version != nil && h.Version.String() == p.Version {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, p)
		}
	}
	return missing, nil
}

// ensurePlugins installs into the workspace's Pulumi home the plugins the stack needs that are
// missing and that nimbus builds from pinned modules (internal/sourcebuilt), building each the
// first time on the machine. Any other missing plugin is a *MissingPluginError, reported before
// anything is built.
func ensurePlugins(ctx context.Context, ws auto.Workspace, opts Options, env map[string]string) error {
	missing, err := missingPlugins(ctx, ws, opts.Plugins)
	if err != nil || len(missing) == 0 {
		return err
	}
	type buildable struct {
		Plugin
		binary *sourcebuilt.Binary
	}
	var build []buildable
	var absent []Plugin
	for _, p := range missing {
		if b, ok := sourcebuilt.Plugin(p.Name, p.Version); ok {
			build = append(build, buildable{p, b})
		} else {
			absent = append(absent, p)
		}
	}
	if len(absent) > 0 {
		return &MissingPluginError{Stack: opts.Stack, Missing: absent}
	}
	home := env["PULUMI_HOME"]
	if home == "" {
		if home, err = workspace.GetPulumiHomeDir(); err != nil {
			return fmt.Errorf("cannot find the Pulumi home folder to install plugins into (set PULUMI_HOME): %w", err)
		}
	}
	var vars []string
	for k, v := range env {
		vars = append(vars, k+"="+v)
	}
	sort.Strings(vars)
	for _, p := range build {
		src := sourcebuilt.Options{ProjectDir: opts.ProjectDir, CacheDir: opts.CacheDir, Log: opts.Stderr}
		cached, ok, err := p.binary.Cached(ctx, src)
		if err != nil {
			return err
		}
		if ok {
			fmt.Fprintf(opts.Stderr, "nimbus: stack %s needs the resource plugin %s, which is not installed in %s: installing the one built from %s (cached at %s)\n", opts.Stack, p, home, p.binary.Module(), cached)
		} else {
			fmt.Fprintf(opts.Stderr, "nimbus: stack %s needs the resource plugin %s, which is not installed in %s: building it from %s first (once per machine, cached under %s: %s)\n", opts.Stack, p, home, p.binary.Module(), filepath.Dir(filepath.Dir(filepath.Dir(cached))), p.binary.Expect())
		}
		start := time.Now()
		path, err := p.binary.Path(ctx, src)
		if err != nil {
			return fmt.Errorf("cannot build the resource plugin %s that stack %s needs: %w", p, opts.Stack, err)
		}
		if _, stderr, _, err := opts.CLI.Run(ctx, opts.ProjectDir, nil, nil, nil, vars, sourcebuilt.InstallArgs(p.Name, p.Version, path)...); err != nil {
			return fmt.Errorf("cannot install the resource plugin %s from %s into %s: %w: %s", p, path, home, err, strings.TrimSpace(stderr))
		}
		fmt.Fprintf(opts.Stderr, "nimbus: installed the resource plugin %s in %s\n", p, time.Since(start).Round(100*time.Millisecond))
	}
	still, err := missingPlugins(ctx, ws, opts.Plugins)
	if err != nil {
		return err
	}
	if len(still) > 0 {
		return fmt.Errorf("installed the resource plugins of stack %s into %s, but the CLI does not list %v there", opts.Stack, home, still)
	}
	return nil
}
