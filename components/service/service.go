package service

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Type is the component's type token.
const Type = "nimbus:service:Service"

// Constructor creates a service on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error)

// ServiceArgs describe a long-running container service. Zero values take the documented
// defaults.
type ServiceArgs struct {
	// Image is the container image by digest, REGISTRY/REPO@sha256:HEX (a tag is an error: a
	// deploy must name exactly what runs). Required.
	Image string
	// Port is the port the container listens on, handed to it as PORT: 1 to 65535, default 8080.
	Port int
	// CPU is one instance's CPU in thousandths of a core (1000 is one vCPU): 250 to 16000,
	// default 1000. Each cloud takes only its own sizes (see doc.go).
	CPU int
	// MemoryMB is one instance's memory in MB: 512 to 32768, default 2048.
	MemoryMB int
	// MinInstances are always running and initialised: 1 to 1000, default 1. A service is always
	// up; what may scale to zero is a function.
	MinInstances int
	// MaxInstances caps the instances autoscaling adds: 1 to 1000, at least MinInstances,
	// default 10.
	MaxInstances int
	// TargetCPUPercent is the average CPU utilisation autoscaling keeps between MinInstances and
	// MaxInstances: 10 to 90; 0 is the platform's own target (60 on AWS). Only AWS and Azure
	// take another value; Cloud Run and Knative scale on requests (Concurrency).
	TargetCPUPercent int
	// Concurrency is the requests one instance serves at once before the platform sends the next
	// to another: 1 to 1000; 0 is the implementation's setting. A load balancer (AWS) does not
	// cap it.
	Concurrency int
	// HealthCheckPath is the HTTP path that answers 2xx once an instance can serve: default
	// "/healthz". The platform sends no traffic to an instance until it does.
	HealthCheckPath string
	// TimeoutSeconds is the longest request: 1 to 900, default 60 (Container Apps: at most 240).
	TimeoutSeconds int
	// Public makes the service reachable from the internet; false keeps it inside the network
	// (an internal load balancer, IAM-only invocation, an internal ingress, cluster-local).
	Public bool
	// Links are the resources the service uses (see package link).
	Links []link.Link
	// Env are plain, non-secret settings. Keys must not collide with the links' keys or PORT.
	Env map[string]string
	// Network runs the service in that network's private subnets. Required on AWS.
	Network *network.Network
	// LogRetentionDays is how long logs are kept, in days: default 14.
	LogRetentionDays int
	// DeployAfter are resources a new deployment waits for (another function's DeployStep: a
	// migration), so the service never runs code whose deploy step failed.
	DeployAfter []pulumi.Resource
}

// Service is a deployed service.
type Service struct {
	pulumi.ResourceState

	// Name is the cloud's name of the service.
	Name pulumi.StringOutput `pulumi:"name"`
	// URL is where it is reached: the load balancer's, the service's or the app's URL.
	URL pulumi.StringOutput `pulumi:"url"`
	// Identity is the principal the service's code runs as (AWS: the task role's ARN).
	Identity pulumi.StringOutput `pulumi:"identity"`
	// Image is the image it runs, as given.
	Image pulumi.StringOutput `pulumi:"image"`
}

// ImageByDigest is what Image must look like.
var ImageByDigest = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$`)

// withDefaults returns a copy of args with defaults filled in, or every problem with them.
func (a ServiceArgs) withDefaults(name string) (ServiceArgs, error) {
	check.Default(&a.Port, 8080)
	check.Default(&a.CPU, 1000)
	check.Default(&a.MemoryMB, 2048)
	check.Default(&a.MaxInstances, 10)
	check.Default(&a.HealthCheckPath, "/healthz")
	check.Default(&a.TimeoutSeconds, 60)
	check.Default(&a.LogRetentionDays, 14)
	check.Default(&a.MinInstances, 1)

	p := check.For("service", name)
	if !ImageByDigest.MatchString(a.Image) {
		p.Add("Image must be REGISTRY/REPO@sha256:HEX (push it with artifact.Push and take its digest), got %q", a.Image)
	}
	p.Between("Port", a.Port, 1, 65535)
	p.Between("CPU", a.CPU, 250, 16000)
	p.Between("MemoryMB", a.MemoryMB, 512, 32768)
	p.Between("MinInstances", a.MinInstances, 1, 1000)
	p.Between("MaxInstances", a.MaxInstances, 1, 1000)
	if a.MinInstances > a.MaxInstances {
		p.Add("MinInstances must be at most MaxInstances (%d), got %d", a.MaxInstances, a.MinInstances)
	}
	if a.TargetCPUPercent != 0 {
		p.Between("TargetCPUPercent", a.TargetCPUPercent, 10, 90)
	}
	if a.Concurrency != 0 {
		p.Between("Concurrency", a.Concurrency, 1, 1000)
	}
	if !strings.HasPrefix(a.HealthCheckPath, "/") || strings.ContainsAny(a.HealthCheckPath, " ?#") {
		p.Add("HealthCheckPath must be a path starting with / (no query), got %q", a.HealthCheckPath)
	}
	p.Between("TimeoutSeconds", a.TimeoutSeconds, 1, 900)
	p.Between("LogRetentionDays", a.LogRetentionDays, 1, 3653)
	for i, d := range a.DeployAfter {
		if d == nil {
			p.Add("DeployAfter[%d] is nil", i)
		}
	}
	p.Wrap("Links", link.Validate(a.Links))
	linked := link.Environment(a.Links)
	if _, ok := linked["PORT"]; ok {
		p.Add("a link sets PORT, which is the service's Port")
	}
	for k := range a.Env {
		if _, ok := linked[k]; ok {
			p.Add("Env key %s is also set by a link", k)
		}
		if k == "PORT" {
			p.Add("Env must not set PORT: it is the service's Port (%d)", a.Port)
		}
	}
	return a, p.Err()
}

// register validates args, has the implementation check them against its cloud, then registers
// the component; implementations call it first, so a bad value registers nothing.
func register(ctx *pulumi.Context, name string, args *ServiceArgs, opts []pulumi.ResourceOption, checkCloud func(ServiceArgs) error) (*Service, ServiceArgs, error) {
	a, err := prepare(name, args, checkCloud)
	if err != nil {
		return nil, a, err
	}
	s, err := component(ctx, name, opts)
	return s, a, err
}

// prepare validates args and has the implementation check them against its cloud.
func prepare(name string, args *ServiceArgs, checkCloud func(ServiceArgs) error) (ServiceArgs, error) {
	if args == nil {
		return ServiceArgs{}, fmt.Errorf("service %q: args are required", name)
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return a, err
	}
	return a, checkCloud(a)
}

// component registers the service's component resource.
func component(ctx *pulumi.Context, name string, opts []pulumi.ResourceOption) (*Service, error) {
	s := &Service{}
	if err := ctx.RegisterComponentResource(Type, name, s, opts...); err != nil {
		return nil, fmt.Errorf("cannot register service %q: %w", name, err)
	}
	return s, nil
}

// finish exports the outputs, as fields and to the engine.
func (s *Service) finish(ctx *pulumi.Context, image string) error {
	s.Image = pulumi.String(image).ToStringOutput()
	return ctx.RegisterResourceOutputs(s, pulumi.Map{
		"name":     s.Name,
		"url":      s.URL,
		"identity": s.Identity,
		"image":    s.Image,
	})
}
