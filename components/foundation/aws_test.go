package foundation_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/foundation"
)

// TestNewAWS checks the registry is the account's and region's, and each image gets an
// immutable, scanned repository under the prefix.
func TestNewAWS(t *testing.T) {
	var registry string
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		a, err := foundation.NewAWS(ctx, "aws", &foundation.AWSArgs{Prefix: "nimbus", Images: []string{"api-server-aws"}})
		if err != nil {
			return err
		}
		registry = a.Registry
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if want := "123456789012.dkr.ecr.eu-west-1.amazonaws.com/nimbus"; registry != want {
		t.Errorf("registry %q, want %q", registry, want)
	}
	repo := r.Named(t, "aws:ecr/repository:Repository", "api-server-aws")
	got := []any{componenttest.Prop(repo.Inputs, "name"), componenttest.Prop(repo.Inputs, "imageTagMutability"), componenttest.Prop(repo.Inputs, "imageScanningConfiguration.scanOnPush")}
	if diff := cmp.Diff([]any{"nimbus/api-server-aws", "IMMUTABLE", true}, got); diff != "" {
		t.Errorf("repository (-want +got):\n%s", diff)
	}
}

func TestNewAWSInvalid(t *testing.T) {
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := foundation.NewAWS(ctx, "aws", &foundation.AWSArgs{Prefix: "Nimbus!"})
		return err
	}, `aws foundation "aws": Prefix must be an ECR repository namespace`, "Images must list at least one image")
}
