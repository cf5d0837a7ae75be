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
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

const (
	containerApp = "azure-native:app:ContainerApp"
	azureRG      = "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/nimbus-dev"
)

// appSpec is what a container app says about ingress, scaling and the container.
func appSpec(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	app := r.One(t, containerApp)
	env := map[string]any{}
	vars, _ := componenttest.Prop(app.Inputs, "template.containers.0.env").([]any)
	for _, v := range vars {
		m := v.(map[string]any)
		if m["name"] == "PORT" {
			env["PORT"] = m["value"]
		}
	}
	return map[string]any{
		"external":  componenttest.Prop(app.Inputs, "configuration.ingress.external"),
		"port":      componenttest.Prop(app.Inputs, "configuration.ingress.targetPort"),
		"scale":     componenttest.Prop(app.Inputs, "template.scale"),
		"resources": componenttest.Prop(app.Inputs, "template.containers.0.resources"),
		"probe":     componenttest.Prop(app.Inputs, "template.containers.0.probes.0.httpGet"),
		"env":       env,
	}
}

// apps is the implementation as a stack configures it, with an environment that exists.
var apps = function.ContainerApps{
	ResourceGroupName: pulumi.String("nimbus-dev"),
	Location:          "westeurope",
	SubscriptionID:    pulumi.String(fakecloud.AzureSubscription),
	Environment: &function.ContainerAppsEnvironment{
		ID:            pulumi.String(azureRG + "/providers/Microsoft.App/managedEnvironments/apps").ToStringOutput(),
		DefaultDomain: pulumi.String("nimbus-0a1b2c3d.westeurope.azurecontainerapps.io").ToStringOutput(),
		Location:      "westeurope",
	},
	RegistryID: pulumi.String(azureRG + "/providers/Microsoft.ContainerRegistry/registries/nimbusimages"),
}

func TestContainerAppsServiceConformance(t *testing.T) {
	image := "nimbusimages.azurecr.io/api-server-azure@" + servicetest.Digest
	servicetest.Run(t, service.ContainerApps{Function: apps}.New, servicetest.Cloud{
		Image:     image,
		TargetCPU: true,
		Links: func() link.Grant {
			return link.Grant{Resource: "queue jobs", Access: link.Publish, Env: map[string]link.Value{"QUEUE": link.Plain(pulumi.String("jobs"))}, Binding: link.AzureBinding{
				Env: map[string]link.Value{"QUEUE_NAME": link.Plain(pulumi.String("jobs"))},
			}}
		},
		Public: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			want := map[string]any{
				"external": true, "port": 8080.0,
				"scale": map[string]any{"minReplicas": 2.0, "maxReplicas": 20.0, "rules": []any{
					map[string]any{"name": "http", "http": map[string]any{"metadata": map[string]any{"concurrentRequests": "10"}}},
					map[string]any{"name": "cpu", "custom": map[string]any{"type": "cpu", "metadata": map[string]any{"type": "Utilization", "value": "50"}}},
				}},
				"resources": map[string]any{"cpu": 1.0, "memory": "2Gi"},
				"probe":     map[string]any{"path": "/healthz", "port": 8080.0},
				"env":       map[string]any{"PORT": "8080"},
			}
			if diff := cmp.Diff(want, appSpec(t, r)); diff != "" {
				t.Errorf("public service (-want +got):\n%s", diff)
			}
		},
		Private: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			got := appSpec(t, r)
			want := map[string]any{"external": false, "port": 9000.0, "probe": map[string]any{"path": "/ready", "port": 9000.0}, "env": map[string]any{"PORT": "9000"}}
			if diff := cmp.Diff(want, map[string]any{"external": got["external"], "port": got["port"], "probe": got["probe"], "env": got["env"]}); diff != "" {
				t.Errorf("private service (-want +got):\n%s", diff)
			}
		},
	})
}

func TestContainerAppsServiceSize(t *testing.T) {
	image := "nimbusimages.azurecr.io/api-server-azure@" + servicetest.Digest
	cases := map[string]struct {
		cpu, memory int
		want        string
	}{
		"memory off the ratio": {1000, 4096, `service "svc": MemoryMB must be 2048 with CPU 1000 on Container Apps (the Consumption profile's fixed 2 GiB per CPU), got 4096`},
		"cpu off the steps":    {1100, 2048, `service "svc": CPU must be a multiple of 250 up to 4000 on Container Apps`},
		"cpu above 4":          {8000, 8192, `service "svc": CPU must be a multiple of 250 up to 4000 on Container Apps`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := service.ContainerApps{Function: apps}.New(ctx, "svc", &service.ServiceArgs{Image: image, CPU: tc.cpu, MemoryMB: tc.memory})
				return err
			}, tc.want)
		})
	}
}
