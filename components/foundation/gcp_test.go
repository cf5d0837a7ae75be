package foundation_test

import (
	"slices"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/foundation"
)

// TestNewGCP checks every API is enabled and left on at destroy, the provider waits for all of
// them, and the repository is made through it.
func TestNewGCP(t *testing.T) {
	var registry string
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		g, err := foundation.NewGCP(ctx, "gcp", &foundation.GCPArgs{Project: "nimbus-dev", Region: "europe-west1",
			APIs: []string{"run.googleapis.com", "pubsub.googleapis.com"}, Repository: "nimbus"})
		if err != nil {
			return err
		}
		registry = g.Registry
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if registry != "europe-west1-docker.pkg.dev/nimbus-dev/nimbus" {
		t.Errorf("registry %q", registry)
	}
	provider := r.One(t, "pulumi:providers:gcp")
	for _, api := range []string{"run", "pubsub"} {
		svc := r.Named(t, "gcp:projects/service:Service", api)
		if componenttest.Prop(svc.Inputs, "disableOnDestroy") != false {
			t.Errorf("API %s is disabled on destroy", api)
		}
		if !slices.Contains(provider.Dependencies, svc.URN) {
			t.Errorf("the provider does not wait for API %s", api)
		}
	}
	repo := r.One(t, "gcp:artifactregistry/repository:Repository")
	if componenttest.Str(repo.Inputs, "repositoryId") != "nimbus" || componenttest.Str(repo.Inputs, "format") != "DOCKER" {
		t.Errorf("repository inputs %v", repo.Inputs)
	}
}

func TestFoundationInvalid(t *testing.T) {
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := foundation.NewGCP(ctx, "gcp", &foundation.GCPArgs{Repository: "Bad_Repo"})
		return err
	},
		`gcp foundation "gcp": Project is required (gcp:project)`,
		`gcp foundation "gcp": Region is required (gcp:region)`,
		`gcp foundation "gcp": Repository must be an Artifact Registry repository id`)
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := foundation.NewKubernetes(ctx, "kubernetes", &foundation.KubernetesArgs{Context: "kind", RenderDir: "out"})
		return err
	}, `kubernetes foundation "kubernetes": Context and RenderDir are exclusive`)
}
