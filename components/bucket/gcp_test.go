package bucket_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/bucket/buckettest"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
)

var gcpBucket = bucket.GCP{Location: "europe-west1"}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fakeConsumer stands for the Cloud Run function: its service account, then the binding's
// grants for it, under the consumer's component.
func fakeConsumer(ctx *pulumi.Context, t *testing.T, g link.Grant) link.GCPApplied {
	t.Helper()
	b := componenttest.Binding[link.GCPBinding](t, g)
	var fn struct{ pulumi.ResourceState }
	if err := ctx.RegisterComponentResource(buckettest.ConsumerType, "api", &fn); err != nil {
		t.Fatal(err)
	}
	sa, err := serviceaccount.NewAccount(ctx, "api", &serviceaccount.AccountArgs{AccountId: pulumi.String("api-fn")}, pulumi.Parent(&fn))
	if err != nil {
		t.Fatal(err)
	}
	applied, err := link.ApplyGCPGrants(ctx, "api-images", b, link.GCPConsumer{Email: sa.Email, Member: link.GCPServiceAccountMember(sa.Email)}, pulumi.Parent(&fn))
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

func TestGCPBucketConformance(t *testing.T) {
	var applied link.GCPApplied
	buckettest.Run(t, gcpBucket.New, buckettest.Cloud{
		Private: func(t *testing.T, r componenttest.Result) {
			b := r.One(t, "gcp:storage/bucket:Bucket")
			got := map[string]any{
				"location":                 componenttest.Prop(b.Inputs, "location"),
				"uniformBucketLevelAccess": componenttest.Prop(b.Inputs, "uniformBucketLevelAccess"),
				"publicAccessPrevention":   componenttest.Prop(b.Inputs, "publicAccessPrevention"),
				"forceDestroy":             componenttest.Prop(b.Inputs, "forceDestroy"),
				"lifecycleRules":           componenttest.Prop(b.Inputs, "lifecycleRules"),
			}
			want := map[string]any{
				"location": "europe-west1", "uniformBucketLevelAccess": true, "publicAccessPrevention": "enforced", "forceDestroy": false,
				"lifecycleRules": []any{
					map[string]any{"action": map[string]any{"type": "AbortIncompleteMultipartUpload"}, "condition": map[string]any{"age": 7.0}},
					map[string]any{"action": map[string]any{"type": "Delete"}, "condition": map[string]any{"age": 30.0}},
				},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("IAM only, public access prevented, uploads aborted after 7 days, expiry after 30 (-want +got):\n%s", diff)
			}
			name := componenttest.Str(b.Outputs, "name")
			sa := r.One(t, "gcp:serviceaccount/account:Account")
			var members []string
			for _, m := range r.ByType("gcp:storage/bucketIAMMember:BucketIAMMember") {
				line := m.Name + ": " + componenttest.Str(m.Inputs, "role") + " on " + componenttest.Str(m.Inputs, "bucket") + " for " + componenttest.Str(m.Inputs, "member") +
					" if " + componenttest.Str(m.Inputs, "condition.expression")
				members = append(members, line)
				if !contains(m.Dependencies, sa.URN) {
					t.Errorf("IAM member %s must be created after the consumer's service account", m.Name)
				}
			}
			sort.Strings(members)
			sa1 := "serviceAccount:api-fn@nimbus-project.iam.gserviceaccount.com"
			wantMembers := []string{
				"api-images-read-originals: roles/storage.objectViewer on " + name + " for " + sa1 +
					` if resource.name.startsWith("projects/_/buckets/` + name + `/objects/originals/")`,
				"api-images-write-thumbnails: roles/storage.objectCreator on " + name + " for " + sa1 +
					` if resource.name.startsWith("projects/_/buckets/` + name + `/objects/thumbnails/")`,
			}
			if diff := cmp.Diff(wantMembers, members); diff != "" {
				t.Errorf("read on originals/ only, write on thumbnails/ only, for the consumer (-want +got):\n%s", diff)
			}
			if len(applied.Ready) != 2 || len(applied.Env) != 0 {
				t.Errorf("the consumer waits for both members and gets no further env, got %+v", applied)
			}
			if g := r.Cloud.Generic(); len(g) > 0 {
				t.Errorf("every GCP type has a fake cloud model, these used the generic one: %v", g)
			}
		},
		Grant: func(t *testing.T, g link.Grant) {
			b := componenttest.Binding[link.GCPBinding](t, g)
			if len(b.Grants) != 2 || len(b.Deliveries) != 0 || len(b.Env) != 0 {
				t.Errorf("a grant per prefix, nothing delivered, no further env, got %+v", b)
			}
		},
		Consume: func(ctx *pulumi.Context, t *testing.T, g link.Grant) {
			applied = fakeConsumer(ctx, t, g)
		},
	})
}

// TestGCPBucketRoles checks the role and condition each set of uses on a prefix gets.
func TestGCPBucketRoles(t *testing.T) {
	cases := map[string]struct {
		reason string
		uses   []bucket.Use
		want   []string
	}{
		"read all": {
			reason: "read on the whole bucket is objectViewer without a condition",
			uses:   []bucket.Use{{Access: link.Read}},
			want:   []string{"api-images-read: roles/storage.objectViewer if "},
		},
		"read and write one prefix": {
			reason: "read and write on one prefix is one objectUser member, conditioned on the prefix",
			uses:   []bucket.Use{{Access: link.Write, Prefix: "a/b/"}, {Access: link.Read, Prefix: "a/b/"}},
			want:   []string{`api-images-readwrite-a-b: roles/storage.objectUser if resource.name.startsWith("projects/_/buckets/BUCKET/objects/a/b/")`},
		},
		"write all": {
			reason: "write alone is objectCreator, which cannot overwrite or delete",
			uses:   []bucket.Use{{Access: link.Write}},
			want:   []string{"api-images-write: roles/storage.objectCreator if "},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var bucketName string
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				b, err := gcpBucket.New(ctx, "images", nil)
				if err != nil {
					return err
				}
				g, err := b.Grant(tc.uses...)
				if err != nil {
					return err
				}
				fakeConsumer(ctx, t, g)
				bucketName = componenttest.Await(t, pulumi.Map{"n": b.Name})["n"].(string)
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			var got []string
			for _, m := range r.ByType("gcp:storage/bucketIAMMember:BucketIAMMember") {
				cond := componenttest.Str(m.Inputs, "condition.expression")
				got = append(got, m.Name+": "+componenttest.Str(m.Inputs, "role")+" if "+strings.ReplaceAll(cond, bucketName, "BUCKET"))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := bucket.GCP{}.New(ctx, "images", nil)
		return err
	}, `bucket "images": Location must be a GCP region like europe-west1 (the stack's gcp:region) or a multi-region like EU, got ""`)
}
