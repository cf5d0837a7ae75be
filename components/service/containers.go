package service

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/function"
)

// onContainerPlatform deploys a service with the function implementation of its platform
// (Knative, Cloud Run, Container Apps), which builds everything a container needs there: its
// identity, its links' grants and settings, its image pull, its network placement, its probes.
// The service passes its image, size, port, health path, instance bounds and reach as a
// function.ContainerArgs; the function's own checks run before the service's component is
// registered, so a bad value registers nothing.
func onContainerPlatform(ctx *pulumi.Context, name string, args *ServiceArgs, opts []pulumi.ResourceOption,
	checkCloud func(ServiceArgs) error, deploy func(a *function.FunctionArgs) (*function.Function, error)) (*Service, error) {
	a, err := prepare(name, args, checkCloud)
	if err != nil {
		return nil, err
	}
	var s *Service
	fn, err := deploy(&function.FunctionArgs{
		// The image's digest is the code's hash.
		CodeHash:         strings.TrimPrefix(a.Image[strings.LastIndex(a.Image, "@")+1:], "sha256:"),
		MemoryMB:         a.MemoryMB,
		TimeoutSeconds:   a.TimeoutSeconds,
		WarmInstances:    a.MinInstances,
		MaxInstances:     a.MaxInstances,
		HTTP:             &function.HTTPArgs{},
		Links:            a.Links,
		Env:              a.Env,
		Network:          a.Network,
		LogRetentionDays: a.LogRetentionDays,
		DeployAfter:      a.DeployAfter,
		Container: &function.ContainerArgs{
			Component: func() (pulumi.Resource, error) {
				s, err = component(ctx, name, opts)
				return s, err
			},
			Port:             a.Port,
			HealthPath:       a.HealthCheckPath,
			CPU:              a.CPU,
			Concurrency:      a.Concurrency,
			TargetCPUPercent: a.TargetCPUPercent,
			Public:           a.Public,
		},
	})
	if err != nil {
		if s == nil {
			// A check of the platform's: name the service, as the service's own checks do.
			return nil, errors.New(strings.ReplaceAll(err.Error(), fmt.Sprintf("function %q: ", name), fmt.Sprintf("service %q: ", name)))
		}
		return nil, err
	}
	s.Name, s.URL, s.Identity = fn.Name, fn.URL, fn.Identity
	return s, s.finish(ctx, a.Image)
}

// scalesOnRequests refuses a TargetCPUPercent on a platform whose autoscaler scales on
// concurrent requests only.
func scalesOnRequests(platform string) func(a ServiceArgs) error {
	return func(a ServiceArgs) error {
		if a.TargetCPUPercent != 0 {
			return fmt.Errorf("TargetCPUPercent must be 0 on %s, whose autoscaler scales on concurrent requests (set Concurrency), got %d", platform, a.TargetCPUPercent)
		}
		return nil
	}
}
