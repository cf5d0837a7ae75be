package foundation

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/artifactregistry"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// GCP is a project's foundation.
type GCP struct {
	// Provider is the explicit gcp provider every component uses; it depends on the APIs.
	Provider pulumi.ProviderResource
	// Registry is REGION-docker.pkg.dev/PROJECT/REPOSITORY, where the images are pushed.
	Registry string
}

// GCPArgs describe a project's foundation.
type GCPArgs struct {
	// Project is the project id (gcp:project). Required.
	Project string
	// Region is the provider's region (gcp:region), and the repository's. Required.
	Region string
	// APIs are the services enabled, like run.googleapis.com; each is a resource named after it
	// without ".googleapis.com".
	APIs []string
	// Repository is the Artifact Registry repository id (Docker format). Required.
	Repository string
}

var gcpRepository = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// NewGCP enables the APIs, makes the provider (named name) depending on them, and the
// repository "images" through it.
func NewGCP(ctx *pulumi.Context, name string, args *GCPArgs) (*GCP, error) {
	if args == nil {
		args = &GCPArgs{}
	}
	p := check.For("gcp foundation", name)
	if args.Project == "" {
		p.Add("Project is required (gcp:project)")
	}
	if args.Region == "" {
		p.Add("Region is required (gcp:region)")
	}
	if !gcpRepository.MatchString(args.Repository) {
		p.Add("Repository must be an Artifact Registry repository id (lower-case letters, digits and -, starting with a letter), got %q", args.Repository)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	var apis []pulumi.Resource
	for _, api := range args.APIs {
		svc, err := projects.NewService(ctx, strings.TrimSuffix(api, ".googleapis.com"), &projects.ServiceArgs{
			Project: pulumi.String(args.Project),
			Service: pulumi.String(api),
			// Other stacks of the project may use it: destroying this one leaves it on.
			DisableOnDestroy: pulumi.Bool(false),
		})
		if err != nil {
			return nil, fmt.Errorf("cannot enable %s: %w", api, err)
		}
		apis = append(apis, svc)
	}
	provider, err := gcp.NewProvider(ctx, name, &gcp.ProviderArgs{
		Project: pulumi.String(args.Project),
		Region:  pulumi.String(args.Region),
	}, pulumi.DependsOn(apis))
	if err != nil {
		return nil, fmt.Errorf("cannot create the gcp provider: %w", err)
	}
	if _, err := artifactregistry.NewRepository(ctx, "images", &artifactregistry.RepositoryArgs{
		Location:     pulumi.String(args.Region),
		RepositoryId: pulumi.String(args.Repository),
		Format:       pulumi.String("DOCKER"),
		Description:  pulumi.String("The nimbus functions' container images, pushed with artifact.Push"),
	}, pulumi.Provider(provider)); err != nil {
		return nil, fmt.Errorf("cannot create the Artifact Registry repository %s: %w", args.Repository, err)
	}
	return &GCP{Provider: provider, Registry: fmt.Sprintf("%s-docker.pkg.dev/%s/%s", args.Region, args.Project, args.Repository)}, nil
}
