package golden_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
)

// planWith plans a stack with extra config overrides.
func planWith(t *testing.T, dir, stack string, overrides map[string]string) *plan.Plan {
	t.Helper()
	p, err := plan.Run(planOptions(dir, stack, overrides))
	if err != nil {
		t.Fatalf("plan %s: %v", stack, err)
	}
	return p
}

// planOptions are the golden options of a stack with extra config overrides.
func planOptions(dir, stack string, overrides map[string]string) plan.Options {
	opts := golden.Options(dir, stack)
	for k, v := range overrides {
		opts.Overrides[k] = v
	}
	return opts
}

// change is one expected property change, on the resource whose URN ends with a suffix.
type change struct {
	urnSuffix, path string
	old, new        any
}

// TestDiffWarmInstances is the reviewer's case: a change of api.warmInstances shows, on every
// stack, only the resources that change with their old and new values.
func TestDiffWarmInstances(t *testing.T) {
	dir := projectDir(t)
	cases := map[string][]change{
		// The floor of the autoscaling that owns the provisioned concurrency: the config's own
		// count is ignoreChanges, so the engine would not send it and the diff does not show it.
		"prod":       {{"aws:appautoscaling/target:Target::api-warm", "minCapacity", 2.0, 3.0}},
		"prod-gcp":   {{"gcp:cloudrunv2/service:Service::api", "template.scaling.minInstanceCount", 2.0, 3.0}},
		"prod-azure": {{"azure-native:app:ContainerApp::api", "template.scale.minReplicas", 2.0, 3.0}},
	}
	for stack, want := range cases {
		t.Run(stack, func(t *testing.T) {
			base := planWith(t, dir, stack, nil)
			head := planWith(t, dir, stack, map[string]string{"nimbus:api.warmInstances": "3"})
			d := plan.Compare(base, head)
			var got []change
			for _, c := range d.Changed {
				for _, p := range c.Properties {
					got = append(got, change{c.URN[strings.LastIndex(c.URN, "$")+1:], p.Path, p.Old, p.New})
				}
			}
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(change{})); diff != "" {
				t.Errorf("changes (-want +got):\n%s\n%s", diff, plan.DiffText(d))
			}
			if len(d.Added)+len(d.Removed) != 0 || d.Unchanged != len(head.Resources)-len(want) {
				t.Errorf("want only those resources changed, got %s", d.Summary())
			}
		})
	}
}

// TestDiffSavedBase compares against a plan read back from its JSON: the same plan is no change.
func TestDiffSavedBase(t *testing.T) {
	dir := projectDir(t)
	for _, stack := range stacks(t, dir) {
		t.Run(stack, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, "testdata", "plans", stack+".json"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			base, err := plan.ReadJSON(f)
			if err != nil {
				t.Fatal(err)
			}
			d := plan.Compare(base, planWith(t, dir, stack, nil))
			if !d.Empty() {
				t.Errorf("a plan against its own golden: %s\n%s", d.Summary(), plan.DiffText(d))
			}
		})
	}
}

// TestDiffMoveThroughAliases switches the local stack's API from function to service: the
// children move under the service component through their aliases, so they are changed (with
// From), not removed and added, as the real engine does in TestLocalStack.
func TestDiffMoveThroughAliases(t *testing.T) {
	dir := projectDir(t)
	base := planWith(t, dir, "local", map[string]string{"nimbus:api.memoryMb": "512"})
	head := planWith(t, dir, "local", map[string]string{"nimbus:api.memoryMb": "512", "nimbus:api.kind": "container"})
	d := plan.Compare(base, head)
	var moved []string
	for _, c := range d.Changed {
		if c.From != "" {
			moved = append(moved, c.Type)
		}
	}
	if len(moved) == 0 {
		t.Fatalf("no resource moved through an alias:\n%s", plan.DiffText(d))
	}
	for _, r := range append(d.Added, d.Removed...) {
		if r.Type == "kubernetes:serving.knative.dev/v1:Service" {
			t.Errorf("the Knative Service is %s, want it moved:\n%s", r.URN, plan.DiffText(d))
		}
	}
	// Only the components differ: the function component goes, the service comes.
	var added, removed []string
	for _, r := range d.Added {
		added = append(added, r.Type)
	}
	for _, r := range d.Removed {
		removed = append(removed, r.Type)
	}
	if diff := cmp.Diff([]string{"nimbus:service:Service"}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nimbus:function:Function"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
}

func TestReadJSONRejects(t *testing.T) {
	for name, in := range map[string]string{"not json": "plan:", "no stack": `{"resources":[]}`} {
		t.Run(name, func(t *testing.T) {
			if _, err := plan.ReadJSON(bytes.NewBufferString(in)); err == nil || !strings.Contains(err.Error(), "nimbus plan --format json") {
				t.Errorf("want an error saying how to write a plan, got %v", err)
			}
		})
	}
}

// TestDiffDiagram marks what a change adds, changes and removes in the architecture diagram: dev
// with RDS Proxy and the API as a service, against dev's saved plan.
func TestDiffDiagram(t *testing.T) {
	dir := projectDir(t)
	f, err := os.Open(filepath.Join(dir, "testdata", "plans", "dev.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	base, err := plan.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	head := planWith(t, dir, "dev", map[string]string{"nimbus:database.pooler": "proxy", "nimbus:api.kind": "container", "nimbus:api.memoryMb": "2048"})
	head.Diff = plan.Compare(base, head)
	got := plan.Mermaid(head)
	for _, want := range []string{
		`removed_function_api["api<br/><small>function, removed</small>"]`,
		"class removed_function_api removed",
		"class pooler_db added",
		"class function_worker changed",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagram lacks %q:\n%s", want, got)
		}
	}
}
