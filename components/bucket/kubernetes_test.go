package bucket_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/bucket/buckettest"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
)

var store = bucket.S3Compatible{Endpoint: "https://s3.example.test", Bucket: "images-local", CredentialsSecret: "images-s3"}

func TestS3CompatibleBucketConformance(t *testing.T) {
	buckettest.Run(t, store.New, buckettest.Cloud{
		Private: func(t *testing.T, r componenttest.Result) {
			// The bucket is the store's: nothing is created in the cluster, nothing public.
			if len(r.Resources) != 1 || r.Resources[0].Type != bucket.Type {
				t.Errorf("want only the component, got %d resources", len(r.Resources))
			}
		},
		Grant: func(t *testing.T, g link.Grant) {
			b := componenttest.Binding[link.KubernetesBinding](t, g)
			got := componenttest.AwaitEnv(t, b.SharedEnv)
			want := map[string]any{
				"AWS_ENDPOINT_URL_S3":   "https://s3.example.test",
				"AWS_REGION":            "us-east-1",
				"AWS_ACCESS_KEY_ID":     "secret images-s3 AWS_ACCESS_KEY_ID",
				"AWS_SECRET_ACCESS_KEY": "secret images-s3 AWS_SECRET_ACCESS_KEY",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("the S3 SDK's settings, the keys by secretKeyRef (-want +got):\n%s", diff)
			}
			if b.Subscription != nil || len(b.Env) != 0 {
				t.Errorf("a bucket grant has no subscription and no further env, got %+v", b)
			}
		},
	})
}

func TestS3CompatibleBucketInvalid(t *testing.T) {
	cases := map[string]struct {
		s    bucket.S3Compatible
		want []string
	}{
		"missing": {
			s: bucket.S3Compatible{},
			want: []string{
				`bucket "images": Endpoint is required on kubernetes`,
				`bucket "images": Bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, . and -), got ""`,
				`bucket "images": CredentialsSecret must name a Secret (a DNS subdomain) with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, got ""`,
			},
		},
		"plain http outside": {
			s:    bucket.S3Compatible{Endpoint: "http://s3.example.test", Bucket: "b-1", CredentialsSecret: "s"},
			want: []string{`bucket "images": Endpoint must be https:// outside the cluster`},
		},
		"not a url": {
			s:    bucket.S3Compatible{Endpoint: "s3.example.test", Bucket: "b-1", CredentialsSecret: "s"},
			want: []string{`bucket "images": Endpoint must be an http(s):// URL, got "s3.example.test"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.s.New(ctx, "images", nil)
				return err
			}, tc.want...)
		})
	}
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		_, err := bucket.S3Compatible{Endpoint: "http://minio.storage.svc.cluster.local:9000", Bucket: "images", CredentialsSecret: "minio"}.New(ctx, "images", nil)
		return err
	})
	if r.Err != nil {
		t.Errorf("plain http to an in-cluster Service is allowed: %v", r.Err)
	}
}
