package function_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/function/functiontest"
	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

const (
	containerApp   = "azure-native:app:ContainerApp"
	appJob         = "azure-native:app:Job"
	appEnvironment = "azure-native:app:ManagedEnvironment"
	msi            = "azure-native:managedidentity:UserAssignedIdentity"
	roleAssignment = "azure-native:authorization:RoleAssignment"
	logWorkspace   = "azure-native:operationalinsights:Workspace"
	cliScript      = "azure-native:resources:AzureCliScript"
	azureRG        = "/subscriptions/" + fakecloud.AzureSubscription + "/resourceGroups/nimbus-dev"
	registryID     = azureRG + "/providers/Microsoft.ContainerRegistry/registries/nimbusimages"
	envID          = azureRG + "/providers/Microsoft.App/managedEnvironments/apps"
	queueID        = azureRG + "/providers/Microsoft.ServiceBus/namespaces/jobs-ns/queues/jobs"
	acrImage       = "nimbusimages.azurecr.io/worker-server-azure@sha256:d31124d0287458aa0ebf821456ceda1dc01369a41c4ebc6c58ad07702227d97b"
)

// containerApps is the implementation as a stack configures it, with an environment that exists
// (its outputs only).
func containerApps(images map[string]string) function.ContainerApps {
	return function.ContainerApps{
		ResourceGroupName: pulumi.String("nimbus-dev"),
		Location:          "westeurope",
		SubscriptionID:    pulumi.String(fakecloud.AzureSubscription),
		Environment: &function.ContainerAppsEnvironment{
			ID:            pulumi.String(envID).ToStringOutput(),
			DefaultDomain: pulumi.String("nimbus-0a1b2c3d.westeurope.azurecontainerapps.io").ToStringOutput(),
			Location:      "westeurope",
		},
		RegistryID: pulumi.String(registryID),
		Images:     images,
	}
}

func newContainerApp(ctx *pulumi.Context, name string, args *function.FunctionArgs, opts ...pulumi.ResourceOption) (*function.Function, error) {
	return containerApps(map[string]string{"fn": acrImage}).New(ctx, name, args, opts...)
}

// azureRole is a grant as queue.ServiceBus's are: a data role on the queue for the consumer.
func azureRole(suffix, role string) link.AzureApply {
	return func(ctx *pulumi.Context, name string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
		ra, err := azauthorization.NewRoleAssignment(ctx, name+"-"+suffix, &azauthorization.RoleAssignmentArgs{
			PrincipalId: c.PrincipalID, PrincipalType: pulumi.String("ServicePrincipal"),
			RoleDefinitionId: azauthorization.RoleDefinitionID(pulumi.String(fakecloud.AzureSubscription), role),
			Scope:            pulumi.String(queueID),
		}, opts...)
		return link.AzureApplied{Ready: []pulumi.Resource{ra}}, err
	}
}

// azureLinks are a publish grant (Data Sender on the queue) and a subscribe grant (Data
// Receiver, a KEDA azure-servicebus rule, MaxConcurrency 4), as queue.ServiceBus's are.
func azureLinks() (publish, subscribe link.Grant) {
	publish = link.Grant{Resource: "queue jobs", Access: link.Publish,
		Env: map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("sb://jobs-ns.servicebus.windows.net/jobs"))},
		Binding: link.AzureBinding{
			Env:    map[string]link.Value{"NAMESPACE": link.Plain(pulumi.String("jobs-ns.servicebus.windows.net"))},
			Grants: []link.AzureApply{azureRole("send", azauthorization.ServiceBusDataSender)},
		},
	}
	subscribe = link.Grant{Resource: "queue jobs", Access: link.Subscribe,
		Env: map[string]link.Value{"MAX_RECEIVE_COUNT": link.Plain(pulumi.String("5"))},
		Binding: link.AzureBinding{
			Env:    map[string]link.Value{"DELIVERY": link.Plain(pulumi.String("servicebus"))},
			Grants: []link.AzureApply{azureRole("receive", azauthorization.ServiceBusDataReceiver)},
			Scale: &link.AzureScaleRule{Name: "jobs", Type: "azure-servicebus", Metadata: map[string]pulumi.StringInput{
				"namespace": pulumi.String("jobs-ns"), "queueName": pulumi.String("jobs"), "messageCount": pulumi.String("1"),
			}},
			MaxConcurrency: 4,
		},
	}
	return publish, subscribe
}

