package kubetest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"gopkg.in/yaml.v3"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/kubetest"
	"github.com/nimbus-iac/nimbus/internal/plan/golden"
	"github.com/nimbus-iac/nimbus/stacks"
)

// namespace is the local stack's (Pulumi.local.yaml nimbus:kubernetes.namespace).
const namespace = "nimbus-local"

// kinds are the API paths, in the namespace, of every kind of object the local stack creates
// (testdata/plans/local.json), each listed to find the stack's objects.
var kinds = map[string]string{
	"ServiceAccount": "/api/v1/namespaces/" + namespace + "/serviceaccounts",
	"Secret":         "/api/v1/namespaces/" + namespace + "/secrets",
	"Service":        "/apis/serving.knative.dev/v1/namespaces/" + namespace + "/services",
	"Broker":         "/apis/eventing.knative.dev/v1/namespaces/" + namespace + "/brokers",
	"Trigger":        "/apis/eventing.knative.dev/v1/namespaces/" + namespace + "/triggers",
	"Cluster":        "/apis/postgresql.cnpg.io/v1/namespaces/" + namespace + "/clusters",
	"Pooler":         "/apis/postgresql.cnpg.io/v1/namespaces/" + namespace + "/poolers",
	"Job":            "/apis/batch/v1/namespaces/" + namespace + "/jobs",
}

