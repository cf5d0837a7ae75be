// Package functiontest is the conformance suite every function implementation runs under the
// fake cloud.
package functiontest

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/link"
)

// Hash is a well-formed artifact hash for tests.
const Hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// Case is one scenario: the args, and what the cloud must have made of them.
type Case struct {
	Args  func() *function.FunctionArgs
	Check func(t *testing.T, r componenttest.Result, outputs map[string]any)
}

// Cloud is the cloud-specific half of the suite: links of that cloud's kind, and the checks.
type Cloud struct {
	// Links returns a publish link and a subscribe link of this cloud's kind, for the scenarios.
	Links func() (publish, subscribe link.Grant)
	// Plain: no HTTP, no warm capacity: logs retained, identity with only the links' grants plus
	// logging, every trigger on the live revision.
	Plain func(t *testing.T, r componenttest.Result, outputs map[string]any)
	// HTTP with warm capacity autoscaled between 2 and 10: the endpoint targets the live revision.
	HTTPWarm func(t *testing.T, r componenttest.Result, outputs map[string]any)
}

// Run checks an implementation against the function contract.
func Run(t *testing.T, newFunction function.Constructor, cloud Cloud) {
	publish, subscribe := cloud.Links()
	cases := map[string]Case{
		"plain": {
			Args: func() *function.FunctionArgs {
				return &function.FunctionArgs{
					Code: pulumi.NewFileArchive("worker.zip"), CodeHash: Hash, TimeoutSeconds: 30,
					Links: []link.Link{link.Named("JOBS", subscribe)}, LogRetentionDays: 7,
				}
			},
			Check: cloud.Plain,
		},
		"http warm": {
			Args: func() *function.FunctionArgs {
				return &function.FunctionArgs{
					Code: pulumi.NewFileArchive("api.zip"), CodeHash: Hash,
					WarmInstances: 2, WarmMax: 10, MaxInstances: 50,
					HTTP:  &function.HTTPArgs{ThrottleRate: 50, ThrottleBurst: 100},
					Links: []link.Link{link.Named("JOBS", publish)},
					Env:   map[string]string{"MODE": "test"},
				}
			},
			Check: cloud.HTTPWarm,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var outs map[string]any
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				fn, err := newFunction(ctx, "fn", tc.Args())
				if err != nil {
					return err
				}
				outs = componenttest.Await(t, pulumi.Map{"name": fn.Name, "target": fn.Target, "url": fn.URL, "identity": fn.Identity, "codeHash": fn.CodeHash})
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			r.AssertContained(t, function.Type, "fn")
			for _, k := range []string{"name", "target", "identity", "codeHash"} {
				if s, _ := outs[k].(string); s == "" {
					t.Errorf("output %s is empty", k)
				}
			}
			if outs["codeHash"] != Hash {
				t.Errorf("codeHash: want %s, got %v", Hash, outs["codeHash"])
			}
			tc.Check(t, r, outs)
		})
	}

	t.Run("invalid args register nothing", func(t *testing.T) {
		cases := map[string]struct {
			args function.FunctionArgs
			want []string
		}{
			"ranges": {
				args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: Hash, MemoryMB: 64, TimeoutSeconds: 901, WarmInstances: -1},
				want: []string{
					`function "fn": MemoryMB must be between 128 and 10240, got 64`,
					`function "fn": TimeoutSeconds must be between 1 and 900, got 901`,
					`function "fn": WarmInstances must be between 0 and 1000, got -1`,
				},
			},
			"code": {
				args: function.FunctionArgs{CodeHash: "abc"},
				want: []string{`function "fn": Code is required`, `function "fn": CodeHash must be a hex SHA-256 (64 characters), got "abc"`},
			},
			"warm above cap": {
				args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: Hash, WarmInstances: 5, MaxInstances: 2},
				want: []string{`function "fn": WarmInstances and WarmMax must be at most MaxInstances (2), got 5 and 0`},
			},
			"env collides with a link": {
				args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: Hash,
					Links: []link.Link{link.Named("JOBS", publish)}, Env: map[string]string{"JOBS_QUEUE_URL": "x"}},
				want: []string{`function "fn": Env key JOBS_QUEUE_URL is also set by a link`},
			},
			"link to another cloud": {
				args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: Hash,
					Links: []link.Link{link.Named("JOBS", link.Grant{Resource: "queue far", Access: link.Publish, Binding: otherCloud{}})}},
				want: []string{`function "fn": link JOBS (publish queue far) is bound for ` + otherCloud{}.Cloud(), "runs on " + publish.Binding.Cloud()},
			},
			"bad link name": {
				args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: Hash, Links: []link.Link{link.Named("jobs", publish)}},
				want: []string{`function "fn": Links: link name "jobs" must match`},
			},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
					_, err := newFunction(ctx, "fn", &tc.args)
					return err
				}, tc.want...)
			})
		}
	})
}

// otherCloud is a binding of a cloud no implementation runs on: every consumer must refuse it
// before it creates anything, naming both clouds.
type otherCloud struct{}

func (otherCloud) Cloud() string { return "othercloud" }