// appEnv are the container's variables: values, or the secret a secretRef names.
func appEnv(t *testing.T, container map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{}
	list, _ := container["env"].([]any)
	for _, e := range list {
		m := e.(map[string]any)
		if v, ok := m["value"]; ok {
			out[m["name"].(string)] = v
		} else {
			out[m["name"].(string)] = "secretRef:" + m["secretRef"].(string)
		}
	}
	return out
}

func appContainer(t *testing.T, app fakecloud.Resource) map[string]any {
	t.Helper()
	c, _ := componenttest.Prop(app.Inputs, "template.containers.0").(map[string]any)
	if c == nil {
		t.Fatal("the container app has no container")
	}
	return c
}

// identityOf is the function's own identity: the one named like it.
func identityOf(t *testing.T, r componenttest.Result, name string) fakecloud.Resource {
	t.Helper()
	return r.Named(t, msi, name)
}

func TestContainerAppsFunctionConformance(t *testing.T) {
	functiontest.Run(t, newContainerApp, functiontest.Cloud{
		Links: azureLinks,
		Plain: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			app := r.One(t, containerApp)
			id := identityOf(t, r, "fn")
			idID, principal, client := id.ID, componenttest.Str(id.Outputs, "principalId"), componenttest.Str(id.Outputs, "clientId")
			pull := r.Named(t, roleAssignment, "fn-acrpull")
			receive := r.Named(t, roleAssignment, "fn-jobs-receive")
			got := map[string]any{
				"identity":    componenttest.Prop(app.Inputs, "identity"),
				"registries":  componenttest.Prop(app.Inputs, "configuration.registries"),
				"revisions":   componenttest.Prop(app.Inputs, "configuration.activeRevisionsMode"),
				"ingress":     componenttest.Prop(app.Inputs, "configuration.ingress"),
				"secrets":     componenttest.Prop(app.Inputs, "configuration.secrets"),
				"environment": componenttest.Prop(app.Inputs, "environmentId"),
				"profile":     componenttest.Prop(app.Inputs, "workloadProfileName"),
				"scale":       componenttest.Prop(app.Inputs, "template.scale"),
				"grace":       componenttest.Prop(app.Inputs, "template.terminationGracePeriodSeconds"),
				"pull":        []string{componenttest.Str(pull.Inputs, "principalId"), componenttest.Str(pull.Inputs, "scope"), componenttest.Str(pull.Inputs, "roleDefinitionId")},
				"receive":     componenttest.Str(receive.Inputs, "principalId"),
				"waits":       slices.Contains(app.Dependencies, pull.URN) && slices.Contains(app.Dependencies, receive.URN),
				"outputs":     []any{outputs["identity"], outputs["url"], outputs["target"]},
			}
			want := map[string]any{
				"identity":    map[string]any{"type": "UserAssigned", "userAssignedIdentities": []any{idID}},
				"registries":  []any{map[string]any{"server": "nimbusimages.azurecr.io", "identity": idID}},
				"revisions":   "Single",
				"ingress":     nil,
				"secrets":     nil,
				"environment": envID,
				"profile":     "Consumption",
				// MaxConcurrency 4 of the subscription over loops holding 2 jobs each: 2
				// replicas; KEDA scales on the queue as the function's identity, with no secret.
				"scale": map[string]any{"minReplicas": 0.0, "maxReplicas": 2.0, "rules": []any{map[string]any{
					"name": "jobs",
					"custom": map[string]any{"type": "azure-servicebus", "identity": idID,
						"metadata": map[string]any{"namespace": "jobs-ns", "queueName": "jobs", "messageCount": "1"}},
				}}},
				// TimeoutSeconds 30: 35 s to finish in flight, 5 s more to exit.
				"grace":   40.0,
				"pull":    []string{principal, registryID, "/subscriptions/" + fakecloud.AzureSubscription + "/providers/Microsoft.Authorization/roleDefinitions/" + azauthorization.AcrPull},
				"receive": principal,
				"waits":   true,
				"outputs": []any{principal, "", app.ID},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("worker app (-want +got):\n%s", diff)
			}
			c := appContainer(t, app)
			gotC := map[string]any{"image": c["image"], "resources": c["resources"], "env": appEnv(t, c), "probes": c["probes"]}
			probe := func(typ string, period, failures float64) map[string]any {
				return map[string]any{"type": typ, "httpGet": map[string]any{"path": "/healthz", "port": 8080.0}, "periodSeconds": period, "failureThreshold": failures, "timeoutSeconds": 1.0}
			}
			wantC := map[string]any{
				"image": acrImage,
				// MemoryMB 256: the smallest Consumption size.
				"resources": map[string]any{"cpu": 0.25, "memory": "0.5Gi"},
				"env": map[string]any{
					"JOBS_MAX_RECEIVE_COUNT": "5", "JOBS_DELIVERY": "servicebus",
					"AZURE_CLIENT_ID": client, "SHUTDOWN_GRACE": "35s",
				},
				"probes": []any{probe("Startup", 3, 10), probe("Liveness", 10, 3)},
			}
			if diff := cmp.Diff(wantC, gotC); diff != "" {
				t.Errorf("worker container (-want +got):\n%s", diff)
			}
			if n := len(r.ByType(appJob)); n != 0 {
				t.Errorf("%d jobs for a function without RunOnDeploy", n)
			}
		},
		HTTPWarm: func(t *testing.T, r componenttest.Result, outputs map[string]any) {
			app := r.One(t, containerApp)
			send := r.Named(t, roleAssignment, "fn-jobs-send")
			id := identityOf(t, r, "fn")
			got := map[string]any{
				"scale":   componenttest.Prop(app.Inputs, "template.scale"),
				"ingress": componenttest.Prop(app.Inputs, "configuration.ingress"),
				"env":     appEnv(t, appContainer(t, app)),
				"url":     outputs["url"],
				"grant":   componenttest.Str(send.Inputs, "principalId"),
				"waits":   slices.Contains(app.Dependencies, send.URN),
			}
			want := map[string]any{
				"scale": map[string]any{"minReplicas": 2.0, "maxReplicas": 50.0, "rules": []any{map[string]any{
					"name": "http", "http": map[string]any{"metadata": map[string]any{"concurrentRequests": "10"}},
				}}},
				"ingress": map[string]any{"external": true, "targetPort": 8080.0, "transport": "auto", "allowInsecure": false},
				"env": map[string]any{
					"JOBS_QUEUE_URL": "sb://jobs-ns.servicebus.windows.net/jobs", "JOBS_NAMESPACE": "jobs-ns.servicebus.windows.net", "MODE": "test",
					"AZURE_CLIENT_ID": componenttest.Str(id.Outputs, "clientId"), "SHUTDOWN_GRACE": "15s",
				},
				"url":   "https://" + componenttest.Str(app.Outputs, "configuration.ingress.fqdn"),
				"grant": componenttest.Str(id.Outputs, "principalId"),
				"waits": true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("http app (-want +got):\n%s", diff)
			}
			if u, _ := outputs["url"].(string); !strings.HasPrefix(u, "https://fn-") || !strings.HasSuffix(u, ".azurecontainerapps.io") {
				t.Errorf("url %q, want https://APP.DOMAIN", u)
			}
		},
	})
}

