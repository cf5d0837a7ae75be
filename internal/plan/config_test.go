package plan_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/plan"
)

// project writes a project folder with Pulumi.yaml and stack files.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const projectYAML = `name: demo
runtime: go
config:
  cloud:
    type: string
    default: aws
    description: where it runs
  size:
    type: integer
    default: 2
  aws:region:
    value: us-west-2
  plain: hello
`

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason      string
		stack       string
		want        map[string]string
		wantSecrets []string
	}{
		"Defaults": {
			reason: "declared defaults, value entries and plain values apply; keys without a namespace get the project's",
			stack:  "config:\n  demo:extra: x\n",
			want: map[string]string{
				"demo:cloud": "aws", "demo:size": "2", "aws:region": "us-west-2", "demo:plain": "hello", "demo:extra": "x",
			},
		},
		"StackOverrides": {
			reason: "the stack file wins; scalars become text, objects and arrays JSON",
			stack: "config:\n  demo:cloud: gcp\n  aws:region: eu-west-1\n  demo:size: 3\n  demo:on: true\n  demo:ratio: 0.5\n" +
				"  demo:api:\n    warm: 2\n    name: x\n  demo:zones:\n    - a\n    - b\n",
			want: map[string]string{
				"demo:cloud": "gcp", "demo:size": "3", "aws:region": "eu-west-1", "demo:plain": "hello",
				"demo:on": "true", "demo:ratio": "0.5", "demo:api": `{"name":"x","warm":2}`, "demo:zones": `["a","b"]`,
			},
		},
		"Secrets": {
			reason: "secure values become the placeholder and secret keys, nested ones too",
			stack:  "config:\n  demo:token:\n    secure: AAABAKJ0c2VjcmV0\n  demo:db:\n    host: h\n    password:\n      secure: AAABAKJ0c2VjcmV0\n",
			want: map[string]string{
				"demo:cloud": "aws", "demo:size": "2", "aws:region": "us-west-2", "demo:plain": "hello",
				"demo:token": "[secret]", "demo:db": `{"host":"h","password":"[secret]"}`,
			},
			wantSecrets: []string{"demo:db", "demo:token"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := project(t, map[string]string{"Pulumi.yaml": projectYAML, "Pulumi.s.yaml": tc.stack})
			got, err := plan.LoadConfig(dir, "s")
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if diff := cmp.Diff(tc.want, got.Values); diff != "" {
				t.Errorf("%s\nvalues: -want +got:\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.wantSecrets, got.Secrets); diff != "" {
				t.Errorf("%s\nsecrets: -want +got:\n%s", tc.reason, diff)
			}
			if got.Project != "demo" || got.Stack != "s" {
				t.Errorf("project, stack = %q, %q", got.Project, got.Stack)
			}
		})
	}
}

func TestLoadConfigErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason string
		files  map[string]string
	}{
		"NoStackFile": {
			reason: "a stack without a file is a usage error",
			files:  map[string]string{"Pulumi.yaml": projectYAML, "Pulumi.other.yaml": "config: {}\n"},
		},
		"MalformedStack": {
			reason: "a stack file that is not YAML is a config error",
			files:  map[string]string{"Pulumi.yaml": projectYAML, "Pulumi.s.yaml": "config: [\n"},
		},
		"NoProjectName": {
			reason: "Pulumi.yaml needs a name",
			files:  map[string]string{"Pulumi.yaml": "runtime: go\n", "Pulumi.s.yaml": "config: {}\n"},
		},
		"RequiredMissing": {
			reason: "like Pulumi, a key declared without a default must be set by the stack",
			files: map[string]string{
				"Pulumi.yaml":   "name: demo\nconfig:\n  token:\n    type: string\n    secret: true\n",
				"Pulumi.s.yaml": "config:\n  demo:other: x\n",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := plan.LoadConfig(project(t, tc.files), "s")
			var ce *plan.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%s: err = %v, want a *plan.ConfigError", tc.reason, err)
			}
		})
	}
}

func TestStacksAndFindProject(t *testing.T) {
	t.Parallel()
	dir := project(t, map[string]string{"Pulumi.yaml": projectYAML, "Pulumi.b.yaml": "", "Pulumi.a.yaml": ""})
	got, err := plan.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("Stacks: -want +got:\n%s", diff)
	}
	sub := filepath.Join(dir, "x", "y")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	found, err := plan.FindProject(sub)
	if err != nil || found != dir {
		t.Errorf("FindProject(%s) = %q, %v; want %q", sub, found, err, dir)
	}
}
