package foundation

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsecs"
	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// AWS is what an AWS stack's containers need before any service: where their images are.
type AWS struct {
	// Registry is ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX: an image IMAGE is pushed to
	// Registry/IMAGE, a repository this foundation creates.
	Registry string
	// Repositories are the repositories created, by image name.
	Repositories map[string]*awsecs.Repository
}

// AWSArgs describe an AWS stack's foundation.
type AWSArgs struct {
	// Prefix is the repositories' namespace: PREFIX/IMAGE. Required.
	Prefix string
	// Images are the image names, one repository each.
	Images []string
	// ForceDelete lets a destroy delete repositories that still hold images (development).
	ForceDelete bool
}

var ecrPrefix = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)

// NewAWS creates one ECR repository per image: tags immutable (a deploy names a digest anyway,
// and a tag cannot be moved under it), scanned on push, encrypted. The account and region come
// from the provider's credentials and aws:region.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs) (*AWS, error) {
	if args == nil {
		args = &AWSArgs{}
	}
	p := check.For("aws foundation", name)
	if !ecrPrefix.MatchString(args.Prefix) {
		p.Add("Prefix must be an ECR repository namespace (lower-case letters and digits, separated by ., _, - or /), got %q", args.Prefix)
	}
	if len(args.Images) == 0 {
		p.Add("Images must list at least one image")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	caller, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read the AWS account: %w", err)
	}
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read the AWS region: %w", err)
	}
	out := &AWS{
		Registry:     fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s", caller.AccountId, region.Name, args.Prefix),
		Repositories: map[string]*awsecs.Repository{},
	}
	for _, image := range args.Images {
		repo, err := awsecs.NewRepository(ctx, image, &awsecs.RepositoryArgs{
			Name:               pulumi.String(args.Prefix + "/" + image),
			ImageTagMutability: pulumi.String("IMMUTABLE"),
			ImageScanningConfiguration: &awsecs.RepositoryImageScanningConfigurationArgs{
				ScanOnPush: pulumi.Bool(true),
			},
			EncryptionConfigurations: []awsecs.RepositoryEncryptionConfigurationArgs{{EncryptionType: pulumi.String("AES256")}},
			ForceDelete:              pulumi.Bool(args.ForceDelete),
		})
		if err != nil {
			return nil, fmt.Errorf("cannot create the ECR repository %s/%s: %w", args.Prefix, image, err)
		}
		out.Repositories[image] = repo
	}
	return out, nil
}