// TestContainerAppsSizes checks MemoryMB becomes a Consumption size: memory rounded up to a
// multiple of 512 MiB, 0.25 CPU per 512 MiB.
func TestContainerAppsSizes(t *testing.T) {
	cases := map[string]struct {
		memoryMB int
		want     map[string]any
	}{
		"smallest":       {memoryMB: 128, want: map[string]any{"cpu": 0.25, "memory": "0.5Gi"}},
		"exact":          {memoryMB: 512, want: map[string]any{"cpu": 0.25, "memory": "0.5Gi"}},
		"rounded up":     {memoryMB: 513, want: map[string]any{"cpu": 0.5, "memory": "1Gi"}},
		"one and a half": {memoryMB: 1536, want: map[string]any{"cpu": 0.75, "memory": "1.5Gi"}},
		"largest":        {memoryMB: 8192, want: map[string]any{"cpu": 4.0, "memory": "8Gi"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				_, err := newContainerApp(ctx, "fn", &function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, MemoryMB: tc.memoryMB})
				return err
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			if diff := cmp.Diff(tc.want, appContainer(t, r.One(t, containerApp))["resources"]); diff != "" {
				t.Errorf("resources (-want +got):\n%s", diff)
			}
		})
	}
}

// TestContainerAppsScale checks the replica bounds and rules: Container Apps' default of 10
// replicas without MaxInstances (more when warm capacity asks), MaxConcurrency's cap, internal
// ingress, and a given identity used instead of a new one.
func TestContainerAppsScale(t *testing.T) {
	_, subscribe := azureLinks()
	internal := false
	cases := map[string]struct {
		reason   string
		apps     func(ctx *pulumi.Context) (function.ContainerApps, error)
		args     function.FunctionArgs
		want     map[string]any
		wantMSIs int
	}{
		"default max": {
			reason: "without MaxInstances the app keeps Container Apps' default of 10 replicas",
			args:   function.FunctionArgs{HTTP: &function.HTTPArgs{}},
			want:   map[string]any{"minReplicas": 0.0, "maxReplicas": 10.0, "ingress external": true},
		},
		"warm above the default": {
			reason: "warm capacity above 10 raises the default max to it",
			args:   function.FunctionArgs{WarmInstances: 3, WarmMax: 20, HTTP: &function.HTTPArgs{}},
			want:   map[string]any{"minReplicas": 3.0, "maxReplicas": 20.0, "ingress external": true},
		},
		"max concurrency": {
			reason: "MaxConcurrency 4 over receive loops holding 2 jobs each (ReceiveConcurrency's default): at most 2 replicas, below MaxInstances",
			args:   function.FunctionArgs{MaxInstances: 30, Links: []link.Link{link.Named("JOBS", subscribe)}},
			want:   map[string]any{"minReplicas": 0.0, "maxReplicas": 2.0, "ingress external": nil},
		},
		"max concurrency, one job a replica": {
			reason: "MaxConcurrency 4 over receive loops holding 1 job each: at most 4 replicas",
			apps: func(ctx *pulumi.Context) (function.ContainerApps, error) {
				c := containerApps(map[string]string{"fn": acrImage})
				c.ReceiveConcurrency = 1
				return c, nil
			},
			args: function.FunctionArgs{MaxInstances: 30, Links: []link.Link{link.Named("JOBS", subscribe)}},
			want: map[string]any{"minReplicas": 0.0, "maxReplicas": 4.0, "ingress external": nil},
		},
		"internal ingress and a given identity": {
			reason: "ExternalIngress false keeps the API inside the environment; a given identity is the one used",
			apps: func(ctx *pulumi.Context) (function.ContainerApps, error) {
				c := containerApps(map[string]string{"fn": acrImage})
				c.ExternalIngress = &internal
				id, err := function.NewAzureIdentity(ctx, "shared", &function.AzureIdentityArgs{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope"})
				c.Identities = map[string]*function.AzureIdentity{"fn": id}
				return c, err
			},
			args:     function.FunctionArgs{HTTP: &function.HTTPArgs{}},
			want:     map[string]any{"minReplicas": 0.0, "maxReplicas": 10.0, "ingress external": false},
			wantMSIs: 1,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				c := containerApps(map[string]string{"fn": acrImage})
				if tc.apps != nil {
					var err error
					if c, err = tc.apps(ctx); err != nil {
						return err
					}
				}
				args := tc.args
				args.Code, args.CodeHash = pulumi.NewFileArchive("x.zip"), functiontest.Hash
				_, err := c.New(ctx, "fn", &args)
				return err
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			app := r.One(t, containerApp)
			got := map[string]any{
				"minReplicas":      componenttest.Prop(app.Inputs, "template.scale.minReplicas"),
				"maxReplicas":      componenttest.Prop(app.Inputs, "template.scale.maxReplicas"),
				"ingress external": componenttest.Prop(app.Inputs, "configuration.ingress.external"),
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
			if tc.wantMSIs == 1 {
				msis := r.ByType(msi)
				if len(msis) != 1 || componenttest.Prop(app.Inputs, "identity.userAssignedIdentities.0") != msis[0].ID {
					t.Errorf("%s: want the one given identity on the app, got %d identities", tc.reason, len(msis))
				}
			}
		})
	}
}

// TestContainerAppsSecretRef checks a link's Key Vault reference becomes an app secret read by
// the function's identity, and the variable a secretRef to it: the value is never in the plan.
func TestContainerAppsSecretRef(t *testing.T) {
	const uri = "https://nimbus-kv.vault.azure.net/secrets/db-password"
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		_, err := newContainerApp(ctx, "fn", &function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash,
			Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect,
				Env: map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String(uri)}}, Binding: link.AzureBinding{}})}})
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	app := r.One(t, containerApp)
	id := identityOf(t, r, "fn").ID
	got := map[string]any{"secrets": componenttest.Prop(app.Inputs, "configuration.secrets"), "env": appEnv(t, appContainer(t, app))["DB_PASSWORD"]}
	want := map[string]any{
		"secrets": []any{map[string]any{"name": "db-password", "keyVaultUrl": uri, "identity": id}},
		"env":     "secretRef:db-password",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secret reference (-want +got):\n%s", diff)
	}
}

