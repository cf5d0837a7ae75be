package kubetest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apiextensions"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/kubetest"
)

const servicePath = "/apis/serving.knative.dev/v1/namespaces/default/services/hello"

// service is what the program declares; a test changes it between updates.
type service struct {
	minScale string
	// containerConcurrency is whatever the test wants the API server to see.
	containerConcurrency any
}

// knativeService is a program with one Knative Service named hello, through a provider for the
// given kubeconfig (or rendering to a folder when render is set).
func knativeService(kubeconfig, render string, svc *service) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		args := &kubernetes.ProviderArgs{}
		if render != "" {
			args.RenderYamlToDirectory = pulumi.String(render)
		} else {
			args.Kubeconfig = pulumi.ToSecret(pulumi.String(kubeconfig)).(pulumi.StringOutput)
		}
		p, err := kubernetes.NewProvider(ctx, "kube", args)
		if err != nil {
			return err
		}
		_, err = apiextensions.NewCustomResource(ctx, "hello", &apiextensions.CustomResourceArgs{
			ApiVersion: pulumi.String("serving.knative.dev/v1"),
			Kind:       pulumi.String("Service"),
			Metadata: &metav1.ObjectMetaArgs{
				Name:      pulumi.String("hello"),
				Namespace: pulumi.String("default"),
				// No Knative controller runs: the Service never gets a Ready status to wait for. No
				// garbage collector runs either, so a foreground deletion (the provider's default)
				// would wait forever for its foregroundDeletion finalizer to be removed.
				Annotations: pulumi.StringMap{
					"pulumi.com/skipAwait":                 pulumi.String("true"),
					"pulumi.com/deletionPropagationPolicy": pulumi.String("background"),
				},
			},
			OtherFields: kubernetes.UntypedArgs{
				"spec": pulumi.Map{
					"template": pulumi.Map{
						"metadata": pulumi.Map{
							"annotations": pulumi.StringMap{"autoscaling.knative.dev/min-scale": pulumi.String(svc.minScale)},
						},
						"spec": pulumi.Map{
							"containerConcurrency": pulumi.Any(svc.containerConcurrency),
							"containers": pulumi.Array{pulumi.Map{
								"image": pulumi.String("registry.invalid/hello@sha256:" + strings.Repeat("0", 64)),
							}},
						},
					},
				},
			},
		}, pulumi.Provider(p))
		return err
	}
}

var (
	binOnce           sync.Once
	cliPath, provider string
	cli               auto.PulumiCommand
	binErr            error
)

// stack opens a stack of a fresh project, on its own file backend, with a Pulumi home holding
// the kubernetes plugin built from tools/pulumi-kubernetes.
func stack(t *testing.T, program pulumi.RunFunc) *engine.Stack {
	t.Helper()
	s, _ := stackWithConfig(t, program, "config: {}\n")
	return s
}

