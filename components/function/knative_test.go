package function_test

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/function/functiontest"
	"github.com/nimbus-iac/nimbus/components/link"
)

const (
	knativeService = "kubernetes:serving.knative.dev/v1:Service"
	trigger        = "kubernetes:eventing.knative.dev/v1:Trigger"
	image          = "registry.test:5000/nimbus/worker-server@sha256:d31124d0287458aa0ebf821456ceda1dc01369a41c4ebc6c58ad07702227d97b"
)

var knative = function.Knative{Images: map[string]string{"fn": image}, Namespace: pulumi.String("nimbus")}

func knativeLinks() (publish, subscribe link.Grant) {
	publish = link.Grant{Resource: "queue jobs", Access: link.Publish,
		Env:     map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("http://broker/nimbus/jobs"))},
		Binding: link.KubernetesBinding{Env: map[string]link.Value{"BROKER_URL": link.Plain(pulumi.String("http://broker/nimbus/jobs"))}},
	}
	subscribe = link.Grant{Resource: "queue jobs", Access: link.Subscribe,
		Env: map[string]link.Value{"MAX_RECEIVE_COUNT": link.Plain(pulumi.String("3"))},
		Binding: link.KubernetesBinding{Subscription: &link.Subscription{
			Broker: pulumi.String("jobs"), EventType: "dev.nimbus.images.job", Retry: 2, BackoffDelay: "PT0.5S",
			DeadLetterBroker: pulumi.String("jobs-dlq"), DeadLetterPath: "/deadletter", MaxConcurrency: 4,
		}},
	}
	return publish, subscribe
}

func subscribeGrant() link.Grant {
	_, s := knativeLinks()
	return s
}

