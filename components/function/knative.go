package function

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/k8score"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
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
	files     []fileVar
	subs      []knativeSub
}

// fileVar is an environment variable set to the path of a file mounted from a Secret's key.
type fileVar struct {
	name string
	file link.SecretFile
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
	if a.RunOnDeploy != nil && a.HTTP != nil {
		p.Add("RunOnDeploy runs the function as a Kubernetes Job, which serves no HTTP: set one of RunOnDeploy and HTTP")
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
		for key, f := range b.Files {
			full := l.Name + "_" + key
			if _, taken := env[full]; taken {
				return on, fmt.Errorf("function %q: link %s sets %s twice", name, l.Name, full)
			}
			if f.Secret == nil || f.Key == "" {
				return on, fmt.Errorf("function %q: link %s mounts %s from no Secret key; want a Secret and a Key", name, l.Name, full)
			}
			env[full] = nil // taken; rendered as a mounted file
			on.files = append(on.files, fileVar{name: full, file: f})
		}
		if b.Subscription != nil {
			if a.RunOnDeploy != nil {
				return on, fmt.Errorf("function %q: link %s subscribes it to a queue, but RunOnDeploy runs it as a Job, which takes no events", name, l.Name)
			}
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
		if env[k] != nil {
			on.env = append(on.env, envVar{name: k, value: env[k]})
		}
	}
	sort.Slice(on.files, func(i, j int) bool { return on.files[i].name < on.files[j].name })
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
	if a.Container != nil && a.Container.CPU > 0 {
		k.CPU = fmt.Sprintf("%dm", a.Container.CPU)
	}
	parent := fn.parent()
	labels := pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(name), "app.kubernetes.io/managed-by": pulumi.String("nimbus")}

	sa, err := k8score.NewServiceAccount(ctx, name, &k8score.ServiceAccountArgs{
		Metadata: &k8score.ObjectMetaArgs{Name: pulumi.String(name), Namespace: on.namespace, Labels: labels},
		// The servers call no Kubernetes API: no token in their pods.
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create service account for function %q: %w", name, err)
	}

	// A subscription's MaxConcurrency caps the events processed at once: fewer requests per
	// instance if need be, and as many instances as make up the cap.
	concurrency, maxScale := a.concurrency(k.Concurrency), a.MaxInstances
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
	container, volumes := k.container(name, on, a)
	if a.RunOnDeploy != nil {
		return k.job(ctx, fn, name, on, a, labels, sa, container, volumes)
	}
	svcLabels := pulumi.StringMap{}
	for key, v := range labels {
		svcLabels[key] = v
	}
	if a.HTTP == nil || (a.Container != nil && !a.Container.Public) {
		// Only the cluster (the Trigger, or the service's callers inside it) invokes it.
		svcLabels["networking.knative.dev/visibility"] = pulumi.String("cluster-local")
	}
	svcOpts := []pulumi.ResourceOption{parent}
	if len(a.DeployAfter) > 0 {
		// The new revision is rolled out only after they succeeded.
		svcOpts = append(svcOpts, pulumi.DependsOn(a.DeployAfter))
	}
	container["ports"] = pulumi.Array{pulumi.Map{"containerPort": pulumi.Int(a.port())}}
	container["readinessProbe"] = pulumi.Map{"httpGet": pulumi.Map{"path": pulumi.String(a.healthPath())}}
	podSpec := pulumi.Map{
		"serviceAccountName":   rawres.String(sa.Metadata, "name"),
		"containerConcurrency": pulumi.Int(concurrency),
		"timeoutSeconds":       pulumi.Int(a.TimeoutSeconds),
		"containers":           pulumi.Array{container},
	}
	if len(volumes) > 0 {
		podSpec["volumes"] = volumes
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
			"spec": podSpec,
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
	fn.Identity = pulumi.Sprintf("system:serviceaccount:%s:%s", rawres.String(sa.Metadata, "namespace"), rawres.String(sa.Metadata, "name"))
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

// secretsDir is where a function's pods mount the Secret keys its links name (link.SecretFile),
// one folder per setting.
const secretsDir = "/var/run/secrets/nimbus"

// container is the function's container, as a Knative Service and a Job run it: its image, its
// environment (plain values, secretKeyRefs, paths of mounted Secret keys), requests equal to
// limits, and a locked-down security context; and the volumes of the mounted Secret keys.
func (k Knative) container(name string, on knativeConsumer, a FunctionArgs) (pulumi.Map, pulumi.Array) {
	var env, mounts, volumes pulumi.Array
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
	for _, f := range on.files {
		volume := strings.ToLower(strings.ReplaceAll(f.name, "_", "-"))
		dir := secretsDir + "/" + volume
		env = append(env, pulumi.Map{"name": pulumi.String(f.name), "value": pulumi.String(dir + "/" + f.file.Key)})
		mounts = append(mounts, pulumi.Map{"name": pulumi.String(volume), "mountPath": pulumi.String(dir), "readOnly": pulumi.Bool(true)})
		volumes = append(volumes, pulumi.Map{"name": pulumi.String(volume), "secret": pulumi.Map{
			"secretName": f.file.Secret,
			// Only the key named: a CA Secret holds the CA's private key too.
			"items": pulumi.Array{pulumi.Map{"key": pulumi.String(f.file.Key), "path": pulumi.String(f.file.Key)}},
		}})
	}
	memory := pulumi.Sprintf("%dMi", a.MemoryMB)
	resources := pulumi.Map{"cpu": pulumi.String(k.CPU), "memory": memory}
	c := pulumi.Map{
		"name":  pulumi.String(name),
		"image": pulumi.String(on.image),
		"env":   env,
		"resources": pulumi.Map{
			"requests": resources,
			"limits":   resources,
		},
		"securityContext": pulumi.Map{
			"runAsNonRoot":             pulumi.Bool(true),
			"allowPrivilegeEscalation": pulumi.Bool(false),
			"readOnlyRootFilesystem":   pulumi.Bool(true),
			"capabilities":             pulumi.Map{"drop": pulumi.StringArray{pulumi.String("ALL")}},
			"seccompProfile":           pulumi.Map{"type": pulumi.String("RuntimeDefault")},
		},
	}
	if len(mounts) > 0 {
		c["volumeMounts"] = mounts
	}
	return c, volumes
}

// Annotations of a RunOnDeploy Job's pod template: a change of any replaces the Job, so it runs
// again (a Job's template cannot change in place).
const (
	CodeHashAnnotation      = "nimbus.dev/code-hash"
	RunInputAnnotation      = "nimbus.dev/run-input"
	TriggerAnnotationPrefix = "nimbus.dev/trigger-"
	// RunTimeoutEnv is the variable a RunOnDeploy Job's container gets TimeoutSeconds in, as a Go
	// duration ("120s"): how long one run may take.
	RunTimeoutEnv = "RUN_TIMEOUT"
)

// job runs a RunOnDeploy function as a Kubernetes Job (batch/v1) that the deploy waits for: the
// Kubernetes provider reports the Job created only once it completed, and fails the deploy when
// it failed, so whatever has the Job in its DeployAfter goes live only after a successful run.
// The Job is named by the engine (NAME-xxxxxxxx), so a new run is created before the old Job is
// deleted, and is kept after it finished for its logs.
func (k Knative) job(ctx *pulumi.Context, fn *Function, name string, on knativeConsumer, a FunctionArgs, labels pulumi.StringMap, sa *k8score.ServiceAccount, container pulumi.Map, volumes pulumi.Array) (*Function, error) {
	r := a.RunOnDeploy
	annotations := pulumi.StringMap{
		CodeHashAnnotation: pulumi.String(a.CodeHash),
		RunInputAnnotation: pulumi.String(r.Input),
	}
	for key, v := range r.Triggers {
		annotations[TriggerAnnotationPrefix+key] = v
	}
	container["args"] = pulumi.StringArray{pulumi.String(r.Input)}
	// How long one run may take, for the program to stop cleanly before the Job's deadline.
	container["env"] = append(container["env"].(pulumi.Array), pulumi.Map{"name": pulumi.String(RunTimeoutEnv), "value": pulumi.Sprintf("%ds", a.TimeoutSeconds)})
	podSpec := pulumi.Map{
		"serviceAccountName":           rawres.String(sa.Metadata, "name"),
		"automountServiceAccountToken": pulumi.Bool(false),
		"restartPolicy":                pulumi.String("Never"),
		"containers":                   pulumi.Array{container},
	}
	if len(volumes) > 0 {
		podSpec["volumes"] = volumes
	}
	opts := []pulumi.ResourceOption{fn.parent()}
	if after := append(append([]pulumi.Resource{}, r.After...), a.DeployAfter...); len(after) > 0 {
		opts = append(opts, pulumi.DependsOn(after))
	}
	const attempts = 2
	// Registered like the Knative objects, as kubernetes:batch/v1:Job: the provider awaits it by
	// that kind.
	job, err := apiextensions.NewCustomResource(ctx, name, &apiextensions.CustomResourceArgs{
		ApiVersion: pulumi.String("batch/v1"),
		Kind:       pulumi.String("Job"),
		Metadata:   &metav1.ObjectMetaArgs{Namespace: on.namespace, Labels: labels},
		OtherFields: kubernetes.UntypedArgs{"spec": pulumi.Map{
			// One retry of a failed pod (a node lost, the database failing over), each within the
			// function's timeout plus a minute to be scheduled and pull the image.
			"backoffLimit":          pulumi.Int(attempts - 1),
			"activeDeadlineSeconds": pulumi.Int(attempts * (a.TimeoutSeconds + 60)),
			"template": pulumi.Map{
				"metadata": pulumi.Map{"labels": labels, "annotations": annotations},
				"spec":     podSpec,
			},
		}},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the deploy-time job of function %q: %w", name, err)
	}
	fn.Name = job.Metadata.Name().Elem()
	fn.Target = pulumi.Sprintf("job/%s", fn.Name)
	fn.Identity = pulumi.Sprintf("system:serviceaccount:%s:%s", rawres.String(sa.Metadata, "namespace"), rawres.String(sa.Metadata, "name"))
	fn.CodeHash = pulumi.String(a.CodeHash).ToStringOutput()
	fn.URL = pulumi.String("").ToStringOutput()
	fn.DeployStep = job
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
