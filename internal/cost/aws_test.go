package cost

import (
	"strings"
	"testing"
)

// TestProvisionedConcurrencyFollowsAutoscaling: when an autoscaling target owns an alias's
// provisioned concurrency (the config's count is ignoreChanges), the floor is the target's
// minimum, not the count the config was first deployed with.
func TestProvisionedConcurrencyFollowsAutoscaling(t *testing.T) {
	tab, err := Parse([]byte(strings.Replace(validTable, "sizes:\n", `
  - id: aws/eu-west-1/lambda/provisioned-concurrency-arm64
    what: Lambda provisioned concurrency, Arm
    unit: GB-second
    usd: 0.0000033334
    floor: true
    source: https://aws.amazon.com/lambda/pricing/
    verified: true
    evidence: seen
sizes:
`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	fn := Resource{URN: "urn:fn", Type: "aws:lambda/function:Function", Name: "api", Custom: true,
		Inputs: map[string]any{"name": "api-1", "memorySize": 1024.0, "architectures": []any{"arm64"}}}
	pc := Resource{URN: "urn:pc", Type: "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig", Name: "api-warm", Custom: true,
		Inputs: map[string]any{"functionName": "api-1", "qualifier": "live", "provisionedConcurrentExecutions": 2.0}}
	target := func(id, dim string) Resource {
		return Resource{URN: "urn:t", Type: "aws:appautoscaling/target:Target", Name: "api-warm", Custom: true,
			Inputs: map[string]any{"resourceId": id, "scalableDimension": dim, "minCapacity": 5.0, "maxCapacity": 10.0}}
	}
	cases := []struct {
		name      string
		resources []Resource
		want      float64 // warm executions priced
	}{
		{"no autoscaling: the config's count", []Resource{fn, pc}, 2},
		{"autoscaling on the alias: its minimum", []Resource{fn, pc, target("function:api-1:live", "lambda:function:ProvisionedConcurrency")}, 5},
		{"autoscaling on another alias", []Resource{fn, pc, target("function:api-1:canary", "lambda:function:ProvisionedConcurrency")}, 2},
		{"another dimension", []Resource{fn, pc, target("function:api-1:live", "ecs:service:DesiredCount")}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := Estimate(tab, "aws", "eu-west-1", tc.resources)
			var got float64
			for _, l := range rep.Resources {
				if l.URN == "urn:pc" {
					for _, it := range l.Items {
						if strings.HasSuffix(it.Price, "provisioned-concurrency-arm64") {
							got = it.Quantity / SecondsPerMonth // GB-seconds at 1 GB
						}
					}
				}
			}
			if got != tc.want {
				t.Errorf("priced %v warm executions, want %v (lines %+v)", got, tc.want, rep.Resources)
			}
		})
	}
}
