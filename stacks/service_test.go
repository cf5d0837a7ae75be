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
	for stack, cloud := range map[string]string{"dev-container": "aws", "dev-gcp-container": "gcp", "dev-azure-container": "azure"} {
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

// The AWS container settings are checked before anything is planned, each error naming its key
// and what Fargate takes.
func TestAWSContainerConfigErrors(t *testing.T) {
	cases := map[string]struct {
		stack     string
		overrides map[string]string
		want      string
	}{
		"cpu size": {"dev-container", map[string]string{"nimbus:api.cpu": "750"},
			"nimbus:api.cpu 750 and nimbus:api.memoryMb 2048: CPU must be one of 250, 500, 1000, 2000, 4000, 8000 or 16000 on Fargate"},
		"memory for cpu": {"dev-container", map[string]string{"nimbus:api.memoryMb": "1024"},
			"nimbus:api.cpu 1000 and nimbus:api.memoryMb 1024: MemoryMB must be 2048 to 8192 in steps of 1024 with CPU 1000 on Fargate, got 1024"},
		"certificate": {"dev-container", map[string]string{"nimbus:aws.certificateArn": "my-cert"},
			`nimbus:aws.certificateArn must be an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/0f3e..., got "my-cert"`},
		"certificate without container": {"dev", map[string]string{"nimbus:aws.certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e"},
			"nimbus:aws.certificateArn is only used with nimbus:api.kind container on aws, but it is set with nimbus:api.kind function"},
		"public subnets without vpc": {"dev-container", map[string]string{"nimbus:network.publicSubnetIds": `["subnet-1","subnet-2"]`},
			"nimbus:network.publicSubnetIds needs nimbus:network.vpcId"},
		"repository": {"dev-container", map[string]string{"nimbus:aws.repository": "Nimbus"},
			`nimbus:aws.repository must be an ECR repository namespace (lower-case letters and digits, separated by ., _, - or /), got "Nimbus"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := runStackFileWith(t, tc.stack, tc.overrides)
			if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
				t.Errorf("want an error containing %q, got %v", tc.want, r.Err)
			}
			if len(r.Resources) > 0 {
				t.Errorf("%d resources planned despite the error", len(r.Resources))
			}
		})
	}
}

// On AWS the API as a service is ECS on Fargate behind a load balancer, and nothing of Lambda's
// HTTP front remains.
func TestAWSAPIService(t *testing.T) {
	r := runStackFileWith(t, "dev-container", nil)
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	for typ, want := range map[string]int{
		"aws:ecs/service:Service": 1, "aws:lb/loadBalancer:LoadBalancer": 1, "aws:ecr/repository:Repository": 1,
		"aws:apigatewayv2/api:Api": 0, "aws:ec2/natGateway:NatGateway": 0,
		// The worker and the migration stay functions.
		"aws:lambda/function:Function": 2,
	} {
		if got := len(r.ByType(typ)); got != want {
			t.Errorf("%s: %d, want %d", typ, got, want)
		}
	}
	svc := r.One(t, "aws:ecs/service:Service")
	var env []map[string]string
	td := r.One(t, "aws:ecs/taskDefinition:TaskDefinition")
	var defs []struct {
		Image       string              `json:"image"`
		Environment []map[string]string `json:"environment"`
	}
	if err := json.Unmarshal([]byte(componenttest.Str(td.Inputs, "containerDefinitions")), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("container definitions: %v %v", defs, err)
	}
	env = defs[0].Environment
	var names []string
	for _, e := range env {
		names = append(names, e["name"])
	}
	for _, want := range []string{"DB_HOST", "IMAGES_BUCKET", "JOBS_QUEUE_URL", "MAX_UPLOAD_BYTES", "PORT"} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("the API task's environment has no %s: %v", want, names)
		}
	}
	if !strings.Contains(defs[0].Image, ".dkr.ecr.eu-west-1.amazonaws.com/nimbus/api-server-aws@sha256:") {
		t.Errorf("image %s is not the stack's ECR repository by digest", defs[0].Image)
	}
	if componenttest.Prop(svc.Inputs, "desiredCount") != 1.0 {
		t.Errorf("desiredCount %v, want api.warmInstances 1", componenttest.Prop(svc.Inputs, "desiredCount"))
	}
}
