package service

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/function"
)

var _ Constructor = ContainerApps{}.New

// ContainerApps runs a service as a container app built by function.ContainerApps: min replicas
// MinInstances, an HTTP scale rule at Concurrency and, with TargetCPUPercent, a cpu scale rule.
// Its New is a [Constructor].
type ContainerApps struct {
	// Function is the Container Apps function implementation of the stack (resource group,
	// environment, registry, identities); its Images are replaced by the service's Image.
	Function function.ContainerApps
}

// New deploys the service on Container Apps.
func (c ContainerApps) New(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	return onContainerPlatform(ctx, name, args, opts, func(ServiceArgs) error { return nil }, func(a *function.FunctionArgs) (*function.Function, error) {
		fn := c.Function
		fn.Images = map[string]string{name: args.Image}
		return fn.New(ctx, name, a)
	})
}
