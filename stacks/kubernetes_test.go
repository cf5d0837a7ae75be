package stacks

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/components/componenttest"
)

const (
	apiDigest     = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	workerDigest  = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	migrateDigest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
)

// kubernetesStack is a minimal valid stack on kubernetes, rendering to a folder.
func kubernetesStack(t *testing.T) map[string]string {
	t.Helper()
	dir := fakeArtifacts(t)
	if err := os.MkdirAll(filepath.Join(dir, "oci"), 0o755); err != nil {
		t.Fatal(err)
	}
	digests := "api-server " + apiDigest + "\nworker-server " + workerDigest + "\nmigrate-job " + migrateDigest + "\n"
	if err := os.WriteFile(filepath.Join(dir, "oci", "DIGESTS"), []byte(digests), 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"nimbus:artifactsDir":             dir,
		"nimbus:cloud":                    "kubernetes",
		"nimbus:kubernetes.renderDir":     "out/manifests",
		"nimbus:kubernetes.registry":      "registry.example.test:5000/nimbus",
		"nimbus:bucket.endpoint":          "https://s3.example.test",
		"nimbus:bucket.name":              "images",
		"nimbus:bucket.credentialsSecret": "images-s3",
		"nimbus:api.warmInstances":        "1",
		"nimbus:queue.maxReceiveCount":    "4",
		"nimbus:kubernetes.backoffDelay":  "PT2S",
		"nimbus:kubernetes.namespace":     "shop",
	}
}

// TestKubernetesStack checks the composition on kubernetes: one explicit provider rendering to
// the configured folder used by every Kubernetes object, the images by the digests of
// oci/DIGESTS, min-scale from config, the worker's Trigger with retries from maxReceiveCount, and
// the migration as a Job both Services wait for.
func TestKubernetesStack(t *testing.T) {
	res, outputs := runStack(t, kubernetesStack(t))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	provider := res.One(t, "pulumi:providers:kubernetes")
	if got := componenttest.Str(provider.Inputs, "renderYamlToDirectory"); got != "out/manifests" {
		t.Errorf("provider renders to %q, want out/manifests", got)
	}
	ref := provider.URN + "::" + provider.ID
	for _, r := range res.Resources {
		if strings.HasPrefix(r.Type, "kubernetes:") && r.Provider != ref {
			t.Errorf("%s %s uses provider %q, want the stack's %q", r.Type, r.Name, r.Provider, ref)
		}
		if componenttest.Str(r.Inputs, "metadata.namespace") != "" && componenttest.Str(r.Inputs, "metadata.namespace") != "shop" {
			t.Errorf("%s %s is in namespace %q, want shop", r.Type, r.Name, componenttest.Str(r.Inputs, "metadata.namespace"))
		}
	}
	images := map[string]any{}
	for _, svc := range res.ByType("kubernetes:serving.knative.dev/v1:Service") {
		images[svc.Name] = componenttest.Prop(svc.Inputs, "spec.template.spec.containers.0.image")
		anns, _ := componenttest.Prop(svc.Inputs, "spec.template.metadata.annotations").(map[string]any)
		images[svc.Name+" min-scale"] = anns["autoscaling.knative.dev/min-scale"]
	}
	want := map[string]any{
		"api": "registry.example.test:5000/nimbus/api-server@" + apiDigest, "api min-scale": "1",
		"worker": "registry.example.test:5000/nimbus/worker-server@" + workerDigest, "worker min-scale": "0",
	}
	if diff := cmp.Diff(want, images); diff != "" {
		t.Errorf("services (-want +got):\n%s", diff)
	}
	tr := res.Named(t, "kubernetes:eventing.knative.dev/v1:Trigger", "worker-jobs")
	got := map[string]any{"retry": componenttest.Prop(tr.Inputs, "spec.delivery.retry"), "backoff": componenttest.Prop(tr.Inputs, "spec.delivery.backoffDelay")}
	if diff := cmp.Diff(map[string]any{"retry": 3.0, "backoff": "PT2S"}, got); diff != "" {
		t.Errorf("trigger: maxReceiveCount 4 is 3 retries (-want +got):\n%s", diff)
	}
	var fns []string
	for _, f := range res.ByType("nimbus:function:Function") {
		fns = append(fns, f.Name)
	}
	sort.Strings(fns)
	if diff := cmp.Diff([]string{"api", "migrate", "worker"}, fns); diff != "" {
		t.Errorf("functions (-want +got):\n%s", diff)
	}
	job := res.One(t, "kubernetes:batch/v1:Job")
	if got, want := componenttest.Str(job.Inputs, "spec.template.spec.containers.0.image"), "registry.example.test:5000/nimbus/migrate-job@"+migrateDigest; got != want {
		t.Errorf("migrate job image %q, want %q", got, want)
	}
	for _, svc := range res.ByType("kubernetes:serving.knative.dev/v1:Service") {
		if !slices.Contains(svc.Dependencies, job.URN) {
			t.Errorf("service %s does not wait for the migration job; depends on %v", svc.Name, svc.Dependencies)
		}
	}
	if _, ok := outputs["migrateCodeHash"]; !ok {
		t.Error("no migrateCodeHash output")
	}
	if outputs["queueUrl"] != "http://kafka-broker-ingress.knative-eventing.svc.cluster.local/shop/jobs" {
		t.Errorf("queueUrl %q: want the Kafka broker's ingress for shop/jobs", outputs["queueUrl"])
	}
}

