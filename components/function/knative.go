package function

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

var _ Constructor = Knative{}.New

// Knative runs functions as Knative Services (serving.knative.dev/v1) of their container images.
// Its New is a [Constructor].
type Knative struct {
	// Images are the functions' container images by digest, REGISTRY/REPO@sha256:HEX, keyed by
	// function name. Required for every function deployed.
	Images map[string]string
	// Namespace is where functions without a Network run; with one, its namespace.
	Namespace pulumi.StringInput
	// CPU is each instance's CPU request and limit, in Kubernetes quantity form: default "250m".
	CPU string
	// Concurrency is the most requests one instance serves at once (containerConcurrency), also
	// the autoscaler's target: 1 to 1000, default 10.
	Concurrency int
	// Domain is the cluster's Knative domain (config-domain), for the URL of an HTTP function
	// before Knative reports it: default "example.com", Knative's own default.
	Domain string
}

// Knative's autoscaling annotations on a revision template.
const (
	MinScaleAnnotation = "autoscaling.knative.dev/min-scale"
	MaxScaleAnnotation = "autoscaling.knative.dev/max-scale"
	TargetAnnotation   = "autoscaling.knative.dev/target"
)

var (
	imageByDigest = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$`)
	cpuQuantity   = regexp.MustCompile(`^([0-9]+m|[0-9]+(\.[0-9]+)?)$`)
)

// knativeConsumer is what New takes from the args before it registers anything.
type knativeConsumer struct {
	image     string
	namespace pulumi.StringInput
	env       []envVar
	subs      []knativeSub
}

type envVar struct {
	name  string
	value link.Value
}

type knativeSub struct {
	link string
	sub  link.Subscription
}

func (k Knative) check(name string, a FunctionArgs) (knativeConsumer, error) {
	var on knativeConsumer
	p := check.For("function", name)
	on.image = k.Images[name]
	if !imageByDigest.MatchString(on.image) {
		p.Add("the image must be REGISTRY/REPO@sha256:HEX (publish it with artifact.Push and list its digest), got %q", on.image)
	}
	if !cpuQuantity.MatchString(k.CPU) {
		p.Add("CPU must be a Kubernetes CPU quantity like 250m or 1, got %q", k.CPU)
	}
	p.Between("Concurrency", k.Concurrency, 1, 1000)
	if a.RunOnDeploy != nil {
		p.Add("RunOnDeploy is not implemented on kubernetes: run the migration as a Job before the deploy")
	}
	if err := p.Err(); err != nil {
		return on, err
	}
	on.namespace = k.Namespace
	if a.Network != nil {
		pl, err := network.PlacementOf[*network.KubernetesPlacement](a.Network)
		if err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
		on.namespace = pl.Namespace
	}
	if on.namespace == nil {
		return on, fmt.Errorf("function %q: Namespace is required on kubernetes without a Network", name)
	}
	env := map[string]link.Value{}
	shared := map[string]string{} // unprefixed name -> link that set it
	for k, v := range link.Environment(a.Links) {
		env[k] = v
	}
	for _, l := range a.Links {
		b, err := link.As[link.KubernetesBinding](l)
		if err != nil {
			return on, fmt.Errorf("function %q: %w", name, err)
		}
		for key, v := range b.Env {
			full := l.Name + "_" + key
			if _, taken := env[full]; taken {
				return on, fmt.Errorf("function %q: link %s sets %s twice", name, l.Name, full)
			}
			env[full] = v
		}
		for key, v := range b.SharedEnv {
			if other, taken := shared[key]; taken {
				if !sameValue(env[key], v) {
					return on, fmt.Errorf("function %q: links %s and %s both set %s to different values", name, other, l.Name, key)
				}
				continue
			}
			if _, taken := env[key]; taken {
				return on, fmt.Errorf("function %q: link %s sets %s, which another link sets too", name, l.Name, key)
			}
			shared[key] = l.Name
			env[key] = v
		}
		if b.Subscription != nil {
			on.subs = append(on.subs, knativeSub{link: l.Name, sub: *b.Subscription})
		}
	}
	for k, v := range a.Env {
		if _, taken := env[k]; taken {
			return on, fmt.Errorf("function %q: Env key %s is also set by a link", name, k)
		}
		env[k] = link.Plain(pulumi.String(v))
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		on.env = append(on.env, envVar{name: k, value: env[k]})
	}
	return on, nil
}

// sameValue reports whether two settings are the same: plain values or references to the same
// secret key, compared by what they are given as (pulumi.String) when known.
func sameValue(a, b link.Value) bool {
	switch a := a.(type) {
	case link.PlainValue:
		b, ok := b.(link.PlainValue)
		as, aok := a.Value.(pulumi.String)
		bs, bok := b.Value.(pulumi.String)
		return ok && aok && bok && as == bs
	case link.SecretRef:
		b, ok := b.(link.SecretRef)
		an, aok := a.Name.(pulumi.String)
		bn, bok := b.Name.(pulumi.String)
		return ok && aok && bok && an == bn && a.Key == b.Key
	}
	return false
}

// New deploys the function as a Knative Service running as its own ServiceAccount, and a Trigger
// per subscribing link.
func (k Knative) New(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	check.Default(&k.CPU, "250m")
	check.Default(&k.Concurrency, 10)
	check.Default(&k.Domain, "example.com")
	var on knativeConsumer
	fn, a, err := register(ctx, name, args, opts, func(a FunctionArgs) (err error) {
		on, err = k.check(name, a)
		return err
	})
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(fn)
	labels := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(name), "app.kubernetes.io/managed-by": pulumi.String("nimbus")}

	sa, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: on.namespace, Labels: labels},
		// The servers call no Kubernetes API: no token in their pods.
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create service account for function %q: %w", name, err)
	}

	// A subscription's MaxConcurrency caps the events processed at once: fewer requests per
	// instance if need be, and as many instances as make up the cap.
	concurrency, maxScale := k.Concurrency, a.MaxInstances
	for _, s := range on.subs {
		if mc := s.sub.MaxConcurrency; mc > 0 {
			concurrency = min(concurrency, mc)
			capped := (mc + concurrency - 1) / concurrency
			if maxScale == 0 || capped < maxScale {
				maxScale = capped
			}
		}
	}
	scale := pulumi.StringMap{
		MinScaleAnnotation: pulumi.Sprintf("%d", a.WarmInstances),
		TargetAnnotation:   pulumi.Sprintf("%d", concurrency),
		"autoscaling.knative.dev/target-utilization-percentage": pulumi.Sprintf("%d", a.WarmTargetPercent),
	}
	if maxScale > 0 {
		scale[MaxScaleAnnotation] = pulumi.Sprintf("%d", maxScale)
	}
	var env pulumi.Array
	for _, e := range on.env {
		switch v := e.value.(type) {
		case link.PlainValue:
			env = append(env, pulumi.Map{"name": pulumi.String(e.name), "value": v.Value})
		case link.SecretRef:
			env = append(env, pulumi.Map{"name": pulumi.String(e.name), "valueFrom": pulumi.Map{
				"secretKeyRef": pulumi.Map{"name": v.Name, "key": pulumi.String(v.Key)},
			}})
		}
	}
	memory := pulumi.Sprintf("%dMi", a.MemoryMB)
	resources := pulumi.Map{"cpu": pulumi.String(k.CPU), "memory": memory}
	svcLabels := pulumi.StringMap{}
	for key, v := range labels {
		svcLabels[key] = v
	}
	if a.HTTP == nil {
		// Only the cluster (the Trigger) invokes it.
		svcLabels["networking.knative.dev/visibility"] = pulumi.String("cluster-local")
	}
	svcOpts := []pulumi.ResourceOption{parent}
	if len(a.DeployAfter) > 0 {
		// The new revision is rolled out only after they succeeded.
		svcOpts = append(svcOpts, pulumi.DependsOn(a.DeployAfter))
	}
	svc, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("serving.knative.dev/v1"),
		Kind:       pulumi.String("Service"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: on.namespace, Labels: svcLabels},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{"template": pulumi.Map{
			"metadata": pulumi.Map{
				"labels":      labels,
				"annotations": scale,
			},
			"spec": pulumi.Map{
				"serviceAccountName":   sa.Metadata.Name().Elem(),
				"containerConcurrency": pulumi.Int(concurrency),
				"timeoutSeconds":       pulumi.Int(a.TimeoutSeconds),
				"containers": pulumi.Array{pulumi.Map{
					"name":  pulumi.String(name),
					"image": pulumi.String(on.image),
					"ports": pulumi.Array{pulumi.Map{"containerPort": pulumi.Int(8080)}},
					"env":   env,
					"resources": pulumi.Map{
						"requests": resources,
						"limits":   resources,
					},
					"readinessProbe": pulumi.Map{"httpGet": pulumi.Map{"path": pulumi.String("/healthz")}},
					"securityContext": pulumi.Map{
						"runAsNonRoot":             pulumi.Bool(true),
						"allowPrivilegeEscalation": pulumi.Bool(false),
						"readOnlyRootFilesystem":   pulumi.Bool(true),
						"capabilities":             pulumi.Map{"drop": pulumi.StringArray{pulumi.String("ALL")}},
						"seccompProfile":           pulumi.Map{"type": pulumi.String("RuntimeDefault")},
					},
				}},
			},
		}}},
	}, svcOpts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create Knative service for function %q: %w", name, err)
	}
	svcName := svc.Metadata.Name().Elem()
	svcNS := svc.Metadata.Namespace().Elem()

	for _, s := range on.subs {
		if err := knativeTriggers(ctx, name, s, svcName, on.namespace, parent); err != nil {
			return nil, err
		}
	}

	fn.Name = svcName
	fn.Target = pulumi.Sprintf("http://%s.%s.svc.cluster.local", svcName, svcNS)
	fn.Identity = pulumi.Sprintf("system:serviceaccount:%s:%s", sa.Metadata.Namespace().Elem(), sa.Metadata.Name().Elem())
	fn.CodeHash = pulumi.String(a.CodeHash).ToStringOutput()
	fn.URL = pulumi.String("").ToStringOutput()
	if a.HTTP != nil {
		// status.url once Knative's controller set it; else the URL of Knative's domain template
		// ({{.Name}}.{{.Namespace}}.{{.Domain}}), as with no controller the status stays empty.
		fn.URL = pulumi.All(svcName, svcNS, svc.OtherFields).ApplyT(func(v []any) string {
			m, _ := v[2].(map[string]any)
			status, _ := m["status"].(map[string]any)
			if u, _ := status["url"].(string); u != "" {
				return u
			}
			return fmt.Sprintf("http://%s.%s.%s", v[0], v[1], k.Domain)
		}).(pulumi.StringOutput)
	}
	return fn, fn.finish(ctx)
}

// knativeTriggers subscribes the function to a queue: a Trigger on the queue's Broker with its
// retries, backoff and dead-letter Broker, and a Trigger on that Broker to the function's
// dead-letter path, which marks the job failed (docs/function-contract.md).
func knativeTriggers(ctx *pulumi.Context, name string, s knativeSub, svc pulumi.StringOutput, ns pulumi.StringInput, parent pulumi.ResourceOption) error {
	base := name + "-" + strings.ToLower(strings.ReplaceAll(s.link, "_", "-"))
	service := func(uri string) pulumi.Map {
		return pulumi.Map{
			"ref": pulumi.Map{"apiVersion": pulumi.String("serving.knative.dev/v1"), "kind": pulumi.String("Service"), "name": svc},
			"uri": pulumi.String(uri),
		}
	}
	filter := pulumi.Map{"attributes": pulumi.Map{"type": pulumi.String(s.sub.EventType)}}
	if _, err := apiextensions.NewCustomResource(ctx, base, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("eventing.knative.dev/v1"),
		Kind:       pulumi.String("Trigger"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(base), Namespace: ns},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"broker":     s.sub.Broker,
			"filter":     filter,
			"subscriber": service("/"),
			"delivery": pulumi.Map{
				"retry":         pulumi.Int(s.sub.Retry),
				"backoffPolicy": pulumi.String("exponential"),
				"backoffDelay":  pulumi.String(s.sub.BackoffDelay),
				"deadLetterSink": pulumi.Map{"ref": pulumi.Map{
					"apiVersion": pulumi.String("eventing.knative.dev/v1"), "kind": pulumi.String("Broker"), "name": s.sub.DeadLetterBroker,
				}},
			},
		}},
	}, parent); err != nil {
		return fmt.Errorf("cannot create trigger %q: %w", base, err)
	}
	failed := base + "-failed"
	// Failed jobs stay in the dead-letter Broker (its Kafka topic's retention); this Trigger only
	// marks them failed, retrying while the database is unreachable. It has no dead-letter sink
	// of its own: what it cannot deliver is still kept by the dead-letter Broker.
	if _, err := apiextensions.NewCustomResource(ctx, failed, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("eventing.knative.dev/v1"),
		Kind:       pulumi.String("Trigger"),
		Metadata:   &metav1.ObjectMetaArgs{Name: pulumi.String(failed), Namespace: ns},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			"broker":     s.sub.DeadLetterBroker,
			"filter":     filter,
			"subscriber": service(s.sub.DeadLetterPath),
			"delivery": pulumi.Map{
				"retry":         pulumi.Int(10),
				"backoffPolicy": pulumi.String("exponential"),
				"backoffDelay":  pulumi.String(s.sub.BackoffDelay),
			},
		}},
	}, parent); err != nil {
		return fmt.Errorf("cannot create trigger %q: %w", failed, err)
	}
	return nil
}
