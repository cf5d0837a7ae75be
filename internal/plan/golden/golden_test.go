package golden_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
)

func projectDir(t testing.TB) string {
	t.Helper()
	dir, err := plan.FindProject(".")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func stacks(t testing.TB, dir string) []string {
	t.Helper()
	names, err := plan.Stacks(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no Pulumi.STACK.yaml in %s", dir)
	}
	return names
}

func planJSON(t testing.TB, dir, stack string) []byte {
	t.Helper()
	p, err := plan.Run(golden.Options(dir, stack))
	if err != nil {
		t.Fatalf("plan %s: %v", stack, err)
	}
	var buf bytes.Buffer
	if err := plan.Render(&buf, p, "json"); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoldenPlans compares every stack's plan with testdata/plans/STACK.json;
// PULUMI_ACCEPT=1 rewrites them.
func TestGoldenPlans(t *testing.T) {
	dir := projectDir(t)
	accept := os.Getenv("PULUMI_ACCEPT") != ""
	for _, stack := range stacks(t, dir) {
		t.Run(stack, func(t *testing.T) {
			got := planJSON(t, dir, stack)
			path := filepath.Join(dir, "testdata", "plans", stack+".json")
			if accept {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s", path)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no golden plan for stack %s: %v (generate it with PULUMI_ACCEPT=1 go test ./internal/plan/...)", stack, err)
			}
			if !bytes.Equal(want, got) {
				t.Errorf("plan of stack %s drifted from %s (-want +got); if the change is intended, run PULUMI_ACCEPT=1 go test ./internal/plan/... and review the diff:\n%s",
					stack, path, cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")))
			}
		})
	}
}

// TestByteIdentical plans every stack twice in one process.
func TestByteIdentical(t *testing.T) {
	dir := projectDir(t)
	for _, stack := range stacks(t, dir) {
		a, b := planJSON(t, dir, stack), planJSON(t, dir, stack)
		if !bytes.Equal(a, b) {
			t.Errorf("two plans of stack %s differ:\n%s", stack, cmp.Diff(strings.Split(string(a), "\n"), strings.Split(string(b), "\n")))
		}
	}
}

// TestGuardrailsOnStacks: the project's own stacks pass the error-level
// guardrails, and prod is planned as production.
func TestGuardrailsOnStacks(t *testing.T) {
	dir := projectDir(t)
	for _, stack := range stacks(t, dir) {
		p, err := plan.Run(golden.Options(dir, stack))
		if err != nil {
			t.Fatalf("plan %s: %v", stack, err)
		}
		if p.Failed() {
			t.Errorf("stack %s violates guardrails: %v", stack, p.Violations)
		}
		if p.GenericCount() > 0 {
			t.Errorf("stack %s has resources on the generic model: %v", stack, p.Generic)
		}
		if stack == "prod" && !p.Production {
			t.Errorf("stack prod is not planned as production (nimbus:production)")
		}
	}
}

// BenchmarkPlan plans each stack (after the build) against an empty program
// under the same mocks: the baseline is the cost of the Pulumi runtime and
// config resolution alone.
func BenchmarkPlan(b *testing.B) {
	dir := projectDir(b)
	empty := golden.Options(dir, stacks(b, dir)[0])
	empty.Program.Run = func(*pulumi.Context) (pulumi.Map, error) { return pulumi.Map{}, nil }
	b.Run("empty", func(b *testing.B) {
		for b.Loop() {
			if _, err := plan.Run(empty); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, stack := range stacks(b, dir) {
		opts := golden.Options(dir, stack)
		b.Run(stack, func(b *testing.B) {
			for b.Loop() {
				p, err := plan.Run(opts)
				if err != nil {
					b.Fatal(err)
				}
				if err := plan.Render(&bytes.Buffer{}, p, "json"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNotApplicableShown checks the plan names the rules that have no meaning on a cloud, with
// why, in text and markdown, so a reviewer can tell "not applicable" from "not checked yet".
func TestNotApplicableShown(t *testing.T) {
	dir := projectDir(t)
	p, err := plan.Run(golden.Options(dir, "dev-azure"))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"text", "markdown"} {
		var buf bytes.Buffer
		if err := plan.Render(&buf, p, format); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"trigger-targets-alias", "subscription-dead-letter", "dead-letter-grants", "Container Apps has no aliases"} {
			if !strings.Contains(buf.String(), want) {
				t.Errorf("the %s plan of dev-azure does not name %q as not applicable", format, want)
			}
		}
		if strings.Contains(buf.String(), "no check for this cloud yet") {
			t.Errorf("the %s plan of dev-azure still has rules with no Azure check", format)
		}
	}
}
