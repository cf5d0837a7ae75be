package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitStatus(t *testing.T) {
	t.Parallel()
	artifacts := "--config=nimbus:artifactsDir=testdata/plans/artifacts"
	out := filepath.Join(t.TempDir(), "plan.json")
	cases := map[string]struct {
		reason   string
		args     []string
		want     int
		wantErr  string
		wantFile bool
	}{
		"Clean":      {reason: "a stack that passes the guardrails", args: []string{"plan", "--stack", "dev", artifacts}, want: 0},
		"Violations": {reason: "production rules fire on dev's settings", args: []string{"plan", "--stack", "dev", artifacts, "--config", "nimbus:production=true"}, want: 1, wantErr: "violates guardrails"},
		"BadConfig":  {reason: "the config loader's message is printed", args: []string{"plan", "--stack", "dev", artifacts, "--config", "nimbus:api.memoryMb=1"}, want: 2, wantErr: "nimbus:api.memoryMb must be between 128 and 10240, got 1"},
		"NoStack":    {args: []string{"plan"}, want: 2, wantErr: "usage:"},
		"BadFormat":  {args: []string{"plan", "--stack", "dev", artifacts, "--format", "yaml"}, want: 2, wantErr: "unknown format"},
		"NoCommand":  {args: nil, want: 2, wantErr: "usage:"},
		"Unknown":    {args: []string{"upp"}, want: 2, wantErr: `unknown command "upp"`},
		"UpNoStack":  {args: []string{"up"}, want: 2, wantErr: "usage: nimbus up --stack NAME"},
		"OutFile":    {args: []string{"plan", "--stack", "prod", artifacts, "--format", "json", "--out", out}, want: 0, wantFile: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if got := run(tc.args, &stdout, &stderr); got != tc.want {
				t.Errorf("%s\nrun(%v) = %d, want %d; stderr:\n%s", tc.reason, tc.args, got, tc.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.wantErr)
			}
			if tc.wantFile {
				b, err := os.ReadFile(out)
				if err != nil || !bytes.HasPrefix(b, []byte("{\n  \"project\": \"nimbus\"")) || stdout.Len() != 0 {
					t.Errorf("--out wrote %q (%v), stdout %d bytes", b, err, stdout.Len())
				}
			}
		})
	}
}

// TestPlanBaseFile is the reviewer's case offline: a change of api.warmInstances against the
// saved plan of the base shows the resources it changes with old and new values, in every format.
func TestPlanBaseFile(t *testing.T) {
	t.Parallel()
	artifacts := "--config=nimbus:artifactsDir=testdata/plans/artifacts"
	base := filepath.Join("..", "..", "testdata", "plans", "prod.json")
	for format, want := range map[string][]string{
		"text": {"Changes of stack prod against " + base + ": 0 to add, 1 to change, 0 to remove",
			"minCapacity: 2 -> 3"},
		"markdown": {"#### Changes", "0 to add, 1 to change, 0 to remove",
			"| ✏️ | `urn:pulumi:prod::nimbus::nimbus:function:Function$aws:appautoscaling/target:Target::api-warm` | `minCapacity` | `2` | `3` |"},
		"json": {`"diff": {`, `"path": "minCapacity"`},
	} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			args := []string{"plan", "--stack", "prod", artifacts, "--config", "nimbus:api.warmInstances=3", "--base", base, "--format", format}
			if got := run(args, &stdout, &stderr); got != 0 {
				t.Fatalf("run = %d; stderr:\n%s", got, stderr.String())
			}
			for _, w := range want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("%s output lacks %q:\n%s", format, w, stdout.String())
				}
			}
		})
	}
	t.Run("other stack", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if got := run([]string{"plan", "--stack", "dev", artifacts, "--base", base}, &stdout, &stderr); got != 2 || !strings.Contains(stderr.String(), "is a plan of stack prod, not dev") {
			t.Errorf("run = %d, stderr %q", got, stderr.String())
		}
	})
	t.Run("unknown ref", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		if got := run([]string{"plan", "--stack", "dev", artifacts, "--base", "no-such-ref-9f3e"}, &stdout, &stderr); got != 2 || !strings.Contains(stderr.String(), "is neither a plan file nor a commit") {
			t.Errorf("run = %d, stderr %q", got, stderr.String())
		}
	})
}

// TestPlanBaseGitRef plans the base from a git ref for real: a temporary worktree of HEAD,
// planned by HEAD's own code (go run), against the working tree with api.warmInstances changed.
// It builds the program once more, with -trimpath (a few minutes cold, seconds once cached).
func TestPlanBaseGitRef(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is not on PATH: nimbus plan --base REF needs it")
	}
	if err := exec.Command("git", "rev-parse", "--verify", "HEAD").Run(); err != nil {
		t.Skipf("not in a git work tree with a commit (%v): nothing to plan as the base", err)
	}
	// Tracked changes would be in the diff; untracked files (built artifacts) are not planned.
	if err := exec.Command("git", "diff", "--quiet", "HEAD", "--", "../..").Run(); err != nil {
		t.Skipf("tracked files differ from HEAD (%v), so HEAD is not the base this test expects: commit first", err)
	}
	artifacts := "--config=nimbus:artifactsDir=testdata/plans/artifacts"
	var stdout, stderr bytes.Buffer
	args := []string{"plan", "--stack", "prod", artifacts, "--config", "nimbus:api.warmInstances=3", "--base", "HEAD"}
	if got := run(args, &stdout, &stderr); got != 0 {
		t.Fatalf("run = %d; stderr:\n%s", got, stderr.String())
	}
	for _, w := range []string{"Changes of stack prod against HEAD: 0 to add, 1 to change, 0 to remove", "minCapacity: 2 -> 3"} {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, stdout.String())
		}
	}
	if out, _ := exec.Command("git", "worktree", "list").Output(); strings.Contains(string(out), "nimbus-base-") {
		t.Errorf("the base's worktree was left behind:\n%s", out)
	}
}
