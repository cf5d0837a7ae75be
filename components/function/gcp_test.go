package function_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/pubsub"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/function/functiontest"
	"github.com/nimbus-iac/nimbus/components/link"
)

const (
	runService   = "gcp:cloudrunv2/service:Service"
	runJob       = "gcp:cloudrunv2/job:Job"
	runInvoker   = "gcp:cloudrunv2/serviceIamMember:ServiceIamMember"
	topicMember  = "gcp:pubsub/topicIAMMember:TopicIAMMember"
	subscription = "gcp:pubsub/subscription:Subscription"
	gcpImage     = "europe-west1-docker.pkg.dev/nimbus-project/nimbus/worker-server@sha256:d31124d0287458aa0ebf821456ceda1dc01369a41c4ebc6c58ad07702227d97b"
)

var cloudRun = function.CloudRun{Images: map[string]string{"fn": gcpImage}, Region: "europe-west1"}

// gcpLinks are a publish grant whose binding grants roles/pubsub.publisher on a topic, and a
// subscribe grant whose binding pushes a topic to the consumer's service, as queue.PubSub's do.
func gcpLinks() (publish, subscribe link.Grant) {
	publish = link.Grant{Resource: "queue jobs", Access: link.Publish,
		Env: map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("projects/p/topics/jobs"))},
		Binding: link.GCPBinding{
			Env: map[string]link.Value{"TOPIC": link.Plain(pulumi.String("projects/p/topics/jobs"))},
			Grants: []link.GCPApply{func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
				m, err := pubsub.NewTopicIAMMember(ctx, name+"-publish", &pubsub.TopicIAMMemberArgs{Topic: pulumi.String("jobs"), Role: pulumi.String("roles/pubsub.publisher"), Member: c.Member}, opts...)
				return link.GCPApplied{Ready: []pulumi.Resource{m}}, err
			}},
		},
	}
	subscribe = link.Grant{Resource: "queue jobs", Access: link.Subscribe,
		Env: map[string]link.Value{"MAX_RECEIVE_COUNT": link.Plain(pulumi.String("5"))},
		Binding: link.GCPBinding{
			Env: map[string]link.Value{"DELIVERY": link.Plain(pulumi.String("pubsub-push"))},
			Deliveries: []link.GCPApply{func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
				s, err := pubsub.NewSubscription(ctx, name, &pubsub.SubscriptionArgs{Topic: pulumi.String("projects/p/topics/jobs"),
					PushConfig: &pubsub.SubscriptionPushConfigArgs{PushEndpoint: c.Service.URL}}, opts...)
				return link.GCPApplied{Ready: []pulumi.Resource{s}}, err
			}},
			MaxConcurrency: 4,
		},
	}
	return publish, subscribe
}

func runContainer(t *testing.T, r componenttest.Result) map[string]any {
	t.Helper()
	c, _ := componenttest.Prop(r.One(t, runService).Inputs, "template.containers.0").(map[string]any)
	if c == nil {
		t.Fatal("the Cloud Run service has no container")
	}
	return c
}

func runEnv(c map[string]any) map[string]any {
	out := map[string]any{}
	list, _ := c["envs"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		if v, ok := m["value"]; ok {
			out[m["name"].(string)] = v
		} else {
			out[m["name"].(string)] = m["valueSource"]
		}
	}
	return out
}

func TestCloudRunFunctionConformance(t *testing.T) {
	functiontest.Run(t, cloudRun.New, functiontest.Cloud{
		Links: gcpLinks,
		Plain: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			svc := r.One(t, runService)
			sa := r.One(t, "gcp:serviceaccount/account:Account")
			got := map[string]any{
				"serviceAccount": componenttest.Prop(svc.Inputs, "template.serviceAccount"),
				"scaling":        componenttest.Prop(svc.Inputs, "template.scaling"),
				"concurrency":    componenttest.Prop(svc.Inputs, "template.maxInstanceRequestConcurrency"),
				"timeout":        componenttest.Prop(svc.Inputs, "template.timeout"),
				"deletion":       componenttest.Prop(svc.Inputs, "deletionProtection"),
				"identity":       outputs["identity"],
				"url":            outputs["url"],
				"public":         len(r.ByType(runInvoker)),
			}
			email := componenttest.Str(sa.Outputs, "email")
			want := map[string]any{
				"serviceAccount": email,
				// MaxConcurrency 4 of the subscription: 4 per instance, 1 instance.
				"scaling":     map[string]any{"minInstanceCount": 0.0, "maxInstanceCount": 1.0},
				"concurrency": 4.0, "timeout": "30s", "deletion": false,
				"identity": email, "url": "", "public": 0,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("worker service (-want +got):\n%s", diff)
			}
			c := runContainer(t, r)
			wantC := map[string]any{
				"image":     gcpImage,
				"probe":     "/healthz",
				"resources": map[string]any{"limits": map[string]any{"cpu": "1", "memory": "256Mi"}, "startupCpuBoost": false, "cpuIdle": true},
				"env":       map[string]any{"JOBS_MAX_RECEIVE_COUNT": "5", "JOBS_DELIVERY": "pubsub-push"},
			}
			gotC := map[string]any{"image": c["image"], "probe": componenttest.Prop(svc.Inputs, "template.containers.0.startupProbe.httpGet.path"), "resources": c["resources"], "env": runEnv(c)}
			if diff := cmp.Diff(wantC, gotC); diff != "" {
				t.Errorf("worker container (-want +got):\n%s", diff)
			}
			// The delivery is made after the service, to its URL.
			sub := r.One(t, subscription)
			if got, want := componenttest.Str(sub.Inputs, "pushConfig.pushEndpoint"), componenttest.Str(svc.Outputs, "uri"); got != want || want == "" {
				t.Errorf("the push subscription delivers to %q, want the service's %q", got, want)
			}
		},
		HTTPWarm: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			svc := r.One(t, runService)
			member := r.Named(t, topicMember, "fn-jobs-publish")
			got := map[string]any{
				"scaling":     componenttest.Prop(svc.Inputs, "template.scaling"),
				"concurrency": componenttest.Prop(svc.Inputs, "template.maxInstanceRequestConcurrency"),
				"boost":       componenttest.Prop(svc.Inputs, "template.containers.0.resources.startupCpuBoost"),
				"env":         runEnv(runContainer(t, r)),
				"url":         outputs["url"],
				"public":      componenttest.Str(r.One(t, runInvoker).Inputs, "role") + " " + componenttest.Str(r.One(t, runInvoker).Inputs, "member"),
				"grant":       componenttest.Str(member.Inputs, "member"),
				"waits":       slices.Contains(svc.Dependencies, member.URN),
			}
			want := map[string]any{
				"scaling": map[string]any{"minInstanceCount": 2.0, "maxInstanceCount": 50.0}, "concurrency": 80.0, "boost": true,
				"env":    map[string]any{"JOBS_QUEUE_URL": "projects/p/topics/jobs", "JOBS_TOPIC": "projects/p/topics/jobs", "MODE": "test"},
				"url":    componenttest.Str(svc.Outputs, "uri"),
				"public": "roles/run.invoker allUsers",
				"grant":  "serviceAccount:" + componenttest.Str(r.One(t, "gcp:serviceaccount/account:Account").Outputs, "email"),
				"waits":  true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("http service (-want +got):\n%s", diff)
			}
		},
	})
}

