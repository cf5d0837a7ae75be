package guardrails_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const (
	knService = "kubernetes:serving.knative.dev/v1:Service"
	broker    = "kubernetes:eventing.knative.dev/v1:Broker"
	trigger   = "kubernetes:eventing.knative.dev/v1:Trigger"
	secret    = "kubernetes:core/v1:Secret"
	job       = "kubernetes:batch/v1:Job"
)

func jobOf(name string, container map[string]any) obj {
	return o(job, name, map[string]any{"spec": map[string]any{"template": map[string]any{
		"spec": map[string]any{"restartPolicy": "Never", "containers": []any{container}},
	}}})
}

// k8sPlan registers Kubernetes objects in a fake cloud; inputs are property maps so a test can
// mark values secret.
func k8sPlan(t *testing.T, production bool, rs ...struct {
	typ, name string
	inputs    resource.PropertyMap
}) *guardrails.Plan {
	t.Helper()
	c := fakecloud.New(fakecloud.Options{})
	for _, r := range rs {
		if _, _, err := c.NewResource(pulumi.MockResourceArgs{
			TypeToken: r.typ, Name: r.name, Custom: true, Inputs: r.inputs,
			RegisterRPC: &pulumirpc.RegisterResourceRequest{Type: r.typ, Name: r.name, Parent: stackURN, Custom: true},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return &guardrails.Plan{Cloud: "kubernetes", Production: production, Resources: c.Resources()}
}

type obj = struct {
	typ, name string
	inputs    resource.PropertyMap
}

func o(typ, name string, m map[string]any) obj {
	meta := map[string]any{"name": name, "namespace": "nimbus"}
	m["metadata"] = merge(meta, m["metadata"])
	return obj{typ, name, resource.NewPropertyMapFromMap(m)}
}

func merge(a map[string]any, b any) map[string]any {
	if bm, ok := b.(map[string]any); ok {
		for k, v := range bm {
			a[k] = v
		}
	}
	return a
}

func dls(name string) map[string]any {
	return map[string]any{"ref": map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": name}}
}

func service(name string, labels map[string]any, minScale string, container map[string]any) obj {
	return o(knService, name, map[string]any{
		"metadata": map[string]any{"labels": labels},
		"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"annotations": map[string]any{"autoscaling.knative.dev/min-scale": minScale}},
			"spec":     map[string]any{"containers": []any{container}},
		}},
	})
}

var goodContainer = map[string]any{
	"image":          "r/x@sha256:00",
	"resources":      map[string]any{"requests": map[string]any{"cpu": "250m", "memory": "256Mi"}},
	"readinessProbe": map[string]any{"httpGet": map[string]any{"path": "/healthz"}},
	"env": []any{
		map[string]any{"name": "DB_PASSWORD", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "db-app", "key": "password"}}},
		map[string]any{"name": "DB_HOST", "value": "db-rw"},
	},
}

