package main

import (
	"bytes"
	"os"
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