// TestContainerAppsRunOnDeployJob: a RunOnDeploy function is a manual Container Apps job with one
// replica and one retry, run by the deploy-time run as a runner identity of its own (no AcrPull,
// no link grants); the run's token changes with the code, the input and each trigger, and only
// then.
func TestContainerAppsRunOnDeployJob(t *testing.T) {
	run := func(trigger string) (componenttest.Result, pulumi.Resource) {
		var step pulumi.Resource
		r := componenttest.Run(t, func(ctx *pulumi.Context) error {
			fn, err := containerApps(map[string]string{"migrate": acrImage}).New(ctx, "migrate", &function.FunctionArgs{
				Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash, TimeoutSeconds: 120,
				Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Migrate,
					Env:     map[string]link.Value{"HOST": link.Plain(pulumi.String("db.postgres.database.azure.com"))},
					Binding: link.AzureBinding{Grants: []link.AzureApply{azureRole("owner", azauthorization.ServiceBusDataReceiver)}}})},
				RunOnDeploy: &function.RunOnDeploy{Input: `{"action":"migrate"}`, Triggers: map[string]pulumi.StringInput{"database": pulumi.String(trigger)}},
			})
			if fn != nil {
				step = fn.DeployStep
			}
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
	if n := len(r.ByType(containerApp)); n != 0 {
		t.Errorf("want no container app for a RunOnDeploy function, got %d", n)
	}
	job := r.One(t, appJob)
	id, runner := identityOf(t, r, "migrate"), identityOf(t, r, "migrate-runner")
	c, _ := componenttest.Prop(job.Inputs, "template.containers.0").(map[string]any)
	if c == nil {
		t.Fatal("the job has no container")
	}
	got := map[string]any{
		"configuration": componenttest.Prop(job.Inputs, "configuration"),
		"identity":      componenttest.Prop(job.Inputs, "identity"),
		"args":          c["args"],
		"env":           appEnv(t, c),
		"probes":        c["probes"],
	}
	want := map[string]any{
		"configuration": map[string]any{
			"triggerType": "Manual", "replicaTimeout": 120.0, "replicaRetryLimit": 1.0,
			"manualTriggerConfig": map[string]any{"parallelism": 1.0, "replicaCompletionCount": 1.0},
			"registries":          []any{map[string]any{"server": "nimbusimages.azurecr.io", "identity": id.ID}},
		},
		"identity": map[string]any{"type": "UserAssigned", "userAssignedIdentities": []any{id.ID}},
		"args":     []any{`{"action":"migrate"}`},
		"env":      map[string]any{"DB_HOST": "db.postgres.database.azure.com", "RUN_TIMEOUT": "120s", "AZURE_CLIENT_ID": componenttest.Str(id.Outputs, "clientId")},
		"probes":   nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
	// The runner holds only what the run assigns it on the job: no AcrPull, no link grant.
	runnerPrincipal := componenttest.Str(runner.Outputs, "principalId")
	for _, ra := range r.ByType(roleAssignment) {
		if componenttest.Str(ra.Inputs, "principalId") == runnerPrincipal && componenttest.Str(ra.Inputs, "scope") != job.ID {
			t.Errorf("the runner holds %s on %s, want only a role on the job", componenttest.Str(ra.Inputs, "roleDefinitionId"), componenttest.Str(ra.Inputs, "scope"))
		}
	}
	if ra := r.Named(t, roleAssignment, "migrate-acrpull"); componenttest.Str(ra.Inputs, "principalId") != componenttest.Str(id.Outputs, "principalId") {
		t.Errorf("AcrPull is for %s, want the job's identity", componenttest.Str(ra.Inputs, "principalId"))
	}
	script := r.One(t, cliScript)
	token := componenttest.Str(script.Inputs, "forceUpdateTag")
	again, _ := run("db-1")
	changed, _ := run("db-2")
	if t1, t2 := componenttest.Str(again.One(t, cliScript).Inputs, "forceUpdateTag"), componenttest.Str(changed.One(t, cliScript).Inputs, "forceUpdateTag"); len(token) != 64 || t1 != token || t2 == token {
		t.Errorf("run token %q, again %q, with another database %q: want a SHA-256 that changes with the trigger only", token, t1, t2)
	}
}

func TestContainerAppsInvalid(t *testing.T) {
	_, subscribe := azureLinks()
	elsewhere := containerApps(map[string]string{"fn": acrImage})
	elsewhere.Environment = &function.ContainerAppsEnvironment{ID: pulumi.String(envID).ToStringOutput(), Location: "northeurope"}
	code := func(a function.FunctionArgs) function.FunctionArgs {
		a.Code, a.CodeHash = pulumi.NewFileArchive("x.zip"), functiontest.Hash
		return a
	}
	cases := map[string]struct {
		c    function.ContainerApps
		name string
		args function.FunctionArgs
		want []string
	}{
		"required settings": {
			c:    function.ContainerApps{Images: map[string]string{"fn": "nimbus.example/worker:latest"}, Concurrency: 2000},
			args: code(function.FunctionArgs{}),
			want: []string{
				`function "fn": the image must be an Azure Container Registry image by digest, REGISTRY.azurecr.io/NAME@sha256:HEX`,
				`function "fn": ResourceGroupName is required`,
				`function "fn": Location must be an Azure region like westeurope (the stack's azure-native:location), got ""`,
				`function "fn": SubscriptionID is required`,
				`function "fn": RegistryID is required`,
				`function "fn": Environment is required`,
				`function "fn": Concurrency must be between 1 and 1000, got 2000`,
			},
		},
		"sizes and timeouts": {
			c:    containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{MemoryMB: 10240, TimeoutSeconds: 300, HTTP: &function.HTTPArgs{}, Env: map[string]string{"AZURE_CLIENT_ID": "x"}}),
			want: []string{
				`function "fn": MemoryMB must be between 128 and 8192 on Container Apps (the Consumption profile's largest size is 4 CPU with 8 GiB), got 10240`,
				`function "fn": TimeoutSeconds must be at most 240 for an HTTP function on Container Apps (its ingress's fixed request timeout), got 300`,
				`function "fn": Env key AZURE_CLIENT_ID is set by the function itself`,
			},
		},
		"environment elsewhere": {
			c:    elsewhere,
			args: code(function.FunctionArgs{}),
			want: []string{`function "fn": Environment is in northeurope, but Location is westeurope`},
		},
		"name": {
			c:    containerApps(map[string]string{"Api_Server": acrImage}),
			name: "Api_Server",
			args: code(function.FunctionArgs{}),
			want: []string{`function "Api_Server": the name must be 1 to 24 lower-case letters, digits and hyphens`},
		},
		"job over http": {
			c:    containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{HTTP: &function.HTTPArgs{}, RunOnDeploy: &function.RunOnDeploy{}}),
			want: []string{`function "fn": RunOnDeploy runs the function as a Container Apps job, which serves no HTTP`},
		},
		"job scaled on a queue": {
			c:    containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{RunOnDeploy: &function.RunOnDeploy{}, Links: []link.Link{link.Named("JOBS", subscribe)}}),
			want: []string{`function "fn": link JOBS scales it on events, but RunOnDeploy runs it as a job, which takes none`},
		},
		"warm above the subscription's cap": {
			c:    containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{WarmInstances: 3, Links: []link.Link{link.Named("JOBS", subscribe)}}),
			want: []string{`function "fn": WarmInstances must be at most 2, the replicas link JOBS's MaxConcurrency 4 allows, got 3`},
		},
		"secret with a key": {
			c: containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect,
				Env: map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String("db"), Key: "password"}}, Binding: link.AzureBinding{}})}}),
			want: []string{`function "fn": DB_PASSWORD is a secret reference with Key "password"; on Azure a secret reference is a Key Vault secret's URI in Name and no Key`},
		},
		"network of another cloud": {
			c:    containerApps(map[string]string{"fn": acrImage}),
			args: code(function.FunctionArgs{Network: &network.Network{Placement: &network.GCPPlacement{Region: "europe-west1"}}}),
			want: []string{`function "fn": Network: Network is on gcp, but this consumer runs on azure`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fname := tc.name
			if fname == "" {
				fname = "fn"
			}
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.c.New(ctx, fname, &tc.args)
				return err
			}, tc.want...)
		})
	}
}