// TestKnativeRunOnDeployJob: a RunOnDeploy function is a Job the deploy waits for, after
// RunOnDeploy.After, whose pod template changes (so the Job is replaced and runs again) with the
// code, the input and each trigger; its links' Secret files are mounted, only the key named.
func TestKnativeRunOnDeployJob(t *testing.T) {
	var step pulumi.Resource
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		// What a migration waits for: a database's custom resource (db.Ready).
		ready, err := apiextensions.NewCustomResource(ctx, "ready", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("postgresql.cnpg.io/v1"), Kind: pulumi.String("Cluster"),
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("db"), Namespace: pulumi.String("nimbus")},
		})
		if err != nil {
			return err
		}
		fn, err := knative.New(ctx, "fn", &function.FunctionArgs{
			Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, TimeoutSeconds: 120,
			Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Migrate,
				Env: map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String("db-superuser"), Key: "password"}},
				Binding: link.KubernetesBinding{
					Env:   map[string]link.Value{"SSLMODE": link.Plain(pulumi.String("verify-full"))},
					Files: map[string]link.SecretFile{"SSLROOTCERT": {Secret: pulumi.String("db-ca"), Key: "ca.crt"}},
				}})},
			RunOnDeploy: &function.RunOnDeploy{Input: `{"action":"migrate"}`, After: []pulumi.Resource{ready},
				Triggers: map[string]pulumi.StringInput{"database": pulumi.String("uid-1 db-rw:5432/app")}},
		})
		if err != nil {
			return err
		}
		step = fn.DeployStep
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if n := len(r.ByType(knativeService)); n != 0 {
		t.Errorf("want no Knative Service for a RunOnDeploy function, got %d", n)
	}
	job := r.One(t, "kubernetes:batch/v1:Job")
	if step == nil {
		t.Fatal("DeployStep is nil")
	}
	got := map[string]any{}
	for _, k := range []string{"metadata.name", "metadata.namespace", "spec.backoffLimit", "spec.activeDeadlineSeconds",
		"spec.template.metadata.annotations", "spec.template.spec.restartPolicy", "spec.template.spec.automountServiceAccountToken",
		"spec.template.spec.serviceAccountName", "spec.template.spec.volumes", "spec.template.spec.containers.0.args",
		"spec.template.spec.containers.0.volumeMounts", "spec.template.spec.containers.0.readinessProbe"} {
		got[k] = componenttest.Prop(job.Inputs, k)
	}
	c, _ := componenttest.Prop(job.Inputs, "spec.template.spec.containers.0").(map[string]any)
	got["env"] = envOf(c)
	want := map[string]any{
		"metadata.name":              nil, // named by the engine: a new run is created before the old Job goes
		"metadata.namespace":         "nimbus",
		"spec.backoffLimit":          1.0,
		"spec.activeDeadlineSeconds": 360.0,
		"spec.template.metadata.annotations": map[string]any{
			"nimbus.dev/code-hash": functiontest.Hash, "nimbus.dev/run-input": `{"action":"migrate"}`,
			"nimbus.dev/trigger-database": "uid-1 db-rw:5432/app",
		},
		"spec.template.spec.restartPolicy":                "Never",
		"spec.template.spec.automountServiceAccountToken": false,
		"spec.template.spec.serviceAccountName":           "fn",
		"spec.template.spec.volumes": []any{map[string]any{"name": "db-sslrootcert", "secret": map[string]any{
			"secretName": "db-ca", "items": []any{map[string]any{"key": "ca.crt", "path": "ca.crt"}}}}},
		"spec.template.spec.containers.0.args":           []any{`{"action":"migrate"}`},
		"spec.template.spec.containers.0.volumeMounts":   []any{map[string]any{"name": "db-sslrootcert", "mountPath": "/var/run/secrets/nimbus/db-sslrootcert", "readOnly": true}},
		"spec.template.spec.containers.0.readinessProbe": nil,
		"env": map[string]any{
			"DB_PASSWORD":    map[string]any{"secretKeyRef": map[string]any{"name": "db-superuser", "key": "password"}},
			"DB_SSLMODE":     "verify-full",
			"DB_SSLROOTCERT": "/var/run/secrets/nimbus/db-sslrootcert/ca.crt",
			"RUN_TIMEOUT":    "120s",
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	ready := r.One(t, "kubernetes:postgresql.cnpg.io/v1:Cluster")
	if !contains(job.Dependencies, ready.URN) {
		t.Errorf("the job does not wait for RunOnDeploy.After %s; depends on %v", ready.URN, job.Dependencies)
	}
}

// container is the Service's only container.
func container(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	svc := r.One(t, knativeService)
	c, _ := componenttest.Prop(svc.Inputs, "spec.template.spec.containers.0").(map[string]any)
	if c == nil {
		t.Fatal("the Knative service has no container")
	}
	return c
}

func envOf(c map[string]any) map[string]any {
	out := map[string]any{}
	list, _ := c["env"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		if v, ok := m["value"]; ok {
			out[m["name"].(string)] = v
		} else {
			out[m["name"].(string)] = m["valueFrom"]
		}
	}
	return out
}

func TestKnativeFunctionConformance(t *testing.T) {
	functiontest.Run(t, knative.New, functiontest.Cloud{
		Links: knativeLinks,
		Plain: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			svc := r.One(t, knativeService)
			sa := r.One(t, "kubernetes:core/v1:ServiceAccount")
			got := map[string]any{
				"serviceAccount": componenttest.Prop(svc.Inputs, "spec.template.spec.serviceAccountName"),
				"automount":      componenttest.Prop(sa.Inputs, "automountServiceAccountToken"),
				"annotations":    componenttest.Prop(svc.Inputs, "spec.template.metadata.annotations"),
				"timeout":        componenttest.Prop(svc.Inputs, "spec.template.spec.timeoutSeconds"),
				"concurrency":    componenttest.Prop(svc.Inputs, "spec.template.spec.containerConcurrency"),
				"identity":       outputs["identity"],
				"url":            outputs["url"],
			}
			want := map[string]any{
				"serviceAccount": "fn", "automount": false, "visibility": "cluster-local", "timeout": 30.0, "concurrency": 4.0,
				"annotations": map[string]any{
					// MaxConcurrency 4 of the subscription: 4 per instance, 1 instance.
					"autoscaling.knative.dev/min-scale": "0", "autoscaling.knative.dev/target": "4",
					"autoscaling.knative.dev/max-scale":                     "1",
					"autoscaling.knative.dev/target-utilization-percentage": "70",
				},
				"identity": "system:serviceaccount:nimbus:fn", "url": "",
			}
			// Label keys hold dots, which Prop's paths split on: read the map.
			labels, _ := componenttest.Prop(svc.Inputs, "metadata.labels").(map[string]any)
			got["visibility"] = labels["networking.knative.dev/visibility"]
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("worker service (-want +got):\n%s", diff)
			}
			c := container(t, r)
			wantC := map[string]any{
				"image":     image,
				"readiness": map[string]any{"httpGet": map[string]any{"path": "/healthz"}},
				"resources": map[string]any{"requests": map[string]any{"cpu": "250m", "memory": "256Mi"}, "limits": map[string]any{"cpu": "250m", "memory": "256Mi"}},
				"env":       map[string]any{"JOBS_MAX_RECEIVE_COUNT": "3"},
			}
			gotC := map[string]any{"image": c["image"], "readiness": c["readinessProbe"], "resources": c["resources"], "env": envOf(c)}
			if diff := cmp.Diff(wantC, gotC); diff != "" {
				t.Errorf("worker container (-want +got):\n%s", diff)
			}
			var triggers []any
			for _, tr := range r.ByType(trigger) {
				triggers = append(triggers, map[string]any{
					"name": componenttest.Prop(tr.Inputs, "metadata.name"), "broker": componenttest.Prop(tr.Inputs, "spec.broker"),
					"type": componenttest.Prop(tr.Inputs, "spec.filter.attributes.type"), "subscriber": componenttest.Prop(tr.Inputs, "spec.subscriber"),
					"delivery": componenttest.Prop(tr.Inputs, "spec.delivery"),
				})
			}
			ref := map[string]any{"apiVersion": "serving.knative.dev/v1", "kind": "Service", "name": "fn"}
			wantT := []any{
				map[string]any{"name": "fn-jobs", "broker": "jobs", "type": "dev.nimbus.images.job",
					"subscriber": map[string]any{"ref": ref, "uri": "/"},
					"delivery": map[string]any{"retry": 2.0, "backoffPolicy": "exponential", "backoffDelay": "PT0.5S",
						"deadLetterSink": map[string]any{"ref": map[string]any{"apiVersion": "eventing.knative.dev/v1", "kind": "Broker", "name": "jobs-dlq"}}}},
				map[string]any{"name": "fn-jobs-failed", "broker": "jobs-dlq", "type": "dev.nimbus.images.job",
					"subscriber": map[string]any{"ref": ref, "uri": "/deadletter"},
					"delivery":   map[string]any{"retry": 10.0, "backoffPolicy": "exponential", "backoffDelay": "PT0.5S"}},
			}
			sort.Slice(triggers, func(i, j int) bool {
				return triggers[i].(map[string]any)["name"].(string) < triggers[j].(map[string]any)["name"].(string)
			})
			if diff := cmp.Diff(wantT, triggers); diff != "" {
				t.Errorf("triggers (-want +got):\n%s", diff)
			}
		},
		HTTPWarm: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			svc := r.One(t, knativeService)
			got := map[string]any{
				"annotations": componenttest.Prop(svc.Inputs, "spec.template.metadata.annotations"),
				"url":         outputs["url"],
				"env":         envOf(container(t, r)),
				"triggers":    len(r.ByType(trigger)),
			}
			labels, _ := componenttest.Prop(svc.Inputs, "metadata.labels").(map[string]any)
			got["visibility"] = labels["networking.knative.dev/visibility"]
			want := map[string]any{
				"annotations": map[string]any{
					"autoscaling.knative.dev/min-scale": "2", "autoscaling.knative.dev/max-scale": "50",
					"autoscaling.knative.dev/target": "10", "autoscaling.knative.dev/target-utilization-percentage": "70",
				},
				"url":        "http://fn.nimbus.example.com",
				"env":        map[string]any{"JOBS_BROKER_URL": "http://broker/nimbus/jobs", "JOBS_QUEUE_URL": "http://broker/nimbus/jobs", "MODE": "test"},
				"triggers":   0,
				"visibility": nil,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("http service (-want +got):\n%s", diff)
			}
		},
	})
}

