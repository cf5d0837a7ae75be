package guardrails

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// kubernetesChecks are the Kubernetes (Knative, CloudNativePG) checks of the rules, keyed by
// rule id.
// kubernetesNotApplicable are the rules that have no meaning on Kubernetes, each with why.
var kubernetesNotApplicable = map[string]string{
	"service-public-entry":    "a Knative Service has no subnet or security group of the tenant: its ingress is the cluster's (Kourier or the ingress gateway), not a network path the plan opens",
	"service-private-tasks":   "Knative pods get cluster addresses, no public IP and no subnet of the plan: the cluster's ingress is their only way in",
	"service-circuit-breaker": "Knative routes traffic to a new revision only once its pods pass their readiness probe; a revision that fails gets none and the last ready one keeps serving",
}

var kubernetesChecks = map[string]Check{
	"budget-monthly-floor":         budgetCheck,
	"queue-dead-letter":            k8sQueueDeadLetter,
	"subscription-dead-letter":     k8sSubscriptionDeadLetter,
	"no-literal-secrets":           k8sNoLiteralSecrets,
	"container-requests-readiness": k8sRequestsReadiness,
	"prod-warm-http":               k8sWarmHTTP,
}

const (
	typeKnativeService = "kubernetes:serving.knative.dev/v1:Service"
	typeBroker         = "kubernetes:eventing.knative.dev/v1:Broker"
	typeTrigger        = "kubernetes:eventing.knative.dev/v1:Trigger"
	typeK8sSecret      = "kubernetes:core/v1:Secret"
	typeJob            = "kubernetes:batch/v1:Job"
)

// podTemplates are the Knative Services and Jobs of the plan: each runs a pod template at
// spec.template.
func podTemplates(p *Plan) []fakecloud.Resource {
	return append(ofType(p, typeKnativeService), ofType(p, typeJob)...)
}

