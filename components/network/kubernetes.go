package network

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/k8score"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

var (
	_ Constructor = Kubernetes{}.New
	_ Placement   = (*KubernetesPlacement)(nil)
)

// KubernetesPlacement is what a workload needs to sit in a Kubernetes network: its namespace.
type KubernetesPlacement struct {
	// Namespace is the namespace's name, an output of the Namespace when the network creates it,
	// so consumers are created after it.
	Namespace pulumi.StringOutput
}

// Cloud is "kubernetes".
func (*KubernetesPlacement) Cloud() string { return "kubernetes" }

// Kubernetes places workloads in a namespace. Its New is a [Constructor].
type Kubernetes struct {
	// Namespace is the namespace's name: a DNS label, default "nimbus".
	Namespace string
	// Existing uses the namespace as it is instead of creating it.
	Existing bool
}

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// New creates the namespace (or adopts an existing one). A cluster has no subnets or VPCs to
// adopt: ExistingVpcID and ExistingSubnetIDs are rejected, CIDR and Zones are checked and unused.
func (k Kubernetes) New(ctx *pulumi.Context, name string, args *NetworkArgs, opts ...pulumi.ResourceOption) (*Network, error) {
	check.Default(&k.Namespace, "nimbus")
	p := check.For("network", name)
	if args != nil && (args.ExistingVpcID != "" || len(args.ExistingSubnetIDs) > 0) {
		p.Add("ExistingVpcID and ExistingSubnetIDs are AWS settings; on kubernetes the network is a namespace (use an existing one by its name instead), got %q and %v", args.ExistingVpcID, args.ExistingSubnetIDs)
	}
	if !dnsLabel.MatchString(k.Namespace) {
		p.Add("Namespace must be a DNS label (lower-case letters, digits and -, at most 63), got %q", k.Namespace)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	n, _, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	ns := pulumi.String(k.Namespace).ToStringOutput()
	if !k.Existing {
		created, err := k8score.NewNamespace(ctx, name, &k8score.NamespaceArgs{
			Metadata: &k8score.ObjectMetaArgs{
				Name:   pulumi.String(k.Namespace),
				Labels: pulumi.StringMap{"app.kubernetes.io/managed-by": pulumi.String("nimbus")},
				// Deleting a namespace completes only once the namespace controller has emptied
				// it and removed its finalizer; on an API server without controllers (the engine
				// tests) that never happens. Pulumi deletes everything in it first anyway, so
				// nothing waits on the namespace's own deletion. The only object that skips awaiting.
				Annotations: pulumi.StringMap{"pulumi.com/skipAwait": pulumi.String("true")},
			},
		}, pulumi.Parent(n))
		if err != nil {
			return nil, fmt.Errorf("cannot create namespace %q: %w", k.Namespace, err)
		}
		ns = rawres.String(created.Metadata, "name")
	}
	n.ID = ns
	n.PrivateSubnetIDs = pulumi.StringArray{}.ToStringArrayOutput()
	n.Placement = &KubernetesPlacement{Namespace: ns}
	return n, n.finish(ctx)
}
