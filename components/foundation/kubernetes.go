package foundation

import (
	"fmt"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// KubernetesArgs choose where the Kubernetes provider applies.
type KubernetesArgs struct {
	// Context is the kubeconfig context; empty uses the kubeconfig's current one.
	Context string
	// RenderDir, when set, renders the manifests to this folder instead of applying them.
	RenderDir string
}

// NewKubernetes makes the one explicit kubernetes provider (named name) of a stack.
func NewKubernetes(ctx *pulumi.Context, name string, args *KubernetesArgs) (pulumi.ProviderResource, error) {
	if args == nil {
		args = &KubernetesArgs{}
	}
	p := check.For("kubernetes foundation", name)
	if args.Context != "" && args.RenderDir != "" {
		p.Add("Context and RenderDir are exclusive: apply to a cluster or render to a folder, got both")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	pargs := &kubernetes.ProviderArgs{}
	if args.Context != "" {
		pargs.Context = pulumi.StringPtr(args.Context)
	}
	if args.RenderDir != "" {
		pargs.RenderYamlToDirectory = pulumi.StringPtr(args.RenderDir)
	}
	provider, err := kubernetes.NewProvider(ctx, name, pargs)
	if err != nil {
		return nil, fmt.Errorf("cannot create the kubernetes provider: %w", err)
	}
	return provider, nil
}