// secretName is an environment variable name that holds a secret's value.
var secretName = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|ACCESS_KEY|CREDENTIAL|API_KEY)`)

// getAt reads a property at a path whose parts are map keys or list indexes.
func getAt(v resource.PropertyValue, parts ...string) resource.PropertyValue {
	for _, k := range parts {
		v = unwrap(v)
		switch {
		case v.IsObject():
			v = v.ObjectValue()[resource.PropertyKey(k)]
		case v.IsArray():
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(v.ArrayValue()) {
				return resource.NewNullProperty()
			}
			v = v.ArrayValue()[i]
		default:
			return resource.NewNullProperty()
		}
	}
	return unwrap(v)
}

func str(v resource.PropertyValue) string {
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

// objectKey is NAMESPACE/NAME of a Kubernetes object of the plan.
func objectKey(r fakecloud.Resource) string {
	return getStr(r, "metadata.namespace") + "/" + getStr(r, "metadata.name")
}

// deadLetterBrokers are the Brokers some Trigger dead-letters to, as NAMESPACE/NAME.
func deadLetterBrokers(p *Plan) map[string]bool {
	out := map[string]bool{}
	for _, t := range ofType(p, typeTrigger) {
		ref := getAt(resource.NewProperty(t.Outputs), "spec", "delivery", "deadLetterSink", "ref")
		if str(getAt(ref, "kind")) == "Broker" {
			ns := str(getAt(ref, "namespace"))
			if ns == "" {
				ns = getStr(t, "metadata.namespace")
			}
			out[ns+"/"+str(getAt(ref, "name"))] = true
		}
	}
	return out
}

// k8sQueueDeadLetter: every Trigger of a queue's Broker retries a bounded number of times and then
// dead-letters to a Broker of the plan, which keeps the event.
func k8sQueueDeadLetter(p *Plan) []Finding {
	brokers := map[string]bool{}
	for _, b := range ofType(p, typeBroker) {
		brokers[objectKey(b)] = true
	}
	dead := deadLetterBrokers(p)
	var out []Finding
	for _, t := range ofType(p, typeTrigger) {
		ns := getStr(t, "metadata.namespace")
		if dead[ns+"/"+getStr(t, "spec.broker")] {
			continue
		}
		if _, ok := getNum(t, "spec.delivery.retry"); !ok {
			out = append(out, Finding{URN: t.URN, Property: "spec.delivery.retry",
				Message: fmt.Sprintf("%s has no delivery.retry: set nimbus:queue.maxReceiveCount (retry is maxReceiveCount - 1)", label(t))})
		}
		ref := getAt(resource.NewProperty(t.Outputs), "spec", "delivery", "deadLetterSink", "ref")
		target := str(getAt(ref, "name"))
		if str(getAt(ref, "kind")) != "Broker" || !brokers[ns+"/"+target] {
			out = append(out, Finding{URN: t.URN, Property: "spec.delivery.deadLetterSink.ref",
				Message: fmt.Sprintf("%s does not dead-letter to a Broker of the plan, which would keep failed jobs; got %q", label(t), target)})
		}
	}
	return out
}

// k8sSubscriptionDeadLetter: every Trigger has a dead-letter sink, except a Trigger on a Broker
// that is itself another Trigger's dead-letter sink: what it cannot deliver is still kept there.
func k8sSubscriptionDeadLetter(p *Plan) []Finding {
	dead := deadLetterBrokers(p)
	var out []Finding
	for _, t := range ofType(p, typeTrigger) {
		if dead[getStr(t, "metadata.namespace")+"/"+getStr(t, "spec.broker")] {
			continue
		}
		sink := getAt(resource.NewProperty(t.Outputs), "spec", "delivery", "deadLetterSink")
		if !sink.IsObject() || (getAt(sink, "ref").IsNull() && str(getAt(sink, "uri")) == "") {
			out = append(out, Finding{URN: t.URN, Property: "spec.delivery.deadLetterSink",
				Message: fmt.Sprintf("%s has no dead-letter sink: an event it cannot deliver is dropped", label(t))})
		}
	}
	return out
}

// k8sNoLiteralSecrets: no container env value named like a secret (a secret reaches a container
// through valueFrom.secretKeyRef), and no Secret whose data is written in the program (plaintext
// in the plan) rather than a Pulumi secret.
func k8sNoLiteralSecrets(p *Plan) []Finding {
	var out []Finding
	for _, s := range podTemplates(p) {
		containers := getAt(resource.NewProperty(s.Outputs), "spec", "template", "spec", "containers")
		if !containers.IsArray() {
			continue
		}
		for i, c := range containers.ArrayValue() {
			env := getAt(c, "env")
			if !env.IsArray() {
				continue
			}
			for j, e := range env.ArrayValue() {
				name := str(getAt(e, "name"))
				if v := getAt(e, "value"); !v.IsNull() && secretName.MatchString(name) {
					out = append(out, Finding{URN: s.URN, Property: fmt.Sprintf("spec.template.spec.containers.%d.env.%d.value", i, j),
						Message: fmt.Sprintf("%s sets %s as a literal value: reference a Secret with valueFrom.secretKeyRef", label(s), name)})
				}
			}
		}
	}
	for _, s := range ofType(p, typeK8sSecret) {
		for _, key := range []resource.PropertyKey{"data", "stringData"} {
			v, ok := s.Inputs[key]
			if !ok || v.IsNull() || v.IsSecret() || (v.IsOutput() && v.OutputValue().Secret) {
				continue
			}
			if v.IsObject() {
				for k, e := range v.ObjectValue() {
					if !e.IsSecret() && !(e.IsOutput() && e.OutputValue().Secret) && k != "username" {
						out = append(out, Finding{URN: s.URN, Property: string(key) + "." + string(k),
							Message: fmt.Sprintf("%s holds %s in plaintext: generate it (a Pulumi secret) or reference an existing Secret", label(s), k)})
					}
				}
			}
		}
	}
	return out
}

// k8sRequestsReadiness: every Knative Service's and Job's containers request CPU and memory, and a
// Service's have a readiness probe.
func k8sRequestsReadiness(p *Plan) []Finding {
	var out []Finding
	for _, s := range podTemplates(p) {
		job := s.Type == typeJob
		containers := getAt(resource.NewProperty(s.Outputs), "spec", "template", "spec", "containers")
		if !containers.IsArray() || len(containers.ArrayValue()) == 0 {
			out = append(out, Finding{URN: s.URN, Property: "spec.template.spec.containers", Message: fmt.Sprintf("%s has no container", label(s))})
			continue
		}
		for i, c := range containers.ArrayValue() {
			for _, r := range []string{"cpu", "memory"} {
				if getAt(c, "resources", "requests", r).IsNull() {
					out = append(out, Finding{URN: s.URN, Property: fmt.Sprintf("spec.template.spec.containers.%d.resources.requests.%s", i, r),
						Message: fmt.Sprintf("%s requests no %s: the scheduler cannot place it reliably (nimbus:kubernetes.cpu, the function's memoryMb)", label(s), r)})
				}
			}
			// A Job's pod serves nothing: it has no readiness to probe.
			if !job && getAt(c, "readinessProbe").IsNull() {
				out = append(out, Finding{URN: s.URN, Property: fmt.Sprintf("spec.template.spec.containers.%d.readinessProbe", i),
					Message: fmt.Sprintf("%s has no readiness probe: traffic may reach an instance before it can serve", label(s))})
			}
		}
	}
	return out
}

// k8sWarmHTTP: in production, a Knative Service reachable from outside the cluster keeps at least
// one instance (min-scale).
func k8sWarmHTTP(p *Plan) []Finding {
	var out []Finding
	for _, s := range ofType(p, typeKnativeService) {
		outs := resource.NewProperty(s.Outputs)
		if str(getAt(outs, "metadata", "labels", "networking.knative.dev/visibility")) == "cluster-local" {
			continue
		}
		n, _ := strconv.Atoi(str(getAt(outs, "spec", "template", "metadata", "annotations", "autoscaling.knative.dev/min-scale")))
		if n < 1 {
			out = append(out, Finding{URN: s.URN, Property: "spec.template.metadata.annotations.autoscaling.knative.dev/min-scale",
				Message: fmt.Sprintf("%s serves HTTP with no warm instance (min-scale %d): set nimbus:api.warmInstances to at least 1", label(s), n)})
		}
	}
	return out
}
