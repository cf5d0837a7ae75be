package function

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ContainerArgs run a function's container as a long-running service (package service) on the
// container platforms (Knative, Cloud Run, Container Apps): the same image, identity, links,
// environment and network as a function, always up, and sized and probed as the service says. A
// function leaves it nil.
type ContainerArgs struct {
	// Component registers the component the children belong to (the service's), instead of a
	// nimbus:function:Function of their own. It is called once every check passed, so a bad
	// value registers nothing. Required.
	Component func() (pulumi.Resource, error)
	// Port is the port the container listens on. Required (the service defaults it).
	Port int
	// HealthPath is the path of the readiness, startup and liveness probes. Required.
	HealthPath string
	// CPU is one instance's CPU in thousandths of a core, instead of the implementation's.
	CPU int
	// Concurrency, when above 0, is the requests one instance serves at once instead of the
	// implementation's.
	Concurrency int
	// TargetCPUPercent, when above 0, is the CPU utilisation autoscaling keeps (Container Apps'
	// cpu scale rule); the other platforms refuse it.
	TargetCPUPercent int
	// Public makes the HTTP endpoint reachable from outside the platform (as a function with HTTP
	// is, unless the implementation makes it private).
	Public bool
}

// checkContainer is the part of the checks every container platform shares.
func (c *ContainerArgs) check(name string, a FunctionArgs) error {
	switch {
	case c.Component == nil:
		return fmt.Errorf("function %q: Container.Component is required", name)
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("function %q: Container.Port must be between 1 and 65535, got %d", name, c.Port)
	case c.HealthPath == "":
		return fmt.Errorf("function %q: Container.HealthPath is required", name)
	case a.RunOnDeploy != nil:
		return fmt.Errorf("function %q: a service (Container) does not run on deploy: RunOnDeploy must be nil", name)
	case a.HTTP == nil:
		return fmt.Errorf("function %q: a service (Container) serves HTTP: HTTP is required", name)
	}
	return nil
}

// port is the container's port: Container.Port for a service, 8080 for a function.
func (a FunctionArgs) port() int {
	if a.Container != nil {
		return a.Container.Port
	}
	return 8080
}

// healthPath is the path of the probes: Container.HealthPath for a service, /healthz for a
// function.
func (a FunctionArgs) healthPath() string {
	if a.Container != nil {
		return a.Container.HealthPath
	}
	return "/healthz"
}

// concurrency is the service's Concurrency when it sets one, else def.
func (a FunctionArgs) concurrency(def int) int {
	if a.Container != nil && a.Container.Concurrency > 0 {
		return a.Container.Concurrency
	}
	return def
}
