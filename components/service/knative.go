package service

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/function"
)

var _ Constructor = Knative{}.New

// Knative runs a service as a Knative Service (serving.knative.dev/v1) built by
// function.Knative, always up. Its New is a [Constructor].
type Knative struct {
	// Function is the Knative function implementation of the stack (namespace, CPU,
	// concurrency, domain); its Images are replaced by the service's Image.
	Function function.Knative
}

// New deploys the service on Knative.
func (k Knative) New(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	return onContainerPlatform(ctx, name, args, opts, wrapCheck(name, scalesOnRequests("Knative (its autoscaler, KPA)")), func(a *function.FunctionArgs) (*function.Function, error) {
		fn := k.Function
		fn.Images = map[string]string{name: args.Image}
		return fn.New(ctx, name, a)
	})
}

// wrapCheck names the service in a cloud check's error.
func wrapCheck(name string, check func(ServiceArgs) error) func(ServiceArgs) error {
	return func(a ServiceArgs) error {
		if err := check(a); err != nil {
			return fmt.Errorf("service %q: %w", name, err)
		}
		return nil
	}
}
