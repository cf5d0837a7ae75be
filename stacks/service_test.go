package stacks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
	"github.com/nimbus-iac/nimbus/internal/plan"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
	"github.com/nimbus-iac/nimbus/stacks"
)

// runStackFileWith runs the program with a stack file's configuration and overrides.
func runStackFileWith(t *testing.T, stack string, overrides map[string]string) componenttest.Result {
	t.Helper()
	sc, err := plan.LoadConfig("..", stack)
	if err != nil {
		t.Fatal(err)
	}
	sc.Values["nimbus:artifactsDir"] = golden.ArtifactsDir
	for k, v := range overrides {
		// nimbus:api.maxInstances lands in the object nimbus:api, as pulumi config set --path
		// puts it.
		obj, field, _ := strings.Cut(k, ".")
		m := map[string]any{}
		if raw, ok := sc.Values[obj]; ok {
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatalf("%s: %v", obj, err)
			}
		}
		m[field] = v
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		sc.Values[obj] = string(b)
	}
	return componenttest.RunWith(t, stacks.Program, func(info *pulumi.RunInfo) {
		info.Config, info.ConfigSecretKeys = sc.Values, sc.Secrets
	})
}

// The connection capacity guardrail counts the API service's most instances as it counts a
// function's: scaled out far enough, the service alone exhausts the database.
func TestServiceCountsInConnectionCapacity(t *testing.T) {
	for stack, cloud := range map[string]string{"dev-gcp-container": "gcp", "dev-azure-container": "azure"} {
		t.Run(stack, func(t *testing.T) {
			for _, max := range []string{"10", "1000"} {
				r := runStackFileWith(t, stack, map[string]string{"nimbus:api.maxInstances": max})
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				var fired []string
				for _, v := range guardrails.Evaluate(&guardrails.Plan{Cloud: cloud, Resources: r.Resources}) {
					if v.Rule == "db-connection-capacity" {
						fired = append(fired, v.Message)
					}
				}
				var names bool
				for _, m := range fired {
					names = names || strings.Contains(m, `"api" 1000 `)
				}
				switch {
				case max == "10" && len(fired) > 0:
					t.Errorf("api.maxInstances 10 fits the database, but: %v", fired)
				case max == "1000" && !names:
					t.Errorf("api.maxInstances 1000 of the api service (2 connections each) must exceed the database's connections, counted as the api's 1000 instances, got %v", fired)
				}
			}
		})
	}
}

// On AWS the API cannot run as a service yet: the setting is refused, naming it, not ignored.
func TestServiceNotOnAWSYet(t *testing.T) {
	r := runStackFileWith(t, "dev", map[string]string{"nimbus:api.kind": "container", "nimbus:api.memoryMb": "1024"})
	if r.Err == nil || !strings.Contains(r.Err.Error(), "nimbus:api.kind container is not implemented on aws") {
		t.Errorf("want the refusal naming nimbus:api.kind, got %v", r.Err)
	}
	if len(r.Resources) > 0 && r.Err == nil {
		t.Errorf("%d resources planned", len(r.Resources))
	}
}
