package plan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BaseOptions say what to compare a plan with.
type BaseOptions struct {
	// Base is a saved plan (a file written with --format json) or a git ref (a branch, a tag, a
	// commit: the pull request's base).
	Base string
	// Stack is the stack to plan at the base.
	Stack string
	// Dir is the project folder, in a git work tree for a ref.
	Dir string
	// ArtifactsDir, when set, is the function artifacts the base is planned with: the working
	// tree's, so that the diff shows the change to the infrastructure (a saved base plan made with
	// its own artifacts shows code changes too).
	ArtifactsDir string
	// Go is the go command; default "go".
	Go string
}

// PlanBase returns the base's plan: read from the file Base names, or planned by the base's own
// program in a temporary git worktree of the ref (`go run -trimpath ./cmd/nimbus plan`, so the
// base is planned by the code it had, sharing the build cache with any other checkout). A stack
// the base does not have is an empty plan: everything is added.
func PlanBase(ctx context.Context, o BaseOptions) (*Plan, error) {
	if o.Base == "" {
		return nil, configErrorf("--base must name a git ref or a plan file")
	}
	if st, err := os.Stat(o.Base); err == nil && !st.IsDir() {
		f, err := os.Open(o.Base)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		p, err := ReadJSON(f)
		if err != nil {
			return nil, configErrorf("--base %s: %v", o.Base, err)
		}
		if p.Stack != o.Stack {
			return nil, configErrorf("--base %s is a plan of stack %s, not %s", o.Base, p.Stack, o.Stack)
		}
		return p, nil
	}
	return planRef(ctx, o)
}

func planRef(ctx context.Context, o BaseOptions) (*Plan, error) {
	git := func(dir string, args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		return strings.TrimSpace(out.String()), nil
	}
	top, err := git(o.Dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, configErrorf("--base %s is neither a plan file nor usable as a git ref: %v", o.Base, err)
	}
	commit, err := git(o.Dir, "rev-parse", "--verify", "--quiet", o.Base+"^{commit}")
	if err != nil {
		return nil, configErrorf("--base %s is neither a plan file nor a commit of %s (fetch it first: git fetch origin %s)", o.Base, top, o.Base)
	}
	rel, err := filepath.Rel(top, o.Dir)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "nimbus-base-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if _, err := git(top, "worktree", "add", "--detach", tree, commit); err != nil {
		return nil, err
	}
	defer func() {
		_, _ = git(top, "worktree", "remove", "--force", tree)
	}()
	dir := filepath.Join(tree, rel)
	if _, err := os.Stat(filepath.Join(dir, "Pulumi."+o.Stack+".yaml")); errors.Is(err, os.ErrNotExist) {
		return &Plan{Stack: o.Stack}, nil
	}
	out := filepath.Join(tmp, "base.json")
	goCmd := o.Go
	if goCmd == "" {
		goCmd = "go"
	}
	args := []string{"run", "-trimpath", "./cmd/nimbus", "plan", "--stack", o.Stack, "--format", "json", "--out", out}
	if a := o.ArtifactsDir; a != "" {
		// Inside the project, the base takes the same relative folder, so that the archives'
		// paths in the two plans compare alike; a folder the base's tree lacks (functions/dist is
		// built, not committed) is linked to the working tree's.
		if rel, err := filepath.Rel(o.Dir, a); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			in := filepath.Join(dir, rel)
			if _, err := os.Lstat(in); errors.Is(err, os.ErrNotExist) {
				if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
					return nil, err
				}
				if err := os.Symlink(a, in); err != nil {
					return nil, fmt.Errorf("cannot give the base the working tree's artifacts: %w", err)
				}
			}
			a = rel
		}
		args = append(args, "--config", Namespace+":artifactsDir="+a)
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = dir
	var errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &errb, &errb
	err = cmd.Run()
	// Status 1 is a plan that violates guardrails: still a plan to compare with.
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("cannot plan stack %s at %s (%s): %v\n%s", o.Stack, o.Base, commit[:12], err, strings.TrimSpace(errb.String()))
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, fmt.Errorf("cannot plan stack %s at %s: no plan written: %v\n%s", o.Stack, o.Base, err, strings.TrimSpace(errb.String()))
	}
	defer f.Close()
	return ReadJSON(f)
}