// TestCloudRunRunOnDeployJob: a RunOnDeploy function is a Cloud Run job whose execution the
// deploy waits for (runExecutionToken); the token changes with the code, the input and each
// trigger, and only then.
func TestCloudRunRunOnDeployJob(t *testing.T) {
	run := func(trigger string) (componenttest.Result, pulumi.Resource) {
		var step pulumi.Resource
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			fn, err := function.CloudRun{Images: map[string]string{"migrate": gcpImage}, Region: "europe-west1"}.New(ctx, "migrate", &function.FunctionArgs{
				Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, TimeoutSeconds: 120,
				Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Migrate,
					Env: map[string]link.Value{"URL": link.SecretRef{Name: pulumi.String("db-url"), Key: "latest"}}, Binding: link.GCPBinding{}})},
				RunOnDeploy: &function.RunOnDeploy{Input: `{"action":"migrate"}`, Triggers: map[string]pulumi.StringInput{"database": pulumi.String(trigger)}},
			})
			step = fn.DeployStep
			return err
		})
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		return r, step
	}
	r, step := run("db-1")
	if step == nil {
		t.Fatal("DeployStep is nil")
	}
	if n := len(r.ByType(runService)); n != 0 {
		t.Errorf("want no service for a RunOnDeploy function, got %d", n)
	}
	job := r.One(t, runJob)
	got := map[string]any{
		"args":    componenttest.Prop(job.Inputs, "template.template.containers.0.args"),
		"retries": componenttest.Prop(job.Inputs, "template.template.maxRetries"),
		"timeout": componenttest.Prop(job.Inputs, "template.template.timeout"),
		"env":     runEnv(componenttest.Prop(job.Inputs, "template.template.containers.0").(map[string]any)),
	}
	want := map[string]any{
		"args": []any{`{"action":"migrate"}`}, "retries": 1.0, "timeout": "120s",
		"env": map[string]any{"RUN_TIMEOUT": "120s", "DB_URL": map[string]any{"secretKeyRef": map[string]any{"secret": "db-url", "version": "latest"}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	token := componenttest.Str(job.Inputs, "runExecutionToken")
	again, _ := run("db-1")
	changed, _ := run("db-2")
	if t1, t2 := componenttest.Str(again.One(t, runJob).Inputs, "runExecutionToken"), componenttest.Str(changed.One(t, runJob).Inputs, "runExecutionToken"); token == "" || t1 != token || t2 == token {
		t.Errorf("runExecutionToken %q, again %q, with another database %q: want a token that changes with the trigger only", token, t1, t2)
	}
}

func TestCloudRunInvalid(t *testing.T) {
	cases := map[string]struct {
		c    function.CloudRun
		args function.FunctionArgs
		want []string
	}{
		"image and settings": {
			c:    function.CloudRun{Images: map[string]string{"fn": "gcr.example/worker:latest"}, CPU: "3", Concurrency: 2000},
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash},
			want: []string{
				`function "fn": the image must be an Artifact Registry image by digest`,
				`function "fn": Region is required on gcp (the stack's gcp:region)`,
				`function "fn": CPU must be one of 1, 2, 4, 6, 8 or a fraction like 0.5, got "3"`,
				`function "fn": Concurrency must be between 1 and 1000, got 2000`,
			},
		},
		"fractional cpu": {
			c:    function.CloudRun{Images: map[string]string{"fn": gcpImage}, Region: "europe-west1", CPU: "0.5"},
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash},
			want: []string{`function "fn": CPU 0.5 (below one CPU) allows a Concurrency of 1 only, got 80`},
		},
		"job over http": {
			c:    cloudRun,
			args: function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, HTTP: &function.HTTPArgs{}, RunOnDeploy: &function.RunOnDeploy{}},
			want: []string{`function "fn": RunOnDeploy runs the function as a Cloud Run job, which serves no HTTP`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.c.New(ctx, "fn", &tc.args)
				return err
			}, tc.want...)
		})
	}
}
