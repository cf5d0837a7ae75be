package containerapps_test

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// countingCredential counts token requests: building a server must make none.
type countingCredential struct {
	mu    sync.Mutex
	calls int
}

func (c *countingCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	return azcore.AccessToken{Token: "t"}, nil
}

var azureEnv = map[string]string{
	"IMAGES_BUCKET": "images", "IMAGES_ACCOUNT_URL": "https://nimbusimg.blob.core.windows.net",
	"JOBS_QUEUE_NAME": "jobs", "JOBS_NAMESPACE": "nimbus.servicebus.windows.net",
	"DB_HOST": "nimbus.postgres.database.azure.com", "DB_NAME": "app", "DB_USER": "nimbus-api", "DB_AUTH": "entra", "DB_SSLMODE": "require",
}

func with(kv ...string) func(string) string {
	m := map[string]string{}
	for k, v := range azureEnv {
		m[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// TestPlatform: the Container Apps images build their servers from the variables the Azure
// components hand out, without any I/O (no token is asked for), the worker as a receive loop
// beside /healthz; the Knative images refuse every Azure setting.
func TestPlatform(t *testing.T) {
	t.Parallel()
	cred := &countingCredential{}
	p := containerapps.Platform(cred)
	api, err := knative.NewAPIServer(with(), p)
	if err != nil {
		t.Fatalf("api server: %v", err)
	}
	if api.Receiver != nil || api.Env.Store != knative.StoreAzblob {
		t.Errorf("api server: receiver %v, store %q; want none and azblob (the default here)", api.Receiver, api.Env.Store)
	}
	worker, err := knative.NewWorkerServer(with("JOBS_DELIVERY", "servicebus", "JOBS_MAX_RECEIVE_COUNT", "10"), p)
	if err != nil {
		t.Fatalf("worker server: %v", err)
	}
	if worker.Receiver == nil {
		t.Fatal("the servicebus worker has no receive loop")
	}
	for path, want := range map[string]int{"GET /healthz": 200, "POST /": 404, "POST /deadletter": 404} {
		method, target, _ := strings.Cut(path, " ")
		rec := httptest.NewRecorder()
		worker.Handler.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
		if rec.Code != want {
			t.Errorf("worker %s: %d, want %d (it receives its jobs; HTTP serves the probe only)", path, rec.Code, want)
		}
	}
	if cred.calls != 0 {
		t.Errorf("building the servers asked for %d tokens, want none (no I/O before the first request)", cred.calls)
	}

	for name, tc := range map[string]struct {
		reason  string
		worker  bool
		getenv  func(string) string
		wantErr string
	}{
		"blob":  {reason: "no Blob Storage", getenv: with("JOBS_QUEUE_NAME", "", "JOBS_NAMESPACE", "", "JOBS_BROKER_URL", "http://b", "DB_AUTH", "", "DB_PASSWORD", "p", "IMAGES_STORE", "azblob"), wantErr: "IMAGES_STORE=azblob is not linked into this image, which has s3"},
		"queue": {reason: "no Service Bus sender", getenv: with("IMAGES_STORE", "s3", "IMAGES_ACCOUNT_URL", "", "DB_AUTH", "", "DB_PASSWORD", "p"), wantErr: "JOBS_QUEUE_NAME is not linked into this image"},
		"loop": {reason: "no receive loop", worker: true, getenv: with("IMAGES_STORE", "s3", "IMAGES_ACCOUNT_URL", "", "DB_AUTH", "", "DB_PASSWORD", "p", "JOBS_DELIVERY", "servicebus", "JOBS_MAX_RECEIVE_COUNT", "10"),
			wantErr: "JOBS_DELIVERY=servicebus is not linked into this image, which has cloudevents"},
		"entra": {reason: "no Entra tokens", getenv: with("IMAGES_STORE", "s3", "IMAGES_ACCOUNT_URL", "", "JOBS_QUEUE_NAME", "", "JOBS_BROKER_URL", "http://b"), wantErr: "DB_AUTH=entra is not linked into this image, which has password"},
	} {
		var err error
		if tc.worker {
			_, err = knative.NewWorkerServer(tc.getenv, knative.Platform{})
		} else {
			_, err = knative.NewAPIServer(tc.getenv, knative.Platform{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: the Knative image: %v, want an error saying %q", name, err, tc.wantErr)
		}
	}
}

// TestImagesLinkTheirCloudOnly: the Knative images link no Azure or Google library, the Cloud
// Run images no Azure one, and the Container Apps images no Google one.
func TestImagesLinkTheirCloudOnly(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason    string
		forbidden []string
	}{
		"api-server":          {reason: "Knative", forbidden: []string{"github.com/Azure/", "cloud.google.com/"}},
		"worker-server":       {reason: "Knative", forbidden: []string{"github.com/Azure/", "cloud.google.com/"}},
		"migrate-job":         {reason: "Knative", forbidden: []string{"github.com/Azure/", "cloud.google.com/"}},
		"api-server-gcp":      {reason: "Cloud Run", forbidden: []string{"github.com/Azure/"}},
		"worker-server-gcp":   {reason: "Cloud Run", forbidden: []string{"github.com/Azure/"}},
		"migrate-job-gcp":     {reason: "Cloud Run", forbidden: []string{"github.com/Azure/"}},
		"api-server-azure":    {reason: "Container Apps", forbidden: []string{"cloud.google.com/", "google.golang.org/api"}},
		"worker-server-azure": {reason: "Container Apps", forbidden: []string{"cloud.google.com/", "google.golang.org/api"}},
		"migrate-job-azure":   {reason: "Container Apps", forbidden: []string{"cloud.google.com/", "google.golang.org/api"}},
	} {
		out, err := exec.Command("go", "list", "-deps", "../../cmd/"+name).Output()
		if err != nil {
			t.Fatalf("go list -deps ./cmd/%s: %v", name, err)
		}
		var got []string
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range tc.forbidden {
				if strings.HasPrefix(dep, f) {
					got = append(got, dep)
				}
			}
		}
		if diff := cmp.Diff([]string(nil), got); diff != "" {
			t.Errorf("%s (%s) links another cloud's library: -want +got:\n%s", name, tc.reason, diff)
		}
	}
}
