package service

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/function"
)

var _ Constructor = CloudRun{}.New

// CloudRun runs a service as a Cloud Run v2 service built by function.CloudRun, with CPU always
// allocated and at least MinInstances up. Its New is a [Constructor].
type CloudRun struct {
	// Function is the Cloud Run function implementation of the stack (region, deletion
	// protection, concurrency); its Images are replaced by the service's Image and its CPU by
	// the service's.
	Function function.CloudRun
}

// New deploys the service on Cloud Run.
func (c CloudRun) New(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	return onContainerPlatform(ctx, name, args, opts, wrapCheck(name, scalesOnRequests("Cloud Run (its autoscaler keeps CPU at 60% and requests at Concurrency on its own)")), func(a *function.FunctionArgs) (*function.Function, error) {
		fn := c.Function
		fn.Images = map[string]string{name: args.Image}
		return fn.New(ctx, name, a)
	})
}