// object is the part of a stored object the test looks at.
type object struct {
	Metadata struct {
		Name              string            `json:"name"`
		UID               string            `json:"uid"`
		DeletionTimestamp string            `json:"deletionTimestamp"`
		Finalizers        []string          `json:"finalizers"`
		Annotations       map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec   map[string]any    `json:"spec"`
	Data   map[string]string `json:"data"`
	Status map[string]any    `json:"status"`
}

// TestLocalStack deploys the local stack (Pulumi.local.yaml, cloud kubernetes) with
// stacks.Program on the real engine and the real Kubernetes provider to a real API server with
// the Knative and CloudNativePG CRDs: create, the migration Job before the Services, no change, a
// config change in place, no secret value in the state, destroy. The kubernetes plugin is the only
// one the stack needs.
func TestLocalStack(t *testing.T) {
	ctx := context.Background()
	srv := kubetest.StartAPIServer(t)
	kubetest.InstallCRDs(t, srv)
	s, backend := localStack(t, srv)
	planned := plannedResources(t)
	jobs := jobController(t, srv)

	// 1. The first up creates everything local.json plans, the Knative Services only once the
	// migration Job completed.
	start := time.Now()
	up, err := s.Up(ctx)
	if err != nil {
		t.Fatalf("first up: %v", err)
	}
	t.Logf("first up in %s", time.Since(start).Round(time.Millisecond))
	if runs := jobs.runs(); len(runs) != 1 {
		t.Errorf("the first up ran %d migration Jobs, want 1: %+v", len(runs), runs)
	} else if len(runs[0].servicesBefore) != 0 {
		t.Errorf("the Knative Services %v existed before the migration Job %s completed", runs[0].servicesBefore, runs[0].name)
	}
	if diff := cmp.Diff(map[string]int{"create": planned}, *up.Summary.ResourceChanges); diff != "" {
		t.Errorf("first up, against the %d resources of testdata/plans/local.json (-want +got):\n%s", planned, diff)
	}
	names := map[string][]string{}
	for kind := range kinds {
		for _, o := range listObjects(t, srv, kind) {
			names[kind] = append(names[kind], o.Metadata.Name)
		}
	}
	want := map[string][]string{
		"ServiceAccount": {"api", "migrate", "worker"},
		"Job":            names["Job"][:min(1, len(names["Job"]))], // named by the engine, checked below
		"Service":        {"api", "worker"},
		"Broker":         {"jobs", "jobs-dlq"},
		"Trigger":        {"worker-jobs", "worker-jobs-failed"},
		"Cluster":        {"db"},
		"Pooler":         {"db-pooler-rw"},
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("the stack's objects on the API server (-want +got):\n%s", diff)
	}
	api := getObject(t, srv, "Service", "api")
	for key, want := range map[string]string{
		"autoscaling.knative.dev/min-scale": "0", // nimbus:api.warmInstances
		"autoscaling.knative.dev/max-scale": "2", // nimbus:api.maxInstances
	} {
		if got := templateAnnotation(api, key); got != want {
			t.Errorf("the api Service's %s is %q, want %q", key, got, want)
		}
	}
	trigger := getObject(t, srv, "Trigger", "worker-jobs")
	if got, _ := dig(trigger.Spec, "delivery", "deadLetterSink", "ref", "name").(string); got != "jobs-dlq" {
		t.Errorf("the Trigger worker-jobs' dead-letter sink is %q, want the Broker jobs-dlq", got)
	}
	if got, _ := dig(trigger.Spec, "broker").(string); got != "jobs" {
		t.Errorf("the Trigger worker-jobs is on Broker %q, want jobs", got)
	}
	if got := getObject(t, srv, "Broker", "jobs").Metadata.Annotations["eventing.knative.dev/broker.class"]; got != "MTChannelBasedBroker" {
		t.Errorf("the Broker jobs' class is %q, want MTChannelBasedBroker (nimbus:kubernetes.brokerClass)", got)
	}
	cluster := getObject(t, srv, "Cluster", "db")
	if got, _ := dig(cluster.Spec, "storage", "size").(string); got != "20Gi" {
		t.Errorf("the Cluster db's storage is %q, want 20Gi (nimbus:database.storageGb)", got)
	}
	if len(names["Job"]) == 1 {
		job := getObject(t, srv, "Job", names["Job"][0])
		if !strings.HasPrefix(job.Metadata.Name, "migrate-") {
			t.Errorf("the migration Job is named %q, want migrate-xxxxxxxx", job.Metadata.Name)
		}
		if got, _ := dig(job.Spec, "template", "spec", "containers").([]any); len(got) != 1 {
			t.Errorf("the migration Job has %d containers, want 1", len(got))
		}
	}
	pooler := getObject(t, srv, "Pooler", "db-pooler-rw")
	if got, _ := dig(pooler.Spec, "cluster", "name").(string); got != "db" {
		t.Errorf("the Pooler pools cluster %q, want db", got)
	}
	if got, _ := dig(pooler.Spec, "pgbouncer", "parameters", "default_pool_size").(string); got != "10" {
		t.Errorf("the Pooler's default_pool_size is %q, want 10 (nimbus:kubernetes.poolSize)", got)
	}

	// 2. Nothing changed: nothing to do.
	start = time.Now()
	if _, err := s.Stack.Up(ctx, optup.ExpectNoChanges()); err != nil {
		t.Errorf("a second up with no change changed something: %v", err)
	}
	t.Logf("second up in %s", time.Since(start).Round(time.Millisecond))

	// 3. Warm instances: the api Service is updated in place.
	if err := s.SetConfigWithOptions(ctx, "nimbus:api.warmInstances", auto.ConfigValue{Value: "1"}, &auto.ConfigOptions{Path: true}); err != nil {
		t.Fatal(err)
	}
	up, err = s.Up(ctx)
	if err != nil {
		t.Fatalf("up with api.warmInstances 1: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"same": planned - 1, "update": 1}, *up.Summary.ResourceChanges); diff != "" {
		t.Errorf("up with api.warmInstances 1 (-want +got):\n%s", diff)
	}
	updated := getObject(t, srv, "Service", "api")
	if got := templateAnnotation(updated, "autoscaling.knative.dev/min-scale"); got != "1" {
		t.Errorf("after api.warmInstances 1 the api Service's min-scale is %q, want 1", got)
	}
	if updated.Metadata.UID != api.Metadata.UID {
		t.Errorf("the api Service was replaced (uid %s, then %s), not updated in place", api.Metadata.UID, updated.Metadata.UID)
	}

	// 3b. The API as a service (nimbus:api.kind container): the same Knative Service and
	// ServiceAccount move under the nimbus:service:Service component (aliases) and are updated in
	// place, not created beside the old ones under the same names; the function component goes.
	for key, value := range map[string]string{"nimbus:api.kind": "container", "nimbus:api.cpu": "250", "nimbus:api.memoryMb": "512"} {
		if err := s.SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: value}, &auto.ConfigOptions{Path: true}); err != nil {
			t.Fatal(err)
		}
	}
	up, err = s.Up(ctx)
	if err != nil {
		t.Fatalf("up with api.kind container: %v", err)
	}
	if diff := cmp.Diff(map[string]int{"same": planned - 2, "update": 1, "create": 1, "delete": 1}, *up.Summary.ResourceChanges); diff != "" {
		t.Errorf("up with api.kind container (-want +got):\n%s", diff)
	}
	asService := getObject(t, srv, "Service", "api")
	if asService.Metadata.UID != api.Metadata.UID {
		t.Errorf("the api Service was replaced (uid %s, then %s) when it became a service, not moved and updated in place", api.Metadata.UID, asService.Metadata.UID)
	}
	if got := templateAnnotation(asService, "autoscaling.knative.dev/min-scale"); got != "1" {
		t.Errorf("the api service's min-scale is %q, want 1 (always up)", got)
	}
	containers, _ := dig(asService.Spec, "template", "spec", "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("the api service has %d containers, want 1", len(containers))
	}
	if got, _ := dig(containers[0].(map[string]any), "resources", "limits", "cpu").(string); got != "250m" {
		t.Errorf("the api service's CPU limit is %q, want 250m (nimbus:api.cpu)", got)
	}
	var components []string
	st, err := s.Export(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			URN string `json:"urn"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(st.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	for _, r := range state.Resources {
		if strings.HasSuffix(r.URN, "::api") && (strings.Contains(r.URN, "::nimbus:function:Function::") || strings.Contains(r.URN, "::nimbus:service:Service::")) {
			components = append(components, r.URN[strings.LastIndex(r.URN[:strings.LastIndex(r.URN, "::")], "::")+2:])
		}
	}
	if diff := cmp.Diff([]string{"nimbus:service:Service::api"}, components); diff != "" {
		t.Errorf("the api's component in the state (-want +got):\n%s", diff)
	}

	if runs := jobs.runs(); len(runs) != 1 {
		t.Errorf("ups that changed neither the migration nor the database ran %d Jobs in all, want 1", len(runs))
	}

	// 4. No secret value is in the state. CNPG's operator would generate the credentials into
	// Secrets the manifests only reference; put them where it would, refresh, and look for them
	// in the checkpoint the file backend keeps (not s.Export, which decrypts).
	password := "cnpg-generated-" + strings.Repeat("x", 24)
	for _, name := range []string{"db-app", "db-superuser"} {
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Secret","metadata":{"name":%q},"type":"kubernetes.io/basic-auth","stringData":{"username":"u","password":%q}}`, name, password+name)
		if status, b, err := srv.Do(ctx, http.MethodPost, kinds["Secret"], "application/json", []byte(body)); err != nil || status != http.StatusCreated {
			t.Fatalf("create the Secret %s as CNPG would: %d %s %v", name, status, b, err)
		}
	}
	if _, err := s.Stack.Refresh(ctx); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	checkpoint := filepath.Join(backend, ".pulumi", "stacks", "nimbus", "local.json")
	b, err := os.ReadFile(checkpoint)
	if err != nil {
		t.Fatalf("the stack's state: %v", err)
	}
	if strings.Contains(string(b), password) || strings.Contains(string(b), base64.StdEncoding.EncodeToString([]byte(password))[:20]) {
		t.Error("the stack's state holds a password CNPG generated")
	}
	for _, want := range []string{`"db-superuser"`, `"db-app"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the state has no reference to the Secret %s: is the test looking at the right file?", want)
		}
	}

	// 5. Destroy leaves none of the stack's objects.
	stopGC := garbageCollector(t, srv)
	start = time.Now()
	_, err = s.Destroy(ctx)
	stopGC()
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	t.Logf("destroy in %s", time.Since(start).Round(time.Millisecond))
	for kind := range kinds {
		for _, o := range listObjects(t, srv, kind) {
			if kind == "Secret" && strings.HasPrefix(o.Metadata.Name, "db-") {
				continue // CNPG's, created above as it would; owned by the Cluster, not the stack
			}
			t.Errorf("after destroy, the %s %s/%s is still on the API server", kind, namespace, o.Metadata.Name)
		}
	}
	// No namespace controller runs: the namespace is Terminating, its contents already gone.
	status, body, err := srv.Do(ctx, http.MethodGet, "/api/v1/namespaces/"+namespace, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if status == http.StatusOK {
		var ns object
		if err := json.Unmarshal(body, &ns); err != nil {
			t.Fatal(err)
		}
		if ns.Metadata.DeletionTimestamp == "" {
			t.Errorf("after destroy, the namespace %s is not being deleted", namespace)
		}
		t.Logf("after destroy the namespace is %v (no namespace controller finalizes it)", ns.Status["phase"])
	} else if status != http.StatusNotFound {
		t.Errorf("GET namespace %s: %d: %s", namespace, status, body)
	}
}

// localStack opens the local stack of a fresh project: the repository's Pulumi.yaml, a stack file
// derived from Pulumi.local.yaml applying to the test server's kubeconfig context instead of
// rendering, the plans' stand-in artifacts, a Pulumi home with the kubernetes plugin built from
// tools/pulumi-kubernetes and the fake provider as random.
func localStack(t *testing.T, srv *kubetest.Server) (s *engine.Stack, backend string) {
	t.Helper()
	ctx := context.Background()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	binOnce.Do(func() {
		if _, provider, binErr = kubetest.Binaries(ctx, kubetest.Options{}); binErr != nil {
			return
		}
		opts := engine.CLIOptions{ProjectDir: root}
		if cliPath, binErr = engine.CLIPath(ctx, opts); binErr != nil {
			return
		}
		cli, binErr = engine.CLI(ctx, opts)
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	// The plugins the planned resources need: only kubernetes (CNPG generates the passwords).
	plugins, err := engine.PluginsFor(plannedTypes(t), engine.ModuleVersions(root))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]engine.Plugin{{Name: "kubernetes", Version: kubetest.ProviderVersion}}, plugins); diff != "" {
		t.Fatalf("the plugins the local stack needs (-want +got):\n%s", diff)
	}
	home := t.TempDir()
	if err := kubetest.InstallProvider(ctx, cliPath, home, provider); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "Pulumi.yaml"), b)
	b, err = os.ReadFile(filepath.Join(root, "Pulumi.local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var stackFile struct {
		Config map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(b, &stackFile); err != nil {
		t.Fatal(err)
	}
	k, _ := stackFile.Config["nimbus:kubernetes"].(map[string]any)
	if k == nil || k["namespace"] != namespace {
		t.Fatalf("Pulumi.local.yaml's nimbus:kubernetes is %v, want namespace %s", k, namespace)
	}
	delete(k, "renderDir")
	k["context"] = "kubetest" // the context of srv.Kubeconfig
	stackFile.Config["nimbus:artifactsDir"] = filepath.Join(root, golden.ArtifactsDir)
	out, err := yaml.Marshal(stackFile)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, filepath.Join(dir, "Pulumi.local.yaml"), out)

	backend = t.TempDir()
	s, err = engine.Open(ctx, engine.Options{
		ProjectDir: dir, Stack: "local", Program: stacks.Program, CLI: cli, Plugins: plugins,
		Stdout: testWriter{t}, Stderr: testWriter{t},
		Env: map[string]string{
			"PULUMI_HOME":              home,
			"PULUMI_BACKEND_URL":       "file://" + backend,
			"PULUMI_CONFIG_PASSPHRASE": "kubetest",
			"KUBECONFIG":               srv.Kubeconfig,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, backend
}

// plannedTypes are the resource types testdata/plans/local.json plans.
func plannedTypes(t *testing.T) []string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "plans", "local.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Resources []struct{ Type string } }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range p.Resources {
		if !slices.Contains(types, r.Type) {
			types = append(types, r.Type)
		}
	}
	sort.Strings(types)
	return types
}

// plannedResources is how many resources testdata/plans/local.json plans, less the default
// providers, which the engine's summary does not count.
func plannedResources(t *testing.T) int {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "plans", "local.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Resources []struct{ URN string } }
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range p.Resources {
		if !strings.Contains(r.URN, "::pulumi:providers:") || !strings.Contains(r.URN, "::default") {
			n++
		}
	}
	return n
}

// jobRun is one Job the stand-in controller completed, and the Knative Services that existed
// when it did.
type jobRun struct {
	name           string
	servicesBefore []string
}

type jobStandIn struct {
	mu   sync.Mutex
	done []jobRun
}

func (j *jobStandIn) runs() []jobRun {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.done)
}

// jobController stands in for the Job controller and the kubelet, which this API server lacks,
// until the test ends: a Job of the namespace that has not started is, a second later, marked
// started, succeeded and complete through its status subresource, as the controller reports a
// pod that exited 0. The Kubernetes provider reports a Job created only once it is complete, so
// what depends on it waits for this; the stand-in records which Knative Services already existed.
func jobController(t *testing.T, srv *kubetest.Server) *jobStandIn {
	j := &jobStandIn{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond)
			_, body, err := srv.Do(ctx, http.MethodGet, kinds["Job"], "", nil)
			if err != nil {
				continue
			}
			var l struct{ Items []object }
			if json.Unmarshal(body, &l) != nil {
				continue
			}
			for _, o := range l.Items {
				if o.Status["startTime"] != nil || o.Metadata.DeletionTimestamp != "" {
					continue
				}
				time.Sleep(time.Second) // the pod runs
				var services []string
				_, sb, err := srv.Do(ctx, http.MethodGet, kinds["Service"], "", nil)
				var sl struct{ Items []object }
				if err == nil && json.Unmarshal(sb, &sl) == nil {
					for _, s := range sl.Items {
						services = append(services, s.Metadata.Name)
					}
				}
				now := time.Now().UTC().Format(time.RFC3339)
				cond := func(typ, reason string) map[string]any {
					return map[string]any{"type": typ, "status": "True", "reason": reason, "message": "Reached expected number of succeeded pods",
						"lastProbeTime": now, "lastTransitionTime": now}
				}
				patch, _ := json.Marshal(map[string]any{"status": map[string]any{
					"startTime": now, "completionTime": now, "succeeded": 1, "ready": 0, "terminating": 0,
					"conditions": []any{cond("SuccessCriteriaMet", "CompletionsReached"), cond("Complete", "CompletionsReached")},
				}})
				status, b, err := srv.Do(ctx, http.MethodPatch, kinds["Job"]+"/"+o.Metadata.Name+"/status", "application/merge-patch+json", patch)
				if err != nil || status != http.StatusOK {
					t.Errorf("cannot complete the Job %s: %d %s %v", o.Metadata.Name, status, b, err)
					continue
				}
				j.mu.Lock()
				j.done = append(j.done, jobRun{name: o.Metadata.Name, servicesBefore: services})
				j.mu.Unlock()
			}
		}
	}()
	return j
}

// garbageCollector stands in for the controller manager's garbage collector, which this API
// server lacks, until stop is called: the provider deletes with foreground propagation, so the
// API server marks each object with the foregroundDeletion finalizer and leaves its removal to
// the collector. No controller ran, so no object has dependents: the collector would remove the
// finalizer at once, and so does this one. Any other finalizer is left in place.
func garbageCollector(t *testing.T, srv *kubetest.Server) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			for kind, path := range kinds {
				_, body, err := srv.Do(ctx, http.MethodGet, path, "", nil)
				if err != nil {
					continue
				}
				var l struct{ Items []object }
				if json.Unmarshal(body, &l) != nil {
					continue
				}
				for _, o := range l.Items {
					if o.Metadata.DeletionTimestamp == "" || len(o.Metadata.Finalizers) != 1 || o.Metadata.Finalizers[0] != "foregroundDeletion" {
						continue
					}
					patch := []byte(`{"metadata":{"finalizers":null}}`)
					if status, body, err := srv.Do(ctx, http.MethodPatch, path+"/"+o.Metadata.Name, "application/merge-patch+json", patch); err == nil && status != http.StatusOK && status != http.StatusNotFound {
						t.Logf("cannot remove the foregroundDeletion finalizer of %s %s: %d: %s", kind, o.Metadata.Name, status, body)
					}
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	return func() { cancel(); <-done }
}

// listObjects returns the objects of kind in the namespace.
func listObjects(t *testing.T, srv *kubetest.Server, kind string) []object {
	t.Helper()
	status, body, err := srv.Do(context.Background(), http.MethodGet, kinds[kind], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d: %s", kinds[kind], status, body)
	}
	var l struct{ Items []object }
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// getObject reads one object of kind from the namespace.
func getObject(t *testing.T, srv *kubetest.Server, kind, name string) object {
	t.Helper()
	path := kinds[kind] + "/" + name
	status, body, err := srv.Do(context.Background(), http.MethodGet, path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d: %s", path, status, body)
	}
	var o object
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

func templateAnnotation(o object, key string) string {
	v, _ := dig(o.Spec, "template", "metadata", "annotations", key).(string)
	return v
}

// dig follows keys into nested maps; nil if any is missing.
func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func writeTestFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(fmt.Errorf("cannot write %s: %w", path, err))
	}
}