func TestKubernetesRules(t *testing.T) {
	t.Parallel()
	local := map[string]any{"networking.knative.dev/visibility": "cluster-local"}
	cases := map[string]struct {
		reason     string
		rule       string
		production bool
		objects    []obj
		want       []string
	}{
		"TriggerDeadLetters": {
			reason: "a Trigger retrying then dead-lettering to a Broker passes; the Trigger reading that Broker needs no sink",
			rule:   "queue-dead-letter",
			objects: []obj{
				o(broker, "jobs", map[string]any{}), o(broker, "jobs-dlq", map[string]any{}),
				o(trigger, "worker-jobs", map[string]any{"spec": map[string]any{"broker": "jobs", "delivery": map[string]any{"retry": 4, "deadLetterSink": dls("jobs-dlq")}}}),
				o(trigger, "worker-jobs-failed", map[string]any{"spec": map[string]any{"broker": "jobs-dlq", "delivery": map[string]any{"retry": 10}}}),
			},
		},
		"TriggerWithoutDeadLetterBroker": {
			reason: "a Trigger with no retry and a sink that is no Broker of the plan fires",
			rule:   "queue-dead-letter",
			objects: []obj{
				o(broker, "jobs", map[string]any{}),
				o(trigger, "worker-jobs", map[string]any{"spec": map[string]any{"broker": "jobs", "delivery": map[string]any{"deadLetterSink": dls("elsewhere")}}}),
			},
			want: []string{"worker-jobs spec.delivery.deadLetterSink.ref", "worker-jobs spec.delivery.retry"},
		},
		"TriggerWithoutSink": {
			reason: "a Trigger without a dead-letter sink drops what it cannot deliver",
			rule:   "subscription-dead-letter",
			objects: []obj{
				o(broker, "jobs", map[string]any{}),
				o(trigger, "worker-jobs", map[string]any{"spec": map[string]any{"broker": "jobs", "delivery": map[string]any{"retry": 2}}}),
			},
			want: []string{"worker-jobs spec.delivery.deadLetterSink"},
		},
		"TriggerWithSink": {
			reason: "a sink by uri counts as well",
			rule:   "subscription-dead-letter",
			objects: []obj{
				o(trigger, "worker-jobs", map[string]any{"spec": map[string]any{"broker": "jobs", "delivery": map[string]any{"deadLetterSink": map[string]any{"uri": "http://sink"}}}}),
			},
		},
		"LiteralSecrets": {
			reason: "a password written as an env value, and a Secret with plaintext data, fire",
			rule:   "no-literal-secrets",
			objects: []obj{
				service("api", nil, "1", map[string]any{"env": []any{map[string]any{"name": "DB_PASSWORD", "value": "hunter2"}},
					"resources": goodContainer["resources"], "readinessProbe": goodContainer["readinessProbe"]}),
				o(secret, "creds", map[string]any{"stringData": map[string]any{"username": "app", "password": "hunter2"}}),
			},
			want: []string{"creds stringData.password", "api spec.template.spec.containers.0.env.0.value"}, // by URN
		},
		"SecretRefs": {
			reason: "secretKeyRefs and a generated (Pulumi secret) password pass",
			rule:   "no-literal-secrets",
			objects: []obj{
				service("api", nil, "1", goodContainer),
				{secret, "creds", resource.PropertyMap{
					"metadata":   resource.NewProperty(resource.NewPropertyMapFromMap(map[string]any{"name": "creds", "namespace": "nimbus"})),
					"stringData": resource.NewProperty(resource.PropertyMap{"username": resource.NewProperty("app"), "password": resource.MakeSecret(resource.NewProperty("x"))}),
				}},
			},
		},
		"NoRequestsNoProbe": {
			reason: "a container without requests or readiness probe fires",
			rule:   "container-requests-readiness",
			objects: []obj{
				service("worker", local, "0", map[string]any{"image": "r/x@sha256:00", "resources": map[string]any{"requests": map[string]any{"cpu": "250m"}}}),
			},
			want: []string{"worker spec.template.spec.containers.0.readinessProbe", "worker spec.template.spec.containers.0.resources.requests.memory"},
		},
		"JobLiteralSecret": {
			reason: "a Job's pod template is checked like a Service's",
			rule:   "no-literal-secrets",
			objects: []obj{
				jobOf("migrate", map[string]any{"env": []any{map[string]any{"name": "DB_APP_PASSWORD", "value": "hunter2"}}}),
			},
			want: []string{"migrate spec.template.spec.containers.0.env.0.value"},
		},
		"JobRequests": {
			reason: "a Job's container must request CPU and memory, and needs no readiness probe",
			rule:   "container-requests-readiness",
			objects: []obj{
				jobOf("migrate", map[string]any{"image": "r/x@sha256:00"}),
				jobOf("migrate-ok", map[string]any{"image": "r/x@sha256:00", "resources": goodContainer["resources"]}),
			},
			want: []string{"migrate spec.template.spec.containers.0.resources.requests.cpu", "migrate spec.template.spec.containers.0.resources.requests.memory"},
		},
		"RequestsAndProbe": {
			reason:  "requests and a readiness probe pass",
			rule:    "container-requests-readiness",
			objects: []obj{service("worker", local, "0", goodContainer)},
		},
		"ColdHTTPInProduction": {
			reason:     "in production a public service with min-scale 0 fires; a cluster-local one does not",
			rule:       "prod-warm-http",
			production: true,
			objects:    []obj{service("api", nil, "0", goodContainer), service("worker", local, "0", goodContainer)},
			want:       []string{"api spec.template.metadata.annotations.autoscaling.knative.dev/min-scale"},
		},
		"WarmHTTPInProduction": {
			reason:     "min-scale 1 passes",
			rule:       "prod-warm-http",
			production: true,
			objects:    []obj{service("api", nil, "1", goodContainer)},
		},
	}
	tested := map[string]bool{}
	for _, tc := range cases {
		if len(tc.want) > 0 {
			tested[tc.rule] = true
		}
	}
	for _, r := range guardrails.Rules() {
		if r.ID == budgetRule {
			continue // cloud-neutral: TestBudgetCheck
		}
		if guardrails.HasCheck(r.ID, "kubernetes") && !tested[r.ID] {
			t.Errorf("rule %s has no Kubernetes test case that makes it fire", r.ID)
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(k8sPlan(t, tc.production, tc.objects...))
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
		})
	}
}
