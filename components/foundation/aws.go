package foundation

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecr"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// AWS is an account's foundation for container images.
type AWS struct {
	// Images are the images' references without a digest, ACCOUNT.dkr.ecr.REGION.amazonaws.com/
	// REPOSITORY/IMAGE, by image name: append "@sha256:HEX".
	Images map[string]string
	// Repositories are the ECR repositories, by image name.
	Repositories map[string]*ecr.Repository
}

// AWSArgs describe the ECR repositories a stack keeps its images in.
type AWSArgs struct {
	// Repository is the repositories' common prefix: each image is REPOSITORY/IMAGE. Required.
	Repository string
	// Images are the images' names (api-server-aws). At least one.
	Images []string
	// ForceDelete lets a destroy delete a repository that still holds images.
	ForceDelete bool
}

var ecrName = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$`)

// NewAWS makes an ECR repository per image, named NAME-IMAGE: tags immutable (a deploy names an
// image by digest; a tag must not move under it), scanned on push, encrypted with AES-256. The
// registry's host is the account's (the getCallerIdentity invoke) in the provider's region (the
// getRegion invoke), so the references are known when the program runs.
func NewAWS(ctx *pulumi.Context, name string, args *AWSArgs) (*AWS, error) {
	if args == nil {
		args = &AWSArgs{}
	}
	p := check.For("aws foundation", name)
	if !ecrName.MatchString(args.Repository) {
		p.Add("Repository must be an ECR repository name (lower-case letters and digits separated by . _ - or /), got %q", args.Repository)
	}
	if len(args.Images) == 0 {
		p.Add("Images must name at least one image")
	}
	for i, img := range args.Images {
		if !ecrName.MatchString(img) {
			p.Add("Images[%d] must be an image name of lower-case letters and digits separated by . _ or -, got %q", i, img)
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	account, err := aws.GetCallerIdentity(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read the AWS account for the image repositories: %w", err)
	}
	region, err := aws.GetRegion(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot read the AWS region for the image repositories: %w", err)
	}
	out := &AWS{Images: map[string]string{}, Repositories: map[string]*ecr.Repository{}}
	for _, img := range args.Images {
		repo, err := ecr.NewRepository(ctx, name+"-"+img, &ecr.RepositoryArgs{
			Name:               pulumi.String(args.Repository + "/" + img),
			ImageTagMutability: pulumi.String("IMMUTABLE"),
			ImageScanningConfiguration: &ecr.RepositoryImageScanningConfigurationArgs{
				ScanOnPush: pulumi.Bool(true),
			},
			EncryptionConfigurations: ecr.RepositoryEncryptionConfigurationArray{
				ecr.RepositoryEncryptionConfigurationArgs{EncryptionType: pulumi.String("AES256")},
			},
			ForceDelete: pulumi.Bool(args.ForceDelete),
		})
		if err != nil {
			return nil, fmt.Errorf("cannot create the ECR repository of image %s: %w", img, err)
		}
		out.Repositories[img] = repo
		out.Images[img] = fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s/%s", account.AccountId, region.Name, args.Repository, img)
	}
	return out, nil
}
