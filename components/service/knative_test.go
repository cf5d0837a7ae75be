package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/service"
	"github.com/nimbus-iac/nimbus/components/service/servicetest"
)

const knativeService = "kubernetes:serving.knative.dev/v1:Service"

// knativeSpec is what a Knative service's revision template says about scaling, reach and the
// container.
func knativeSpec(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	svc := r.One(t, knativeService)
	labels, _ := componenttest.Prop(svc.Inputs, "metadata.labels").(map[string]any)
	containers, _ := componenttest.Prop(svc.Inputs, "spec.template.spec.containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("want one container, got %v", containers)
	}
	c := containers[0].(map[string]any)
	return map[string]any{
		"visibility":  labels["networking.knative.dev/visibility"],
		"annotations": componenttest.Prop(svc.Inputs, "spec.template.metadata.annotations"),
		"concurrency": componenttest.Prop(svc.Inputs, "spec.template.spec.containerConcurrency"),
		"ports":       c["ports"],
		"readiness":   c["readinessProbe"],
		"resources":   c["resources"],
	}
}

func TestKnativeServiceConformance(t *testing.T) {
	image := "registry.example/nimbus/api-server@" + servicetest.Digest
	servicetest.Run(t, service.Knative{Function: function.Knative{Namespace: pulumi.String("nimbus"), Concurrency: 20}}.New, servicetest.Cloud{
		Image: image,
		Links: func() link.Grant {
			return link.Grant{Resource: "queue jobs", Access: link.Publish,
				Env:     map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("http://broker/nimbus/jobs"))},
				Binding: link.KubernetesBinding{Env: map[string]link.Value{"BROKER_URL": link.Plain(pulumi.String("http://broker/nimbus/jobs"))}}}
		},
		Public: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			want := map[string]any{
				"visibility": nil, "concurrency": 20.0,
				"annotations": map[string]any{
					"autoscaling.knative.dev/min-scale": "2", "autoscaling.knative.dev/max-scale": "20",
					"autoscaling.knative.dev/target": "20", "autoscaling.knative.dev/target-utilization-percentage": "70",
				},
				"ports":     []any{map[string]any{"containerPort": 8080.0}},
				"readiness": map[string]any{"httpGet": map[string]any{"path": "/healthz"}},
				"resources": map[string]any{"requests": map[string]any{"cpu": "1000m", "memory": "2048Mi"}, "limits": map[string]any{"cpu": "1000m", "memory": "2048Mi"}},
			}
			if diff := cmp.Diff(want, knativeSpec(t, r)); diff != "" {
				t.Errorf("public service (-want +got):\n%s", diff)
			}
			if got := outputs["url"]; got != "http://svc.nimbus.example.com" {
				t.Errorf("url: got %v", got)
			}
		},
		Private: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			got := knativeSpec(t, r)
			want := map[string]any{
				"visibility": "cluster-local",
				"ports":      []any{map[string]any{"containerPort": 9000.0}},
				"readiness":  map[string]any{"httpGet": map[string]any{"path": "/ready"}},
				"min-scale":  "1", "max-scale": "10",
			}
			ann, _ := got["annotations"].(map[string]any)
			got = map[string]any{"visibility": got["visibility"], "ports": got["ports"], "readiness": got["readiness"],
				"min-scale": ann["autoscaling.knative.dev/min-scale"], "max-scale": ann["autoscaling.knative.dev/max-scale"]}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("private service (-want +got):\n%s", diff)
			}
		},
	})
}

// The function's children are aliased to and from a service of the same name by this type.
func TestTypeIsTheFunctionsServiceType(t *testing.T) {
	if service.Type != function.ServiceType {
		t.Errorf("service.Type is %q, function.ServiceType %q: switching api.kind would recreate the API", service.Type, function.ServiceType)
	}
}
