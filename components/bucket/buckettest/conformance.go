// Package buckettest is the conformance suite every bucket implementation runs under the fake
// cloud.
package buckettest

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
)

// Cloud holds the cloud-specific checks.
type Cloud struct {
	// Private checks no public access, encryption at rest, TLS only, expiry after 30 days.
	Private func(t *testing.T, r componenttest.Result)
	// Grant checks a grant of read on originals/ and write on thumbnails/; it runs in the program
	// body, so it can resolve the grant's outputs.
	Grant func(t *testing.T, g link.Grant)
	// Consume, when set, applies the grant as a consumer of the cloud would (in the program
	// body, after Grant), for clouds whose grants are created by the consumer on the resource;
	// Private then sees what it created. It parents what it creates to a component of type
	// ConsumerType, which stands for the consumer.
	Consume func(ctx *pulumi.Context, t *testing.T, g link.Grant)
}

// ConsumerType is the component type a Consume parents its resources to.
const ConsumerType = "buckettest:index:Consumer"

// Run checks an implementation against the bucket contract.
func Run(t *testing.T, newBucket bucket.Constructor, cloud Cloud) {
	t.Run("contract", func(t *testing.T) {
		var outs map[string]any
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			b, err := newBucket(ctx, "images", &bucket.BucketArgs{ExpireDays: 30})
			if err != nil {
				return err
			}
			g, err := b.Grant(bucket.Use{Access: link.Read, Prefix: "originals/"}, bucket.Use{Access: link.Write, Prefix: "thumbnails/"})
			if err != nil {
				return err
			}
			outs = componenttest.Await(t, pulumi.Map{"name": b.Name})
			outs["env"] = componenttest.AwaitEnv(t, g.Env)["BUCKET"]
			cloud.Grant(t, g)
			if cloud.Consume != nil {
				cloud.Consume(ctx, t, g)
			}
			return nil
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		r.AssertContained(t, bucket.Type, "images", ConsumerType)
		if outs["name"] == "" || outs["name"] != outs["env"] {
			t.Errorf("BUCKET env %v must be the bucket's name %v", outs["env"], outs["name"])
		}
		cloud.Private(t, r)
	})
	t.Run("invalid", func(t *testing.T) {
		cases := map[string]struct {
			run  func(ctx *pulumi.Context) error
			want string
		}{
			"expiry": {func(ctx *pulumi.Context) error {
				_, err := newBucket(ctx, "images", &bucket.BucketArgs{ExpireDays: -1})
				return err
			}, `bucket "images": ExpireDays must be between 0 and 3650, got -1`},
			"prefix": {func(ctx *pulumi.Context) error {
				b, err := newBucket(ctx, "images", nil)
				if err != nil {
					return err
				}
				_, err = b.Grant(bucket.Use{Access: link.Read, Prefix: "originals*"})
				return err
			}, `bucket "images": prefix must be empty or end in / without wildcards, got "originals*"`},
			"access": {func(ctx *pulumi.Context) error {
				b, err := newBucket(ctx, "images", nil)
				if err != nil {
					return err
				}
				_, err = b.Grant(bucket.Use{Access: link.Publish})
				return err
			}, `bucket "images": access must be read or write, got "publish"`},
		}
		for name, tc := range cases {
			t.Run(name, func(t *testing.T) {
				r := componenttest.Run(t, tc.run)
				if r.Err == nil || !strings.Contains(r.Err.Error(), tc.want) {
					t.Errorf("want error %q, got %v", tc.want, r.Err)
				}
			})
		}
	})
}
