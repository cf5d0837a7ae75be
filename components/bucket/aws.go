package bucket

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = NewAWSBucket
	_ granter     = awsGrants{}
)

// NewAWSBucket creates a private, encrypted S3 bucket.
func NewAWSBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	b, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	bucket, err := s3.NewBucketV2(ctx, name, &s3.BucketV2Args{ForceDestroy: pulumi.Bool(a.ForceDestroy)}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create bucket %q: %w", name, err)
	}
	block, err := s3.NewBucketPublicAccessBlock(ctx, name, &s3.BucketPublicAccessBlockArgs{
		Bucket:                bucket.ID(),
		BlockPublicAcls:       pulumi.Bool(true),
		BlockPublicPolicy:     pulumi.Bool(true),
		IgnorePublicAcls:      pulumi.Bool(true),
		RestrictPublicBuckets: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot block public access to bucket %q: %w", name, err)
	}
	if _, err := s3.NewBucketOwnershipControls(ctx, name, &s3.BucketOwnershipControlsArgs{
		Bucket: bucket.ID(),
		Rule:   s3.BucketOwnershipControlsRuleArgs{ObjectOwnership: pulumi.String("BucketOwnerEnforced")},
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot disable ACLs on bucket %q: %w", name, err)
	}
	if _, err := s3.NewBucketServerSideEncryptionConfigurationV2(ctx, name, &s3.BucketServerSideEncryptionConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules: s3.BucketServerSideEncryptionConfigurationV2RuleArray{
			s3.BucketServerSideEncryptionConfigurationV2RuleArgs{
				ApplyServerSideEncryptionByDefault: s3.BucketServerSideEncryptionConfigurationV2RuleApplyServerSideEncryptionByDefaultArgs{
					SseAlgorithm: pulumi.String("AES256"),
				},
			},
		},
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot encrypt bucket %q: %w", name, err)
	}
	if _, err := s3.NewBucketPolicy(ctx, name, &s3.BucketPolicyArgs{
		Bucket: bucket.ID(),
		Policy: bucket.Arn.ApplyT(denyInsecureTransport).(pulumi.StringOutput),
	}, parent, pulumi.DependsOn([]pulumi.Resource{block})); err != nil {
		return nil, fmt.Errorf("cannot require TLS on bucket %q: %w", name, err)
	}
	rules := s3.BucketLifecycleConfigurationV2RuleArray{
		s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:     pulumi.String("abort-incomplete-uploads"),
			Status: pulumi.String("Enabled"),
			Filter: s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			AbortIncompleteMultipartUpload: s3.BucketLifecycleConfigurationV2RuleAbortIncompleteMultipartUploadArgs{
				DaysAfterInitiation: pulumi.Int(7),
			},
		},
	}
	if a.ExpireDays > 0 {
		rules = append(rules, s3.BucketLifecycleConfigurationV2RuleArgs{
			Id:         pulumi.String("expire-objects"),
			Status:     pulumi.String("Enabled"),
			Filter:     s3.BucketLifecycleConfigurationV2RuleFilterArgs{Prefix: pulumi.String("")},
			Expiration: s3.BucketLifecycleConfigurationV2RuleExpirationArgs{Days: pulumi.Int(a.ExpireDays)},
		})
	}
	if _, err := s3.NewBucketLifecycleConfigurationV2(ctx, name, &s3.BucketLifecycleConfigurationV2Args{
		Bucket: bucket.ID(),
		Rules:  rules,
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot set lifecycle of bucket %q: %w", name, err)
	}
	b.Name = bucket.Bucket
	b.grants = awsGrants{arn: bucket.Arn}
	return b, b.finish(ctx)
}

// denyInsecureTransport is a bucket policy that refuses every request made without TLS.
func denyInsecureTransport(arn string) (string, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":       "DenyInsecureTransport",
			"Effect":    "Deny",
			"Principal": "*",
			"Action":    "s3:*",
			"Resource":  []string{arn, arn + "/*"},
			"Condition": map[string]any{"Bool": map[string]string{"aws:SecureTransport": "false"}},
		}},
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

type awsGrants struct{ arn pulumi.StringOutput }

func (g awsGrants) bind(uses []Use) link.Binding {
	var out link.AWSBinding
	for _, u := range uses {
		out.Statements = append(out.Statements, g.statements(u.Access, u.Prefix)...)
	}
	return out
}

// statements are what one use needs: the action on the prefix, and for reads listing under it.
func (g awsGrants) statements(access link.Access, prefix string) []link.Statement {
	action := map[link.Access]string{link.Read: "s3:GetObject", link.Write: "s3:PutObject"}[access]
	out := []link.Statement{{
		Actions:   []string{action},
		Resources: pulumi.StringArray{pulumi.Sprintf("%s/%s*", g.arn, prefix)},
	}}
	if access == link.Read {
		// S3 answers a GET of a missing key with 404 only to a caller that may list the bucket,
		// and with 403 otherwise. Listing is granted on the bucket (ListBucket has no object
		// resource) and, for a prefix, only for listings under it.
		list := link.Statement{Actions: []string{"s3:ListBucket"}, Resources: pulumi.StringArray{g.arn}}
		if prefix != "" {
			list.Conditions = []link.Condition{{Operator: "StringLike", Key: "s3:prefix", Values: []string{prefix + "*"}}}
		}
		out = append(out, list)
	}
	return out
}
