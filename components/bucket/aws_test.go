package bucket_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/bucket/buckettest"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
)

func TestAWSBucketConformance(t *testing.T) {
	buckettest.Run(t, bucket.NewAWSBucket, buckettest.Cloud{
		Private: func(t *testing.T, r componenttest.Result) {
			b := r.One(t, "aws:s3/bucketV2:BucketV2")
			name := componenttest.Str(b.Outputs, "bucket")
			block := r.One(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if componenttest.Prop(block.Inputs, k) != true {
					t.Errorf("public access block %s is not set", k)
				}
			}
			if got := componenttest.Str(block.Inputs, "bucket"); got != name {
				t.Errorf("public access block is on %q, want %q", got, name)
			}
			sse := r.One(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
			if got := componenttest.Str(sse.Inputs, "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm"); got != "AES256" {
				t.Errorf("encryption: want AES256, got %q", got)
			}
			if got := componenttest.Str(r.One(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").Inputs, "rule.objectOwnership"); got != "BucketOwnerEnforced" {
				t.Errorf("ownership: want BucketOwnerEnforced (no ACLs), got %q", got)
			}
			var policy struct {
				Statement []struct {
					Effect    string
					Condition map[string]map[string]string
				}
			}
			_ = json.Unmarshal([]byte(componenttest.Str(r.One(t, "aws:s3/bucketPolicy:BucketPolicy").Inputs, "policy")), &policy)
			if len(policy.Statement) != 1 || policy.Statement[0].Effect != "Deny" || policy.Statement[0].Condition["Bool"]["aws:SecureTransport"] != "false" {
				t.Errorf("bucket policy must deny requests without TLS, got %+v", policy)
			}
			lc := r.One(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
			got := []any{componenttest.Prop(lc.Inputs, "rules.0.abortIncompleteMultipartUpload.daysAfterInitiation"), componenttest.Prop(lc.Inputs, "rules.1.expiration.days")}
			if diff := cmp.Diff([]any{7.0, 30.0}, got); diff != "" {
				t.Errorf("lifecycle: abort uploads after 7 days, expire after 30 (-want +got):\n%s", diff)
			}
		},
		Grant: func(t *testing.T, g link.Grant) {
			got := componenttest.Statements(t, componenttest.Binding[link.AWSBinding](t, g).Statements)
			if len(got) != 3 {
				t.Fatalf("want 3 grants, got %v", got)
			}
			arn := strings.TrimSuffix(strings.TrimPrefix(got[0], "s3:GetObject on "), "/originals/*")
			want := []string{
				"s3:GetObject on " + arn + "/originals/*",
				// Listing under the prefix makes a missing original a 404, not a 403.
				"s3:ListBucket on " + arn + " if StringLike s3:prefix originals/*",
				"s3:PutObject on " + arn + "/thumbnails/*",
			}
			if diff := cmp.Diff(want, got); diff != "" || !strings.HasPrefix(arn, "arn:aws:s3:::") {
				t.Errorf("get and list on originals/ only, put on thumbnails/ only (-want +got):\n%s", diff)
			}
		},
	})
}
