package service_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/pubsub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/service"
	"github.com/nimbus-iac/nimbus/components/service/servicetest"
)

const (
	runService = "gcp:cloudrunv2/service:Service"
	runInvoker = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
)

// runSpec is what a Cloud Run service says about scaling, CPU and the container.
func runSpec(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	svc := r.One(t, runService)
	containers, _ := componenttest.Prop(svc.Inputs, "template.containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("want one container, got %v", containers)
	}
	c := containers[0].(map[string]any)
	return map[string]any{
		"scaling":     componenttest.Prop(svc.Inputs, "template.scaling"),
		"concurrency": componenttest.Prop(svc.Inputs, "template.maxInstanceRequestConcurrency"),
		"port":        componenttest.Prop(svc.Inputs, "template.containers.0.ports.containerPort"),
		"probe":       componenttest.Prop(svc.Inputs, "template.containers.0.startupProbe.httpGet.path"),
		"resources":   c["resources"],
		"invokers":    len(r.ByType(runInvoker)),
	}
}

func TestCloudRunServiceConformance(t *testing.T) {
	image := "europe-west1-docker.pkg.dev/nimbus-project/nimbus/api-server-gcp@" + servicetest.Digest
	servicetest.Run(t, service.CloudRun{Function: function.CloudRun{Region: "europe-west1"}}.New, servicetest.Cloud{
		Image: image,
		Links: func() link.Grant {
			return link.Grant{Resource: "queue jobs", Access: link.Publish, Env: map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("projects/p/topics/jobs"))}, Binding: link.GCPBinding{
				Grants: []link.GCPApply{func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
					m, err := pubsub.NewTopicIAMMember(ctx, name+"-publish", &pubsub.TopicIAMMemberArgs{Topic: pulumi.String("jobs"), Role: pulumi.String("roles/pubsub.publisher"), Member: c.Member}, opts...)
					return link.GCPApplied{Ready: []pulumi.Resource{m}}, err
				}},
			}}
		},
		Public: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			want := map[string]any{
				"scaling": map[string]any{"minInstanceCount": 2.0, "maxInstanceCount": 20.0}, "concurrency": 80.0,
				"port": 8080.0, "probe": "/healthz", "invokers": 1,
				// CPU always allocated: a service is up between requests.
				"resources": map[string]any{"limits": map[string]any{"cpu": "1", "memory": "2048Mi"}, "startupCpuBoost": true, "cpuIdle": false},
			}
			if diff := cmp.Diff(want, runSpec(t, r)); diff != "" {
				t.Errorf("public service (-want +got):\n%s", diff)
			}
		},
		Private: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			got := runSpec(t, r)
			want := map[string]any{"port": 9000.0, "probe": "/ready", "invokers": 0}
			if diff := cmp.Diff(want, map[string]any{"port": got["port"], "probe": got["probe"], "invokers": got["invokers"]}); diff != "" {
				t.Errorf("private service (-want +got):\n%s", diff)
			}
		},
	})
}