// TestContainerAppsEnvironment checks the environment: a PerGB2018 workspace kept
// LogRetentionDays, the apps' logs sent to it with its customerId and its shared key as a
// secret, the Consumption profile, and the network's apps subnet.
func TestContainerAppsEnvironment(t *testing.T) {
	var domain string
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		n, err := network.Azure{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope"}.New(ctx, "net", &network.NetworkArgs{CIDR: "10.20.0.0/16"})
		if err != nil {
			return err
		}
		env, err := function.NewContainerAppsEnvironment(ctx, "apps", &function.ContainerAppsEnvironmentArgs{
			ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope", Network: n, LogRetentionDays: 90, ZoneRedundant: true,
		})
		if err != nil {
			return err
		}
		domain = componenttest.Await(t, pulumi.Map{"d": env.DefaultDomain})["d"].(string)
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	r.AssertContained(t, function.ContainerAppsEnvironmentType, "apps", "nimbus:network:Network")
	ws, env := r.One(t, logWorkspace), r.One(t, appEnvironment)
	vnet := r.One(t, "azure-native:network:VirtualNetwork")
	key := env.Inputs["appLogsConfiguration"].ObjectValue()["logAnalyticsConfiguration"].ObjectValue()["sharedKey"]
	got := map[string]any{
		"workspace":  []any{componenttest.Prop(ws.Inputs, "sku.name"), componenttest.Prop(ws.Inputs, "retentionInDays")},
		"logs":       []any{componenttest.Prop(env.Inputs, "appLogsConfiguration.destination"), componenttest.Prop(env.Inputs, "appLogsConfiguration.logAnalyticsConfiguration.customerId")},
		"key secret": key.IsSecret(),
		"profiles":   componenttest.Prop(env.Inputs, "workloadProfiles"),
		"vnet":       componenttest.Prop(env.Inputs, "vnetConfiguration"),
		"zones":      componenttest.Prop(env.Inputs, "zoneRedundant"),
		"domain":     domain,
	}
	want := map[string]any{
		"workspace":  []any{"PerGB2018", 90.0},
		"logs":       []any{"log-analytics", componenttest.Str(ws.Outputs, "customerId")},
		"key secret": true,
		"profiles":   []any{map[string]any{"name": "Consumption", "workloadProfileType": "Consumption"}},
		"vnet":       map[string]any{"infrastructureSubnetId": vnet.ID + "/subnets/apps", "internal": false},
		"zones":      true,
		"domain":     componenttest.Str(env.Outputs, "defaultDomain"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("environment (-want +got):\n%s", diff)
	}
	if !key.IsSecret() {
		return
	}
	if s := key.SecretValue().Element; !s.IsString() || len(s.StringValue()) != 88 {
		t.Errorf("shared key %v, want the workspace's 88-character key", s)
	}
}

func TestContainerAppsEnvironmentInvalid(t *testing.T) {
	cases := map[string]struct {
		args function.ContainerAppsEnvironmentArgs
		want []string
	}{
		"required": {
			args: function.ContainerAppsEnvironmentArgs{LogRetentionDays: 10, ZoneRedundant: true},
			want: []string{
				`container apps environment "apps": ResourceGroupName is required`,
				`container apps environment "apps": Location must be an Azure region like westeurope`,
				`container apps environment "apps": LogRetentionDays must be between 30 and 730, got 10`,
				`container apps environment "apps": ZoneRedundant needs a Network`,
			},
		},
		"network elsewhere": {
			args: function.ContainerAppsEnvironmentArgs{ResourceGroupName: pulumi.String("rg"), Location: "westeurope",
				Network: &network.Network{Placement: &network.AzurePlacement{Location: "northeurope"}}},
			want: []string{`container apps environment "apps": Network is in northeurope, but Location is westeurope`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := function.NewContainerAppsEnvironment(ctx, "apps", &tc.args)
				return err
			}, tc.want...)
		})
	}
}

