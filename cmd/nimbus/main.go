// Command nimbus is the project's CLI. Subcommands:
//
//	nimbus plan --stack NAME [--base REF|FILE] [--format text|json|markdown|mermaid] [--out FILE] [--config NS:KEY=VALUE]...
//	nimbus preview --stack NAME
//	nimbus up --stack NAME [--yes] [--allow-violations]
//	nimbus refresh --stack NAME [--yes]
//	nimbus destroy --stack NAME [--yes]
//	nimbus outputs --stack NAME [--show-secrets]
//	nimbus pulumi ARGS...
//
// plan runs the program offline against the fake cloud (internal/plan). With --base it also plans
// the base (a saved plan, or a git ref planned by its own code in a temporary worktree, with the
// working tree's artifacts and none of --config) and leads with what the change adds, changes and
// removes. preview, up, refresh,
// destroy and outputs run it on the real Pulumi engine, inline through the Automation API, with
// the project folder as the workspace (internal/engine); pulumi runs the CLI they drive. A
// provider plugin the stack needs and the Pulumi home lacks is installed first when nimbus builds
// it from a pinned module (kubernetes, from tools/pulumi-kubernetes: 10 to 18 minutes the first
// time on a machine, then cached), so `nimbus up --stack local` needs no download; any other
// missing plugin is an error naming it.
// Exit status: 0 clean; 1 a guardrail at error level is violated (plan, up) or the engine
// failed; 2 usage, configuration, missing plugin or program errors.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/stacks"
)

// program is the project's program as plan runs it.
var program = plan.Program{
	Validate: func(cfg map[string]string, secretKeys []string) error {
		_, err := stacks.Load(cfg, secretKeys)
		return err
	},
	Run: stacks.Run,
}

const usage = `usage:
  nimbus plan --stack NAME [--base REF|FILE] [--format text|json|markdown|mermaid] [--out FILE] [--config NS:KEY=VALUE]...
  nimbus preview|up|refresh|destroy|outputs --stack NAME [--yes]
  nimbus pulumi ARGS...
the engine commands install the kubernetes plugin, built once from tools/pulumi-kubernetes
(10 to 18 minutes the first time), when the stack needs it`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	switch args[0] {
	case "plan":
		return planCommand(args[1:], stdout, stderr)
	case "preview", "up", "refresh", "destroy", "outputs":
		return defaultDeployer.engineCommand(args[0], args[1:], stdout, stderr)
	case "pulumi":
		return pulumiCommand(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n%s\n", args[0], usage)
		return 2
	}
}

func planCommand(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack to plan (Pulumi.NAME.yaml)")
	format := fs.String("format", "text", "output format: "+strings.Join(plan.Formats, ", "))
	out := fs.String("out", "", "write the plan to this file instead of standard output")
	base := fs.String("base", "", "compare with this base: a git ref (planned by its own code in a temporary worktree) or a plan written with --format json")
	overrides := map[string]string{}
	fs.Func("config", "set a config value on the stack file's, as NS:PATH=VALUE (repeatable), like pulumi config set --path", func(kv string) error {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !strings.Contains(k, ":") {
			return fmt.Errorf("want NAMESPACE:KEY=VALUE, got %q", kv)
		}
		overrides[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	p, err := plan.Run(plan.Options{Stack: *stack, Program: program, Overrides: overrides})
	if err != nil {
		// Usage, configuration and program errors alike (plan.ConfigError).
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *base != "" {
		b, err := plan.PlanBase(context.Background(), plan.BaseOptions{Base: *base, Stack: *stack, Dir: p.Dir, ArtifactsDir: p.ArtifactsDir})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		p.Diff = plan.Compare(b, p)
		p.Diff.Base = *base
	}
	var buf bytes.Buffer
	if err := plan.Render(&buf, p, *format); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	w := stdout
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintf(stderr, "cannot write %s: %v\n", *out, err)
			return 2
		}
	} else if _, err := w.Write(buf.Bytes()); err != nil {
		return 2
	}
	if p.Failed() {
		fmt.Fprintf(stderr, "plan of stack %s violates guardrails at error level\n", *stack)
		return 1
	}
	return 0
}