// stackWithConfig is stack with Pulumi.test.yaml's content given; it returns the project folder.
func stackWithConfig(t *testing.T, program pulumi.RunFunc, stackYAML string) (*engine.Stack, string) {
	t.Helper()
	kubetest.Skip(t) // skips only with NIMBUS_SKIP_KUBE=1, saying so
	ctx := context.Background()
	binOnce.Do(func() {
		root, err := kubetest.ProjectDir()
		if err != nil {
			binErr = err
			return
		}
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
	home := t.TempDir()
	if err := kubetest.InstallProvider(ctx, cliPath, home, provider); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, body := range map[string]string{
		"Pulumi.yaml":      "name: kubetest\nruntime: go\n",
		"Pulumi.test.yaml": stackYAML,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := engine.Open(ctx, engine.Options{
		ProjectDir: dir, Stack: "test", Program: program, CLI: cli,
		Stdout: testWriter{t}, Stderr: testWriter{t},
		Env: map[string]string{
			"PULUMI_HOME":              home,
			"PULUMI_BACKEND_URL":       "file://" + t.TempDir(),
			"PULUMI_CONFIG_PASSPHRASE": "kubetest",
		},
		Plugins: []engine.Plugin{{Name: "kubernetes", Version: kubetest.ProviderVersion}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// testWriter sends the engine's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// knative is the part of a stored Knative Service the tests look at.
type knative struct {
	Metadata struct {
		UID         string            `json:"uid"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Template struct {
			Metadata struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		} `json:"template"`
	} `json:"spec"`
}

// get reads the hello Service from the API server; found is false on 404.
func get(t *testing.T, s *kubetest.Server) (svc knative, found bool) {
	t.Helper()
	status, body, err := s.Do(context.Background(), http.MethodGet, servicePath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	switch status {
	case http.StatusNotFound:
		return svc, false
	case http.StatusOK:
		if err := json.Unmarshal(body, &svc); err != nil {
			t.Fatal(err)
		}
		return svc, true
	}
	t.Fatalf("GET %s: %d: %s", servicePath, status, body)
	return svc, false
}

// TestKnativeServiceLifecycle runs a Knative Service's whole life on the real engine against a
// real API server with Knative's CRDs: create, no-op, update in place, a manifest the CRD schema
// rejects, destroy.
func TestKnativeServiceLifecycle(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	srv := kubetest.StartAPIServer(t)
	t.Logf("API server ready in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	kubetest.InstallCRDs(t, srv)
	t.Logf("CRDs established in %s", time.Since(start).Round(time.Millisecond))
	kubeconfig := srv.KubeconfigYAML()

	svc := &service{minScale: "1", containerConcurrency: 10}
	s := stack(t, knativeService(kubeconfig, "", svc))
	start = time.Now()
	up, err := s.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first up in %s", time.Since(start).Round(time.Millisecond))
	if diff := cmp.Diff(map[string]int{"create": 3}, *up.Summary.ResourceChanges); diff != "" {
		t.Errorf("first up (-want +got):\n%s", diff)
	}
	created, found := get(t, srv)
	if !found {
		t.Fatal("after up, the API server has no Knative Service hello")
	}
	if got := created.Spec.Template.Metadata.Annotations["autoscaling.knative.dev/min-scale"]; got != "1" {
		t.Errorf("min-scale is %q, want 1", got)
	}

	start = time.Now()
	if _, err := s.Stack.Up(ctx, optup.ExpectNoChanges()); err != nil {
		t.Errorf("a second up changed something: %v", err)
	}
	t.Logf("second up in %s", time.Since(start).Round(time.Millisecond))

	svc.minScale = "2"
	up, err = s.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"same": 2, "update": 1}, *up.Summary.ResourceChanges); diff != "" {
		t.Errorf("up with min-scale 2 (-want +got):\n%s", diff)
	}
	updated, _ := get(t, srv)
	if got := updated.Spec.Template.Metadata.Annotations["autoscaling.knative.dev/min-scale"]; got != "2" {
		t.Errorf("after the update min-scale is %q, want 2", got)
	}
	if updated.Metadata.UID != created.Metadata.UID {
		t.Errorf("the Service was replaced (uid %s, then %s), not updated in place", created.Metadata.UID, updated.Metadata.UID)
	}

	svc.containerConcurrency = "ten"
	if _, err := s.Up(ctx); err == nil {
		t.Error("up with containerConcurrency \"ten\" succeeded; the CRD schema should reject it")
	} else if !strings.Contains(err.Error(), "containerConcurrency") {
		t.Errorf("up with containerConcurrency \"ten\" failed, but not naming the field: %v", err)
	}
	if kept, _ := get(t, srv); kept.Metadata.UID != created.Metadata.UID || kept.Spec.Template.Metadata.Annotations["autoscaling.knative.dev/min-scale"] != "2" {
		t.Errorf("the rejected up changed the stored Service: %+v", kept)
	}

	start = time.Now()
	if _, err := s.Destroy(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("destroy in %s", time.Since(start).Round(time.Millisecond))
	if _, found := get(t, srv); found {
		t.Error("after destroy, the Knative Service hello is still on the API server")
	}
}

// TestRender renders the program's YAML to a folder: the provider needs no cluster then.
func TestRender(t *testing.T) {
	dir := t.TempDir()
	s := stack(t, knativeService("", dir, &service{minScale: "1", containerConcurrency: 10}))
	if _, err := s.Up(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.yaml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("rendered %v (%v), want one manifest", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apiVersion: serving.knative.dev/v1", "kind: Service", "autoscaling.knative.dev/min-scale: \"1\"", "containerConcurrency: 10"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the rendered manifest lacks %q:\n%s", want, b)
		}
	}
}
