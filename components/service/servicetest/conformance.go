// Package servicetest is the conformance suite every service implementation runs under the fake
// cloud.
package servicetest

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/service"
)

// Digest is a well-formed image digest for tests.
const Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// Cloud is the cloud-specific half of the suite.
type Cloud struct {
	// Image is an image reference by digest this cloud pulls (its registry's form).
	Image string
	// Links returns a publish grant of this cloud's kind with at least one neutral setting (Env).
	Links func() link.Grant
	// Network makes the cloud's network inside the test program, for implementations that need
	// one (AWS); nil runs the scenarios without a network.
	Network func(ctx *pulumi.Context) (*network.Network, error)
	// Public: reachable from the internet, 2 to 20 instances, CPU target 50 where the cloud takes
	// one: the only public entry is the platform's front door (load balancer, ingress), the
	// instances stay private, the minimum is always up, the identity holds only the link's grants.
	Public func(t *testing.T, r componenttest.Result, outputs map[string]any)
	// Private: not reachable from outside the network or without the platform's authorisation.
	Private func(t *testing.T, r componenttest.Result, outputs map[string]any)
	// TargetCPU says whether the cloud takes a TargetCPUPercent other than 0.
	TargetCPU bool
}

// Run checks an implementation against the service contract.
func Run(t *testing.T, newService service.Constructor, cloud Cloud) {
	publish := cloud.Links()
	target := 0
	if cloud.TargetCPU {
		target = 50
	}
	cases := map[string]struct {
		args  func(net *network.Network) *service.ServiceArgs
		check func(t *testing.T, r componenttest.Result, outputs map[string]any)
	}{
		"public": {
			args: func(net *network.Network) *service.ServiceArgs {
				return &service.ServiceArgs{
					Image: cloud.Image, MinInstances: 2, MaxInstances: 20, TargetCPUPercent: target,
					Public: true, Network: net, LogRetentionDays: 7,
					Links: []link.Link{link.Named("JOBS", publish)},
					Env:   map[string]string{"MODE": "test"},
				}
			},
			check: cloud.Public,
		},
		"private": {
			args: func(net *network.Network) *service.ServiceArgs {
				return &service.ServiceArgs{Image: cloud.Image, Network: net, Port: 9000, HealthCheckPath: "/ready",
					Links: []link.Link{link.Named("JOBS", publish)}}
			},
			check: cloud.Private,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var outs map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				var net *network.Network
				if cloud.Network != nil {
					var err error
					if net, err = cloud.Network(ctx); err != nil {
						return err
					}
				}
				s, err := newService(ctx, "svc", tc.args(net))
				if err != nil {
					return err
				}
				outs = componenttest.Await(t, pulumi.Map{"name": s.Name, "url": s.URL, "identity": s.Identity, "image": s.Image})
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if cloud.Network != nil {
				r.AssertContained(t, service.Type, "svc", network.Type)
			} else {
				r.AssertContained(t, service.Type, "svc")
			}
			for _, k := range []string{"name", "url", "identity"} {
				if s, _ := outs[k].(string); s == "" {
					t.Errorf("output %s is empty", k)
				}
			}
			if outs["image"] != cloud.Image {
				t.Errorf("image: want %s, got %v", cloud.Image, outs["image"])
			}
			tc.check(t, r, outs)
		})
	}

	t.Run("invalid args register nothing", func(t *testing.T) {
		tagged := cloud.Image[:strings.Index(cloud.Image, "@")] + ":latest"
		var linked string
		for k := range link.Environment([]link.Link{link.Named("JOBS", publish)}) {
			linked = k
		}
		if linked == "" {
			t.Fatal("Cloud.Links must return a grant with a neutral setting (Env)")
		}
		cases := map[string]struct {
			args service.ServiceArgs
			want []string
		}{
			"ranges": {
				args: service.ServiceArgs{Image: cloud.Image, CPU: 100, MemoryMB: 100, Port: 70000, MaxInstances: 2000, TimeoutSeconds: 4000},
				want: []string{
					`service "svc": CPU must be between 250 and 16000, got 100`,
					`service "svc": MemoryMB must be between 512 and 32768, got 100`,
					`service "svc": Port must be between 1 and 65535, got 70000`,
					`service "svc": MaxInstances must be between 1 and 1000, got 2000`,
					`service "svc": TimeoutSeconds must be between 1 and 900, got 4000`,
				},
			},
			"tagged image": {
				args: service.ServiceArgs{Image: tagged},
				want: []string{`service "svc": Image must be REGISTRY/REPO@sha256:HEX`},
			},
			"min above max": {
				args: service.ServiceArgs{Image: cloud.Image, MinInstances: 5, MaxInstances: 2},
				want: []string{`service "svc": MinInstances must be at most MaxInstances (2), got 5`},
			},
			"health path": {
				args: service.ServiceArgs{Image: cloud.Image, HealthCheckPath: "healthz"},
				want: []string{`service "svc": HealthCheckPath must be a path starting with /`},
			},
			"env sets PORT": {
				args: service.ServiceArgs{Image: cloud.Image, Env: map[string]string{"PORT": "1"}},
				want: []string{`service "svc": Env must not set PORT`},
			},
			"env collides with a link": {
				args: service.ServiceArgs{Image: cloud.Image, Links: []link.Link{link.Named("JOBS", publish)}, Env: map[string]string{linked: "x"}},
				want: []string{`service "svc": Env key ` + linked + ` is also set by a link`},
			},
			"link to another cloud": {
				args: service.ServiceArgs{Image: cloud.Image,
					Links: []link.Link{link.Named("JOBS", link.Grant{Resource: "queue far", Access: link.Publish, Binding: otherCloud{}})}},
				want: []string{`service "svc": link JOBS (publish queue far) is bound for ` + otherCloud{}.Cloud(), "runs on " + publish.Binding.Cloud()},
			},
		}
		if !cloud.TargetCPU {
			cases["cpu target"] = struct {
				args service.ServiceArgs
				want []string
			}{
				args: service.ServiceArgs{Image: cloud.Image, TargetCPUPercent: 70},
				want: []string{`service "svc": TargetCPUPercent`},
			}
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
					_, err := newService(ctx, "svc", &tc.args)
					return err
				}, tc.want...)
			})
		}
	})
}

// otherCloud is a binding of a cloud no implementation runs on: every service must refuse it
// before it creates anything, naming both clouds.
type otherCloud struct{}

func (otherCloud) Cloud() string { return "othercloud" }
