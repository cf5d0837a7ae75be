package kubetest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/nimbus-iac/nimbus/internal/kubetest"
	"github.com/nimbus-iac/nimbus/internal/plan"
)

// settingsProgram is a ConfigMap, through a provider for kubeconfig, whose labels.count is the
// program's to set once and someone else's after (pulumi.IgnoreChanges), as an autoscaler owns a
// warm count.
func settingsProgram(kubeconfig string) func(ctx *pulumi.Context) (pulumi.Map, error) {
	return func(ctx *pulumi.Context) (pulumi.Map, error) {
		p, err := kubernetes.NewProvider(ctx, "kube", &kubernetes.ProviderArgs{Kubeconfig: pulumi.ToSecret(pulumi.String(kubeconfig)).(pulumi.StringOutput)})
		if err != nil {
			return nil, err
		}
		cfg := config.New(ctx, "")
		cm, err := corev1.NewConfigMap(ctx, "settings", &corev1.ConfigMapArgs{
			Metadata: metav1.ObjectMetaArgs{
				Name: pulumi.String("settings"), Namespace: pulumi.String("default"),
				// Labels update in place (a change of data would replace the ConfigMap).
				Labels: pulumi.StringMap{"count": pulumi.String(cfg.Require("count")), "owner": pulumi.String(cfg.Require("owner"))},
				// No garbage collector runs to finish a foreground deletion.
				Annotations: pulumi.StringMap{"pulumi.com/deletionPropagationPolicy": pulumi.String("background")},
			},
		}, pulumi.Provider(p), pulumi.IgnoreChanges([]string{"metadata.labels.count"}))
		if err != nil {
			return nil, err
		}
		return pulumi.Map{"name": cm.Metadata.Name().Elem()}, nil
	}
}

// TestPlanDiffIgnoresAsTheEngineDoes holds nimbus plan's diff to the real engine's on
// pulumi.IgnoreChanges: for a change of an ignored property, `pulumi preview` with the real
// Kubernetes provider against a real API server updates nothing and the plan diff is empty; for a
// change of another property, both update the one resource, and the diff names only that
// property; the object on the API server keeps the ignored value.
func TestPlanDiffIgnoresAsTheEngineDoes(t *testing.T) {
	ctx := context.Background()
	srv := kubetest.StartAPIServer(t)
	program := settingsProgram(srv.KubeconfigYAML())
	s, dir := stackWithConfig(t, func(ctx *pulumi.Context) error {
		outs, err := program(ctx)
		for k, v := range outs {
			ctx.Export(k, v)
		}
		return err
	}, "config:\n  kubetest:count: \"2\"\n  kubetest:owner: a\n")
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	planOf := func(overrides map[string]string) *plan.Plan {
		t.Helper()
		p, err := plan.Run(plan.Options{Dir: dir, Stack: "test", Program: plan.Program{Run: program}, Overrides: overrides})
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		return p
	}
	base := planOf(nil)
	steps := []struct {
		name      string
		overrides map[string]string
		want      []plan.PropertyChange // the plan diff's changes to the ConfigMap
		updates   int                   // the engine's
	}{
		{"the ignored count", map[string]string{"kubetest:count": "3"}, nil, 0},
		{"the owner too", map[string]string{"kubetest:count": "3", "kubetest:owner": "b"}, []plan.PropertyChange{{Path: "metadata.labels.owner", Old: "a", New: "b"}}, 1},
	}
	for _, st := range steps {
		for k, v := range st.overrides {
			if err := s.SetConfig(ctx, k, auto.ConfigValue{Value: v}); err != nil {
				t.Fatal(err)
			}
		}
		pre, err := s.Preview(ctx)
		if err != nil {
			t.Fatalf("%s: preview: %v", st.name, err)
		}
		if got := pre.ChangeSummary["update"]; got != st.updates {
			t.Errorf("%s: the engine's preview updates %d, want %d: %v", st.name, got, st.updates, pre.ChangeSummary)
		}
		d := plan.Compare(base, planOf(st.overrides))
		var got []plan.PropertyChange
		for _, c := range d.Changed {
			got = append(got, c.Properties...)
		}
		if diff := cmp.Diff(st.want, got); diff != "" {
			t.Errorf("%s: the plan diff (-want +got):\n%s", st.name, diff)
		}
		if len(d.Changed) != st.updates {
			t.Errorf("%s: the plan diff changes %d resources, the engine %d", st.name, len(d.Changed), st.updates)
		}
	}
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("second up: %v", err)
	}
	status, body, err := srv.Do(ctx, http.MethodGet, "/api/v1/namespaces/default/configmaps/settings", "", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET the ConfigMap: %d %s %v", status, body, err)
	}
	var cm struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &cm); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"count": "2", "owner": "b"}, cm.Metadata.Labels); diff != "" {
		t.Errorf("the ConfigMap on the API server (-want +got):\n%s", diff)
	}
}
