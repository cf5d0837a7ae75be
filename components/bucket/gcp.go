package bucket

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/gcpstorage"
	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = GCP{}.New
	_ granter     = gcpGrants{}
)

// GCP creates Cloud Storage buckets. Its New is a [Constructor].
type GCP struct {
	// Location is the bucket's location: the stack's region (gcp:region, europe-west1), or a
	// multi-region (EU, US). Required.
	Location string
}

var gcpLocation = regexp.MustCompile(`^([a-z]+-[a-z]+[0-9]+|[A-Z]+[0-9]*)$`)

// The roles a grant gives, by the uses on one prefix.
const (
	roleObjectViewer  = "roles/storage.objectViewer"  // read: get and list objects
	roleObjectCreator = "roles/storage.objectCreator" // write: create objects, never overwrite or delete
	roleObjectUser    = "roles/storage.objectUser"    // read and write: also overwrite and delete
)

// New creates a bucket with uniform bucket-level access (IAM only, no ACLs), public access
// prevention enforced, and lifecycle rules: incomplete multipart uploads are aborted after 7
// days, objects deleted ExpireDays after they were written when ExpireDays is set.
func (g GCP) New(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	p := check.For("bucket", name)
	if g.Location == "" || !gcpLocation.MatchString(g.Location) {
		p.Add("Location must be a GCP region like europe-west1 (the stack's gcp:region) or a multi-region like EU, got %q", g.Location)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	b, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	rules := []gcpstorage.BucketLifecycleRuleArgs{{
		Action:    &gcpstorage.BucketLifecycleRuleActionArgs{Type: pulumi.String("AbortIncompleteMultipartUpload")},
		Condition: &gcpstorage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(7)},
	}}
	if a.ExpireDays > 0 {
		rules = append(rules, gcpstorage.BucketLifecycleRuleArgs{
			Action:    &gcpstorage.BucketLifecycleRuleActionArgs{Type: pulumi.String("Delete")},
			Condition: &gcpstorage.BucketLifecycleRuleConditionArgs{Age: pulumi.Int(a.ExpireDays)},
		})
	}
	bucket, err := gcpstorage.NewBucket(ctx, name, &gcpstorage.BucketArgs{
		Location: pulumi.String(g.Location),
		// IAM only: no ACL can make an object readable by anyone else, and IAM conditions (the
		// prefix grants) need it.
		UniformBucketLevelAccess: pulumi.Bool(true),
		PublicAccessPrevention:   pulumi.String("enforced"),
		ForceDestroy:             pulumi.Bool(a.ForceDestroy),
		LifecycleRules:           rules,
	}, pulumi.Parent(b))
	if err != nil {
		return nil, fmt.Errorf("cannot create bucket %q: %w", name, err)
	}
	b.Name = bucket.Name
	b.grants = gcpGrants{bucket: bucket.Name}
	return b, b.finish(ctx)
}

type gcpGrants struct{ bucket pulumi.StringOutput }

// bind makes one IAM member per prefix: objectViewer for read, objectCreator for write,
// objectUser for both, conditioned on the object name's prefix when there is one.
func (g gcpGrants) bind(uses []Use) link.Binding {
	var prefixes []string
	access := map[string]map[link.Access]bool{}
	for _, u := range uses {
		if access[u.Prefix] == nil {
			prefixes = append(prefixes, u.Prefix)
			access[u.Prefix] = map[link.Access]bool{}
		}
		access[u.Prefix][u.Access] = true
	}
	var out link.GCPBinding
	for _, prefix := range prefixes {
		out.Grants = append(out.Grants, g.member(prefix, access[prefix]))
	}
	return out
}

func (g gcpGrants) member(prefix string, access map[link.Access]bool) link.GCPApply {
	role, use := roleObjectUser, "readwrite"
	switch {
	case !access[link.Write]:
		role, use = roleObjectViewer, "read"
	case !access[link.Read]:
		role, use = roleObjectCreator, "write"
	}
	suffix := use
	if prefix != "" {
		suffix += "-" + strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(prefix, "/"), "/", "-"))
	}
	return func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
		args := &gcpstorage.BucketIAMMemberArgs{Bucket: g.bucket, Role: pulumi.String(role), Member: c.Member}
		if prefix != "" {
			args.Condition = &gcpstorage.BucketIAMMemberConditionArgs{
				Title:       pulumi.String(use + " " + prefix),
				Description: pulumi.String("objects under " + prefix + " only"),
				Expression:  PrefixCondition(g.bucket, prefix),
			}
		}
		m, err := gcpstorage.NewBucketIAMMember(ctx, name+"-"+suffix, args, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot grant %s on bucket %s: %w", role, prefix, err)
		}
		return link.GCPApplied{Ready: []pulumi.Resource{m}}, nil
	}
}

// PrefixCondition is the IAM condition that holds for the objects of bucket whose names start
// with prefix: Cloud Storage names an object projects/_/buckets/BUCKET/objects/NAME.
func PrefixCondition(bucket pulumi.StringInput, prefix string) pulumi.StringOutput {
	return pulumi.Sprintf(`resource.name.startsWith("projects/_/buckets/%s/objects/%s")`, bucket, prefix)
}