func TestKubernetesStackErrors(t *testing.T) {
	cases := map[string]struct {
		reason string
		set    map[string]string
		drop   []string
		want   []string
	}{
		"required": {
			reason: "the registry and the bucket's settings have no defaults",
			drop:   []string{"nimbus:kubernetes.registry", "nimbus:bucket.endpoint", "nimbus:bucket.name", "nimbus:bucket.credentialsSecret"},
			want: []string{
				"nimbus:bucket.credentialsSecret must be set on kubernetes",
				"nimbus:bucket.endpoint must be set on kubernetes",
				"nimbus:bucket.name must be set on kubernetes",
				"nimbus:kubernetes.registry must be set on kubernetes",
			},
		},
		"exclusive": {
			reason: "apply or render, not both; a registry is no URL",
			set:    map[string]string{"nimbus:kubernetes.context": "kind-dev", "nimbus:kubernetes.registry": "https://registry.example.test/nimbus"},
			want: []string{
				"nimbus:kubernetes.context and nimbus:kubernetes.renderDir are exclusive",
				`nimbus:kubernetes.registry must be REGISTRY/PREFIX like registry.internal:5000/nimbus, without a scheme, tag or digest, got "https://registry.example.test/nimbus"`,
			},
		},
		"aws settings": {
			reason: "AWS-only settings are refused with the key that replaces them",
			set:    map[string]string{"nimbus:network.vpcId": "vpc-1", "nimbus:network.subnetIds": `["a","b"]`, "nimbus:alarms.emails": `["ops@example.com"]`},
			want: []string{
				"nimbus:alarms.emails and nimbus:alarms.topicArn are not implemented on kubernetes",
				"nimbus:network.vpcId and nimbus:network.subnetIds are AWS settings; on kubernetes the network is the namespace nimbus:kubernetes.namespace",
			},
		},
		"broker class": {
			reason: "the broker class is an enum",
			set:    map[string]string{"nimbus:kubernetes.brokerClass": "RabbitMQ"},
			want:   []string{"nimbus:kubernetes.brokerClass must be one of Kafka, MTChannelBasedBroker"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			raw := kubernetesStack(t)
			for _, k := range tc.drop {
				delete(raw, k)
			}
			for k, v := range tc.set {
				raw[k] = v
			}
			n, secrets := nested(raw, nil)
			_, err := Load(n, secrets)
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("%s: want %q in\n%v", tc.reason, w, err)
				}
			}
		})
	}
	// On aws the Kubernetes settings are refused, not ignored.
	n, _ := nested(with("nimbus:bucket.endpoint", "https://s3.example.test"), nil)
	if _, err := Load(n, nil); err == nil || !strings.Contains(err.Error(), "nimbus:bucket.endpoint is only used when nimbus:cloud is kubernetes, but it is aws") {
		t.Errorf("want bucket.endpoint refused on aws, got %v", err)
	}
}

// TestKubernetesStackExternalPooler checks the stack without a database of its own: no network is
// created, so everything goes in the configured namespace, which must exist; the functions read
// the external pooler's Secret by secretKeyRef.
func TestKubernetesStackExternalPooler(t *testing.T) {
	cfg := kubernetesStack(t)
	cfg["nimbus:database.pooler"] = "external"
	cfg["nimbus:database.externalUrl"] = "postgres://u:p@pooler.example.test:6543/images"
	cfg["nimbus:kubernetes.databaseSecret"] = "pooler"
	res, _ := runStack(t, cfg, "nimbus:database.externalUrl")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	for _, typ := range []string{"kubernetes:core/v1:Namespace", "kubernetes:postgresql.cnpg.io/v1:Cluster"} {
		if n := len(res.ByType(typ)); n != 0 {
			t.Errorf("want no %s, got %d", typ, n)
		}
	}
	svc := res.Named(t, "kubernetes:serving.knative.dev/v1:Service", "api")
	if ns := componenttest.Str(svc.Inputs, "metadata.namespace"); ns != "shop" {
		t.Errorf("api is in namespace %q, want shop", ns)
	}
	env, _ := componenttest.Prop(svc.Inputs, "spec.template.spec.containers.0.env").([]any)
	got := map[string]any{}
	for _, e := range env {
		m := e.(map[string]any)
		if n := m["name"].(string); strings.HasPrefix(n, "DB_") {
			got[n] = m["valueFrom"]
			if v, ok := m["value"]; ok {
				got[n] = v
			}
		}
	}
	ref := func(key string) any {
		return map[string]any{"secretKeyRef": map[string]any{"name": "pooler", "key": key}}
	}
	want := map[string]any{"DB_HOST": ref("host"), "DB_PORT": ref("port"), "DB_NAME": ref("dbname"), "DB_PASSWORD": ref("password"), "DB_USER": "nimbus", "DB_MAX_CONNS": "2"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("api's database settings (-want +got):\n%s", diff)
	}
	for _, r := range res.Resources {
		if !strings.HasPrefix(r.Type, "kubernetes:") {
			continue
		}
		b, _ := json.Marshal(r.Inputs.Mappable())
		for _, s := range []string{"u:p@", "pooler.example.test"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s %s holds the external URL's %q", r.Type, r.Name, s)
			}
		}
	}
}
