// Package gcpstorage is the few Cloud Storage resources nimbus creates (a bucket and IAM members
// on it), as typed wrappers registered with package rawres instead of pulumi-gcp's storage
// package, which registers every storage output type at init and so puts about 18,000 symbols
// in the program binary that the linker cannot drop (issue 9). Each wrapper has only the
// properties nimbus sets or reads, and NewX passes the resource options the typed SDK's NewX
// adds; schema_test.go pins tokens, names, types and those options to the SDK's generated code.
package gcpstorage

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// GCP is pulumi-gcp as its Go SDK (sdk/v9 v9.37.0, go.mod) registers resources, so these share
// the default provider (and any explicit one) with the other gcp resources.
var GCP = rawres.Package{Name: "gcp", Version: "9.37.0"}

// BucketType is a Cloud Storage bucket.
var BucketType = rawres.Type[BucketArgs]{Package: GCP, Token: "gcp:storage/bucket:Bucket"}

// BucketSecretOutputs are the outputs the typed SDK's NewBucket marks secret
// (pulumi.AdditionalSecretOutputs): the labels merged from the provider's defaults, secret so
// that a label given as a secret does not show in them.
var BucketSecretOutputs = []string{"effectiveLabels", "pulumiLabels"}

// BucketArgs are a bucket's inputs.
type BucketArgs struct {
	// Location is a region (europe-west1) or a multi-region (EU).
	Location pulumi.StringInput `pulumi:"location"`
	// UniformBucketLevelAccess makes IAM the only access control (no object ACLs).
	UniformBucketLevelAccess pulumi.BoolPtrInput `pulumi:"uniformBucketLevelAccess"`
	// PublicAccessPrevention is "enforced" or "inherited" (the organization policy's).
	PublicAccessPrevention pulumi.StringPtrInput `pulumi:"publicAccessPrevention"`
	// ForceDestroy deletes the objects when the bucket is deleted; otherwise deleting a
	// non-empty bucket fails.
	ForceDestroy pulumi.BoolPtrInput `pulumi:"forceDestroy"`
	// LifecycleRules act on objects that meet their condition.
	LifecycleRules []BucketLifecycleRuleArgs `pulumi:"lifecycleRules"`
	// Name is autonamed when nil.
	Name pulumi.StringPtrInput `pulumi:"name"`
}

// BucketLifecycleRuleArgs is one lifecycle rule: an action on the objects meeting a condition.
type BucketLifecycleRuleArgs struct {
	Action    *BucketLifecycleRuleActionArgs    `pulumi:"action,required"`
	Condition *BucketLifecycleRuleConditionArgs `pulumi:"condition,required"`
}

// BucketLifecycleRuleActionArgs is a lifecycle rule's action.
type BucketLifecycleRuleActionArgs struct {
	// Type is Delete, SetStorageClass or AbortIncompleteMultipartUpload.
	Type pulumi.StringInput `pulumi:"type"`
}

// BucketLifecycleRuleConditionArgs is a lifecycle rule's condition.
type BucketLifecycleRuleConditionArgs struct {
	// Age is the object's age in days.
	Age pulumi.IntPtrInput `pulumi:"age"`
}

// Bucket is a bucket's outputs.
type Bucket struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewBucket registers a bucket.
func NewBucket(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	opts = append(opts, pulumi.AdditionalSecretOutputs(BucketSecretOutputs))
	return rawres.New[Bucket](ctx, BucketType, name, args, opts...)
}

// BucketIAMMemberType is one member's role on a bucket, added to its IAM policy beside the
// others (non-authoritative).
var BucketIAMMemberType = rawres.Type[BucketIAMMemberArgs]{Package: GCP, Token: "gcp:storage/bucketIAMMember:BucketIAMMember"}

// BucketIAMMemberArgs are an IAM member's inputs.
type BucketIAMMemberArgs struct {
	// Bucket is the bucket's name.
	Bucket pulumi.StringInput `pulumi:"bucket"`
	// Role is a role, roles/storage.objectViewer.
	Role pulumi.StringInput `pulumi:"role"`
	// Member is the principal, serviceAccount:EMAIL.
	Member pulumi.StringInput `pulumi:"member"`
	// Condition limits the grant to what its expression holds for; none when nil.
	Condition *BucketIAMMemberConditionArgs `pulumi:"condition"`
}

// BucketIAMMemberConditionArgs is an IAM condition.
type BucketIAMMemberConditionArgs struct {
	// Title and Expression (CEL) with Role identify the binding.
	Title       pulumi.StringInput    `pulumi:"title"`
	Expression  pulumi.StringInput    `pulumi:"expression"`
	Description pulumi.StringPtrInput `pulumi:"description"`
}

// BucketIAMMember is an IAM member's outputs; nimbus reads none, it waits on the resource.
type BucketIAMMember struct {
	pulumi.CustomResourceState
}

// NewBucketIAMMember registers an IAM member of a bucket.
func NewBucketIAMMember(ctx *pulumi.Context, name string, args *BucketIAMMemberArgs, opts ...pulumi.ResourceOption) (*BucketIAMMember, error) {
	return rawres.New[BucketIAMMember](ctx, BucketIAMMemberType, name, args, opts...)
}