// TestKnativeFunctionSecrets checks that a secret reaches the container only as a secretKeyRef,
// and that settings the image, CPU and migrations need are checked before anything registers.
func TestKnativeFunctionSecrets(t *testing.T) {
	db := link.Grant{Resource: "database db", Access: link.Connect,
		Env:     map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String("db-app"), Key: "password"}},
		Binding: link.KubernetesBinding{SharedEnv: map[string]link.Value{"AWS_REGION": link.Plain(pulumi.String("us-east-1"))}},
	}
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		_, err := knative.New(ctx, "fn", &function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash,
			Links: []link.Link{link.Named("DB", db)}})
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	want := map[string]any{
		"DB_PASSWORD": map[string]any{"secretKeyRef": map[string]any{"name": "db-app", "key": "password"}},
		"AWS_REGION":  "us-east-1",
	}
	if diff := cmp.Diff(want, envOf(container(t, r))); diff != "" {
		t.Errorf("env: secrets by secretKeyRef, shared settings unprefixed (-want +got):\n%s", diff)
	}

	cases := map[string]struct {
		k    function.Knative
		args function.FunctionArgs
		want []string
	}{
		"image by tag": {
			k:    function.Knative{Images: map[string]string{"fn": "registry.test/nimbus/api:latest"}, Namespace: pulumi.String("n"), CPU: "lots"},
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash},
			want: []string{`function "fn": the image must be REGISTRY/REPO@sha256:HEX`, `function "fn": CPU must be a Kubernetes CPU quantity like 250m or 1, got "lots"`},
		},
		"run on deploy over http": {
			k:    knative,
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, RunOnDeploy: &function.RunOnDeploy{}, HTTP: &function.HTTPArgs{}},
			want: []string{`function "fn": RunOnDeploy runs the function as a Kubernetes Job, which serves no HTTP: set one of RunOnDeploy and HTTP`},
		},
		"run on deploy subscribed": {
			k: knative,
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, RunOnDeploy: &function.RunOnDeploy{},
				Links: []link.Link{link.Named("JOBS", subscribeGrant())}},
			want: []string{`function "fn": link JOBS subscribes it to a queue, but RunOnDeploy runs it as a Job, which takes no events`},
		},
		"file without a secret": {
			k: knative,
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, Links: []link.Link{
				link.Named("DB", link.Grant{Resource: "database db", Binding: link.KubernetesBinding{Files: map[string]link.SecretFile{"SSLROOTCERT": {Key: "ca.crt"}}}}),
			}},
			want: []string{`function "fn": link DB mounts DB_SSLROOTCERT from no Secret key; want a Secret and a Key`},
		},
		"shared env differs": {
			k: knative,
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, Links: []link.Link{
				link.Named("A", link.Grant{Resource: "bucket a", Binding: link.KubernetesBinding{SharedEnv: map[string]link.Value{"AWS_REGION": link.Plain(pulumi.String("x"))}}}),
				link.Named("B", link.Grant{Resource: "bucket b", Binding: link.KubernetesBinding{SharedEnv: map[string]link.Value{"AWS_REGION": link.Plain(pulumi.String("y"))}}}),
			}},
			want: []string{`function "fn": links A and B both set AWS_REGION to different values`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.k.New(ctx, "fn", &tc.args)
				return err
			}, tc.want...)
		})
	}
}
