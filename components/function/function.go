package function

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Type is the component's type token.
const Type = "nimbus:function:Function"

// Alias is the name of the published revision every trigger targets.
const Alias = "live"

// Constructor creates a function on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error)

// FunctionArgs describe a function. Zero values take the documented defaults.
type FunctionArgs struct {
	// Code is the deployment artifact (on AWS a zip archive holding `bootstrap`). Required, but
	// for a service's Container (its image is the code).
	Code pulumi.Archive
	// CodeHash is the artifact's SHA-256, hex; a change redeploys the code. Required.
	CodeHash string
	// MemoryMB is the memory of one instance, in MB: 128 to 10240, default 256.
	MemoryMB int
	// TimeoutSeconds is the longest invocation: 1 to 900 seconds (30 with HTTP), default 10.
	TimeoutSeconds int
	// WarmInstances are kept initialised on the live revision: 0 to 1000, default 0.
	WarmInstances int
	// WarmMax, when above WarmInstances, lets warm capacity autoscale up to it; 0 keeps it fixed.
	WarmMax int
	// WarmTargetPercent is the warm-capacity utilisation autoscaling keeps: 10 to 90, default 70.
	WarmTargetPercent int
	// MaxInstances caps concurrent instances: 0 (no cap of its own) to 1000.
	MaxInstances int
	// HTTP exposes the function at a URL. Nil means no HTTP endpoint.
	HTTP *HTTPArgs
	// Links are the resources the function uses (see package link).
	Links []link.Link
	// Env are plain, non-secret settings. Keys must not collide with the links' keys.
	Env map[string]string
	// Network, when set, runs the function in that network's private subnets.
	Network *network.Network
	// LogRetentionDays is how long logs are kept, in days: default 14.
	LogRetentionDays int
	// RunOnDeploy, when set, invokes the live revision once during each deploy that changes the code,
	// the Input or one of its Triggers (schema migrations); the deploy fails when the invocation
	// fails. The invocation is exported as the function's DeployStep.
	RunOnDeploy *RunOnDeploy
	// DeployAfter are resources the live revision waits for: the revision every trigger invokes
	// (and the warm capacity kept on it) moves to newly deployed code only after all of them
	// succeeded, so a failure there (another function's DeployStep: a migration) fails the deploy
	// with the previous code still serving. Nil: the live revision moves as soon as the code is
	// published.
	DeployAfter []pulumi.Resource
	// Container, when set, deploys the container as a long-running service for package service
	// (see ContainerArgs); only the container platforms take it.
	Container *ContainerArgs
}

// HTTPArgs expose a function over HTTP.
type HTTPArgs struct {
	// ThrottleRate is the steady requests per second accepted before 429s: 1 to 10000, default 100.
	ThrottleRate int
	// ThrottleBurst is the burst above ThrottleRate: 1 to 5000, default 200.
	ThrottleBurst int
	// MaxRequestBytes is the largest request body the function must accept; checked against what
	// the cloud can carry. Default 1 MiB.
	MaxRequestBytes int
}

// RunOnDeploy invokes the function during a deploy.
type RunOnDeploy struct {
	// Input is the JSON event. Default "{}".
	Input string
	// After are resources that must be ready first (a database and its pooler).
	After []pulumi.Resource
	// Triggers are values whose change runs it again, besides the code and Input (the identity
	// of the database a migration targets). Keys are names; "codeHash" is taken by the code.
	Triggers map[string]pulumi.StringInput
}

// Function is a deployed function.
type Function struct {
	pulumi.ResourceState

	// Name is the cloud's name of the function.
	Name pulumi.StringOutput `pulumi:"name"`
	// Target is what triggers invoke: on AWS the live alias's ARN.
	Target pulumi.StringOutput `pulumi:"target"`
	// URL is the HTTP endpoint; empty without HTTP.
	URL pulumi.StringOutput `pulumi:"url"`
	// Identity is the principal the function runs as: on AWS its role's ARN.
	Identity pulumi.StringOutput `pulumi:"identity"`
	// CodeHash is the deployed artifact's SHA-256, as given.
	CodeHash pulumi.StringOutput `pulumi:"codeHash"`
	// DeployStep is the deploy-time run of RunOnDeploy (on AWS a lambda.Invocation); nil without
	// RunOnDeploy. Pass it in another function's DeployAfter so that function goes live only on
	// a deploy whose run succeeded.
	DeployStep pulumi.Resource

	// owner is what the children are parented to: the function, or Container.Component.
	owner pulumi.Resource
}

// parent is the option parenting a child to the function's owner, aliased to the same child of
// the other kind of owner (a service of the same name, or a function), so switching a stack's
// API between a function and a service on a container platform moves its resources in place
// instead of creating them anew beside the old ones (whose names they share).
func (fn *Function) parent() pulumi.ResourceOption {
	from, to := Type, ServiceType
	if fn.owner != pulumi.Resource(fn) {
		from, to = ServiceType, Type
	}
	sibling := fn.owner.URN().ApplyT(func(u pulumi.URN) pulumi.URN {
		return pulumi.URN(swapLastType(string(u), from, to))
	}).(pulumi.URNOutput)
	return pulumi.Composite(pulumi.Parent(fn.owner), pulumi.Aliases([]pulumi.Alias{{ParentURN: sibling}}))
}

// ServiceType is the type token of package service's component (service.Type), which a
// function's children are aliased to and from.
const ServiceType = "nimbus:service:Service"

