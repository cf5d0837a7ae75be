package guardrails_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/network"
	svc "github.com/nimbus-iac/nimbus/components/service"
	"github.com/nimbus-iac/nimbus/components/service/servicetest"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// TestFargateComponent runs the real Fargate component, public and internal, with and
// without a certificate, in a network with public entry, and checks its plan breaks no rule.
func TestFargateComponent(t *testing.T) {
	t.Parallel()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nimbus/api-server-aws@" + servicetest.Digest
	cases := map[string]struct {
		public bool
		cert   string
	}{
		"public":       {public: true},
		"public-https": {public: true, cert: "arn:aws:acm:eu-west-1:123456789012:certificate/0f3e"},
		"internal":     {},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				net, err := network.NewAWSNetwork(ctx, "net", &network.NetworkArgs{PublicEntry: true, Containers: true})
				if err != nil {
					return err
				}
				_, err = svc.Fargate{CertificateARN: tc.cert}.New(ctx, "api", &svc.ServiceArgs{Image: image, Network: net, Public: tc.public})
				return err
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			p := &guardrails.Plan{Cloud: "aws", Production: true, Resources: r.Resources}
			if diff := cmp.Diff([]guardrails.Violation(nil), guardrails.Evaluate(p)); diff != "" {
				t.Errorf("the Fargate component's plan breaks rules (-want +got):\n%s", diff)
			}
			if !tc.public {
				return
			}
			// The checks follow the component's own network: tasks moved into the load
			// balancer's (public) subnets, with public IPs, fire.
			moved := append([]fakecloud.Resource(nil), r.Resources...)
			lb := r.One(t, "aws:lb/loadBalancer:LoadBalancer")
			for i, res := range moved {
				if res.Type != "aws:ecs/service:Service" {
					continue
				}
				out := res.Outputs.Copy()
				out["networkConfiguration"] = resource.NewObjectProperty(resource.PropertyMap{
					"subnets":        lb.Outputs["subnets"],
					"securityGroups": lb.Outputs["securityGroups"],
					"assignPublicIp": resource.NewBoolProperty(true),
				})
				moved[i].Outputs = out
			}
			got := guardrails.Evaluate(&guardrails.Plan{Cloud: "aws", Resources: moved})
			want := []string{"api networkConfiguration.subnets"}
			if tc.cert == "" {
				want = append(want, "api-lb-80 cidrIpv4")
			} else {
				want = append(want, "api-lb-443 cidrIpv4", "api-lb-80 cidrIpv4")
			}
			if diff := cmp.Diff(want, short(got, "service-public-entry")); diff != "" {
				t.Errorf("service-public-entry on tasks in the public subnets (-want +got):\n%s", diff)
			}
			want = []string{"api networkConfiguration.assignPublicIp", "api networkConfiguration.subnets"}
			if diff := cmp.Diff(want, short(got, "service-private-tasks")); diff != "" {
				t.Errorf("service-private-tasks on tasks in the public subnets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFargateComponentCapacity checks db-connection-capacity reads the real component's plan: the
// scaling target's maxCapacity and the task definition's DB_MAX_CONNS, found through the
// service's cluster, name and task definition ARN.
func TestFargateComponentCapacity(t *testing.T) {
	t.Parallel()
	image := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nimbus/api-server-aws@" + servicetest.Digest
	db := instance("db.t4g.micro")
	host := computed(t, db.typ, db.name, db.inputs, "address")
	for _, tc := range []struct {
		max   int
		fires bool
	}{{max: 1000, fires: true}, {max: 20}} {
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			net, err := network.NewAWSNetwork(ctx, "net", &network.NetworkArgs{PublicEntry: true, Containers: true})
			if err != nil {
				return err
			}
			_, err = svc.Fargate{}.New(ctx, "api", &svc.ServiceArgs{Image: image, Network: net, Public: true,
				MinInstances: 2, MaxInstances: tc.max, Env: map[string]string{"DB_HOST": host, "DB_MAX_CONNS": "5"}})
			return err
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		resources := append(append([]fakecloud.Resource(nil), r.Resources...), plan(t, false, db).Resources...)
		var msgs []string
		for _, v := range guardrails.Evaluate(&guardrails.Plan{Cloud: "aws", Resources: resources}) {
			if v.Rule == "db-connection-capacity" {
				msgs = append(msgs, v.Message)
			}
		}
		if !tc.fires {
			if len(msgs) != 0 {
				t.Errorf("max %d x 5 fits a db.t4g.micro, got %v", tc.max, msgs)
			}
			continue
		}
		want := `service "api" 1000 instances (its scaling target's maxCapacity (nimbus:api.maxInstances)) x 5 connections`
		if len(msgs) != 1 || !strings.Contains(msgs[0], want) {
			t.Errorf("max %d x 5: want one finding saying %q, got %v", tc.max, want, msgs)
		}
	}
}
