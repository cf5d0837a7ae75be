package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/stacks"
)

// deployer is what the engine commands run; tests swap the program.
type deployer struct {
	program pulumi.RunFunc
	plan    plan.Program
	stdin   io.Reader
	isTTY   func() bool
	env     map[string]string // extra CLI environment (tests)
	dir     string            // the project folder; default the closest at or above "."
	// planConfig are --config overrides for the offline plan only (tests: stand-in artifacts).
	planConfig map[string]string
}

var defaultDeployer = deployer{
	program: stacks.Program,
	plan:    program,
	stdin:   os.Stdin,
	isTTY: func() bool {
		fi, err := os.Stdin.Stat()
		return err == nil && fi.Mode()&os.ModeCharDevice != 0
	},
}

// engineCommand runs preview, up, refresh, destroy or outputs of a stack on the real engine.
func (d deployer) engineCommand(op string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(op, flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "stack (Pulumi.NAME.yaml)")
	yes := new(bool)
	if op == "up" || op == "destroy" || op == "refresh" {
		fs.BoolVar(yes, "yes", false, "do it without showing a preview and asking first")
	}
	allow := new(bool)
	if op == "up" {
		fs.BoolVar(allow, "allow-violations", false, "update even when the plan violates guardrails at error level")
	}
	showSecrets := new(bool)
	if op == "outputs" {
		fs.BoolVar(showSecrets, "show-secrets", false, "print secret outputs in plain text")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *stack == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "usage: nimbus %s --stack NAME%s\n", op, map[string]string{"up": " [--yes] [--allow-violations]", "destroy": " [--yes]", "refresh": " [--yes]", "outputs": " [--show-secrets]"}[op])
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	dir := d.dir
	if dir == "" {
		var err error
		if dir, err = plan.FindProject("."); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	// The offline plan first: the same config resolution as the engine's, so a bad stack fails in
	// milliseconds, and the plan's resource types name the plugins the engine will need.
	var need []engine.Plugin
	if op != "outputs" {
		p, err := plan.Run(plan.Options{Dir: dir, Stack: *stack, Program: d.plan, Overrides: d.planConfig})
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
		if op == "up" && p.Failed() {
			for _, v := range p.Violations {
				if v.Severity == guardrails.Error {
					fmt.Fprintf(stderr, "guardrail %s: %s: %s\n", v.Rule, v.URN, v.Message)
				}
			}
			if !*allow {
				fmt.Fprintf(stderr, "nimbus up: stack %s violates guardrails at error level (see nimbus plan --stack %s); fix them or pass --allow-violations\n", *stack, *stack)
				return 1
			}
		}
		types := map[string]bool{}
		for _, r := range p.Resources {
			types[r.Type] = true
		}
		var list []string
		for t := range types {
			list = append(list, t)
		}
		sort.Strings(list)
		if need, err = engine.PluginsFor(list, engine.ModuleVersions(dir)); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}

	s, err := engine.Open(ctx, engine.Options{ProjectDir: dir, Stack: *stack, Program: d.program, Stdout: stdout, Stderr: stderr, Env: d.env, Plugins: need, Existing: op == "outputs"})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if err := d.run(ctx, s, op, *yes, *showSecrets, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "nimbus %s --stack %s failed: %v\n", op, *stack, err)
		return 1
	}
	return 0
}

func (d deployer) run(ctx context.Context, s *engine.Stack, op string, yes, showSecrets bool, stdout, stderr io.Writer) error {
	switch op {
	case "preview":
		_, err := s.Preview(ctx)
		return err
	case "outputs":
		outs, err := s.Outputs(ctx)
		if err != nil {
			return err
		}
		shown := map[string]any{}
		for k, v := range outs {
			if v.Secret && !showSecrets {
				shown[k] = "[secret]"
				continue
			}
			shown[k] = v.Value
		}
		b, err := json.MarshalIndent(shown, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	if !yes {
		if !d.isTTY() {
			return fmt.Errorf("%s changes the stack and there is no terminal to ask: pass --yes", op)
		}
		var err error
		switch op {
		case "up":
			_, err = s.Preview(ctx)
		case "destroy":
			_, err = s.PreviewDestroy(ctx)
		case "refresh":
			_, err = s.PreviewRefresh(ctx)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Do you want to perform this %s? [y/N] ", op)
		answer, _ := bufio.NewReader(d.stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return errors.New("cancelled")
		}
	}
	var err error
	switch op {
	case "up":
		_, err = s.Up(ctx)
	case "destroy":
		_, err = s.Destroy(ctx)
	case "refresh":
		_, err = s.Refresh(ctx)
	}
	return err
}

// pulumiCommand runs the CLI nimbus drives (the pinned one, built on first use) with args, in the
// project folder and on the same backend, for what nimbus has no command of its own for: `nimbus pulumi config set --path
// api.warmInstances 2 -s dev`.
func pulumiCommand(args []string, stdout, stderr io.Writer) int {
	dir, err := plan.FindProject(".")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	path, err := engine.CLIPath(context.Background(), engine.CLIOptions{ProjectDir: dir, Log: stderr})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	backend, err := engine.BackendURL(dir, os.Getenv("PULUMI_BACKEND_URL"))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	cmd := exec.Command(path, args...)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = dir, os.Stdin, stdout, stderr
	// The same backend as nimbus preview/up, so `nimbus pulumi stack ls` sees their stacks.
	cmd.Env = append(os.Environ(), "PULUMI_BACKEND_URL="+backend, "PULUMI_SKIP_UPDATE_CHECK=true")
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	return 0
}