// TestAzureRegistry checks the registry has no admin user and no anonymous pull, so only an
// identity with AcrPull pulls from it, and its id and login server are handed out.
func TestAzureRegistry(t *testing.T) {
	var outs map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		reg, err := function.NewAzureRegistry(ctx, "images", &function.AzureRegistryArgs{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope"})
		if err != nil {
			return err
		}
		outs = componenttest.Await(t, pulumi.Map{"id": reg.ID, "login": reg.LoginServer})
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	reg := r.One(t, "azure-native:containerregistry:Registry")
	got := map[string]any{
		"sku": componenttest.Prop(reg.Inputs, "sku.name"), "admin": componenttest.Prop(reg.Inputs, "adminUserEnabled"),
		"anonymous": componenttest.Prop(reg.Inputs, "anonymousPullEnabled"), "outputs": outs,
	}
	want := map[string]any{
		"sku": "Basic", "admin": false, "anonymous": false,
		"outputs": map[string]any{"id": reg.ID, "login": componenttest.Str(reg.Outputs, "loginServer")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("registry (-want +got):\n%s", diff)
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := function.NewAzureRegistry(ctx, "nimbus-images", &function.AzureRegistryArgs{Sku: "Free"})
		return err
	},
		`azure registry "nimbus-images": ResourceGroupName is required`,
		`azure registry "nimbus-images": Location must be an Azure region`,
		`azure registry "nimbus-images": Sku must be one of [Basic Standard Premium], got "Free"`,
		`azure registry "nimbus-images": the name must be 1 to 42 letters and digits`)

	// An exact name gives the login server the images' references were written with.
	r = componenttest.Run(t, func(ctx *pulumi.Context) error {
		reg, err := function.NewAzureRegistry(ctx, "images", &function.AzureRegistryArgs{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope", RegistryName: "nimbusdevimages"})
		if err != nil {
			return err
		}
		outs = componenttest.Await(t, pulumi.Map{"login": reg.LoginServer})
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	if got := outs["login"]; got != "nimbusdevimages.azurecr.io" {
		t.Errorf("login server of registry nimbusdevimages: got %v", got)
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := function.NewAzureRegistry(ctx, "images", &function.AzureRegistryArgs{ResourceGroupName: pulumi.String("g"), Location: "westeurope", RegistryName: "my-registry"})
		return err
	}, `azure registry "images": RegistryName must be 5 to 50 letters and digits (the registry is RegistryName.azurecr.io), got "my-registry"`)
}

// TestContainerAppsInlineSecret checks a secret handed out by value (an external pooler's URL)
// becomes an app secret the container reads by secretRef, and stays a Pulumi secret.
func TestContainerAppsInlineSecret(t *testing.T) {
	const url = "postgres://app:pw@pooler.example:6543/db"
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		_, err := newContainerApp(ctx, "fn", &function.FunctionArgs{Code: pulumi.NewFileArchive("x.zip"), CodeHash: functiontest.Hash,
			Links: []link.Link{link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect,
				Env: map[string]link.Value{"URL": link.SecretRef{Name: pulumi.ToSecret(pulumi.String(url)).(pulumi.StringOutput), Key: link.AzureInlineSecret}}, Binding: link.AzureBinding{}})}})
		return err
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	app := r.One(t, containerApp)
	secrets := app.Inputs["configuration"].ObjectValue()["secrets"].ArrayValue()
	if len(secrets) != 1 {
		t.Fatalf("want one app secret, got %v", secrets)
	}
	value := secrets[0].ObjectValue()["value"]
	if !value.ContainsSecrets() {
		t.Errorf("the app secret's value is not a Pulumi secret: %v", value)
	}
	got := map[string]any{"name": componenttest.Prop(app.Inputs, "configuration.secrets.0.name"), "env": appEnv(t, appContainer(t, app))["DB_URL"]}
	want := map[string]any{"name": "db-url", "env": "secretRef:db-url"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("inline secret (-want +got):\n%s", diff)
	}
}