// swapLastType replaces the resource's own type, from, in urn
// (urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME) with to.
func swapLastType(urn, from, to string) string {
	i := strings.LastIndex(urn, "::")
	if i < 0 {
		return urn
	}
	head, name := urn[:i], urn[i:]
	if !strings.HasSuffix(head, from) {
		return urn
	}
	return strings.TrimSuffix(head, from) + to + name
}

// withDefaults returns a copy of args with defaults filled in, or every problem with them.
func (a FunctionArgs) withDefaults(name string) (FunctionArgs, error) {
	check.Default(&a.MemoryMB, 256)
	check.Default(&a.TimeoutSeconds, 10)
	check.Default(&a.WarmTargetPercent, 70)
	check.Default(&a.LogRetentionDays, 14)
	if a.HTTP != nil {
		h := *a.HTTP
		check.Default(&h.ThrottleRate, 100)
		check.Default(&h.ThrottleBurst, 200)
		check.Default(&h.MaxRequestBytes, 1<<20)
		a.HTTP = &h
	}
	if r := a.RunOnDeploy; r != nil {
		a.RunOnDeploy = &RunOnDeploy{Input: r.Input, After: r.After, Triggers: r.Triggers}
		check.Default(&a.RunOnDeploy.Input, "{}")
	}

	p := check.For("function", name)
	if a.Code == nil && a.Container == nil {
		p.Add("Code is required")
	}
	if _, err := hex.DecodeString(a.CodeHash); err != nil || len(a.CodeHash) != 64 {
		p.Add("CodeHash must be a hex SHA-256 (64 characters), got %q", a.CodeHash)
	}
	p.Between("MemoryMB", a.MemoryMB, 128, 10240)
	p.Between("TimeoutSeconds", a.TimeoutSeconds, 1, 900)
	p.Between("WarmInstances", a.WarmInstances, 0, 1000)
	p.Between("WarmMax", a.WarmMax, 0, 1000)
	p.Between("WarmTargetPercent", a.WarmTargetPercent, 10, 90)
	p.Between("MaxInstances", a.MaxInstances, 0, 1000)
	p.Between("LogRetentionDays", a.LogRetentionDays, 1, 3653)
	if a.WarmMax > 0 && (a.WarmInstances < 1 || a.WarmMax < a.WarmInstances) {
		p.Add("WarmMax must be 0 or at least WarmInstances (%d, itself at least 1), got %d", a.WarmInstances, a.WarmMax)
	}
	if a.MaxInstances > 0 && max(a.WarmInstances, a.WarmMax) > a.MaxInstances {
		p.Add("WarmInstances and WarmMax must be at most MaxInstances (%d), got %d and %d", a.MaxInstances, a.WarmInstances, a.WarmMax)
	}
	if h := a.HTTP; h != nil {
		p.Between("HTTP.ThrottleRate", h.ThrottleRate, 1, 10000)
		p.Between("HTTP.ThrottleBurst", h.ThrottleBurst, 1, 5000)
		if h.MaxRequestBytes < 1 {
			p.Add("HTTP.MaxRequestBytes must be positive, got %d", h.MaxRequestBytes)
		}
	}
	if r := a.RunOnDeploy; r != nil {
		if _, taken := r.Triggers["codeHash"]; taken {
			p.Add(`RunOnDeploy.Triggers must not set "codeHash": the code's hash is always a trigger`)
		}
	}
	for i, d := range a.DeployAfter {
		if d == nil {
			p.Add("DeployAfter[%d] is nil", i)
		}
	}
	p.Wrap("Links", link.Validate(a.Links))
	linked := link.Environment(a.Links)
	for k := range a.Env {
		if _, ok := linked[k]; ok {
			p.Add("Env key %s is also set by a link", k)
		}
	}
	return a, p.Err()
}

// register validates args, then has the implementation check them against its cloud (and take
// its links' bindings), then registers the component; implementations call it first, so a bad
// value or a link of another cloud registers nothing.
func register(ctx *pulumi.Context, name string, args *FunctionArgs, opts []pulumi.ResourceOption, checkCloud func(FunctionArgs) error) (*Function, FunctionArgs, error) {
	if args == nil {
		return nil, FunctionArgs{}, fmt.Errorf("function %q: args are required", name)
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, a, err
	}
	if a.Container != nil {
		if err := a.Container.check(name, a); err != nil {
			return nil, a, err
		}
	}
	if err := checkCloud(a); err != nil {
		return nil, a, err
	}
	if a.Container != nil {
		// A service's container: the children are the service's; no function component.
		owner, err := a.Container.Component()
		if err != nil {
			return nil, a, err
		}
		return &Function{owner: owner}, a, nil
	}
	fn := &Function{}
	fn.owner = fn
	if err := ctx.RegisterComponentResource(Type, name, fn, opts...); err != nil {
		return nil, a, fmt.Errorf("cannot register function %q: %w", name, err)
	}
	return fn, a, nil
}

// finish exports the outputs, as fields and to the engine.
func (fn *Function) finish(ctx *pulumi.Context) error {
	if fn.owner != pulumi.Resource(fn) {
		return nil // the service registers its own outputs
	}
	return ctx.RegisterResourceOutputs(fn, pulumi.Map{
		"name":     fn.Name,
		"target":   fn.Target,
		"url":      fn.URL,
		"identity": fn.Identity,
		"codeHash": fn.CodeHash,
	})
}
