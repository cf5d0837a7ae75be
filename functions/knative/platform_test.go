package knative_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// TestPlatformSelection checks that a server refuses, when it is built, a variable naming an
// adapter its image does not link, and uses the Platform's adapter when it does.
func TestPlatformSelection(t *testing.T) {
	t.Parallel()
	base := map[string]string{"IMAGES_BUCKET": "b", "JOBS_BROKER_URL": "http://broker", "DB_HOST": "h", "DB_NAME": "d", "DB_USER": "u", "DB_PASSWORD": "p"}
	with := func(kv ...string) func(string) string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	var used []string
	fake := knative.Platform{
		Defaults: map[string]string{"IMAGES_STORE": "gcs"},
		Stores: map[string]func(string) (images.BlobStore, error){
			"gcs": func(b string) (images.BlobStore, error) {
				used = append(used, "store "+b)
				return &imagestest.Blobs{}, nil
			},
		},
		Topic: func(name string) (images.JobPublisher, error) {
			used = append(used, "topic "+name)
			return &imagestest.Jobs{}, nil
		},
		Deliveries: map[string]func(*images.Worker, knative.PushEnv, *slog.Logger) (http.Handler, error){
			"pubsub-push": func(_ *images.Worker, p knative.PushEnv, _ *slog.Logger) (http.Handler, error) {
				used = append(used, "push "+p.Audience)
				return http.NotFoundHandler(), nil
			},
		},
	}
	for name, tc := range map[string]struct {
		reason   string
		worker   bool
		getenv   func(string) string
		p        knative.Platform
		wantErr  string
		wantUsed []string
	}{
		"knative gcs":   {reason: "the Knative image links no Cloud Storage", getenv: with("IMAGES_STORE", "gcs"), wantErr: "IMAGES_STORE=gcs is not linked into this image, which has s3"},
		"knative topic": {reason: "nor Pub/Sub", getenv: with("JOBS_BROKER_URL", "", "JOBS_TOPIC", "projects/p/topics/t"), wantErr: "JOBS_TOPIC is not linked into this image"},
		"knative push":  {reason: "nor the push worker", worker: true, getenv: with("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "5"), wantErr: "JOBS_DELIVERY=pubsub-push is not linked into this image, which has cloudevents"},
		"knative iam":   {reason: "nor Cloud SQL IAM", getenv: with("DB_PASSWORD", "", "DB_AUTH", "cloudsql-iam"), wantErr: "DB_AUTH=cloudsql-iam is not linked into this image, which has password"},
		"platform api": {reason: "the Platform's store (by its default) and topic", getenv: with("JOBS_BROKER_URL", "", "JOBS_TOPIC", "projects/p/topics/t"), p: fake,
			wantUsed: []string{"topic projects/p/topics/t", "store b"}},
		"platform push": {reason: "the Platform's push handler", worker: true, getenv: with("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "5", "JOBS_PUSH_AUDIENCE", "aud"), p: fake,
			wantUsed: []string{"store b", "push aud"}},
		"platform no iam": {reason: "a Platform without the DB_AUTH named", getenv: with("DB_PASSWORD", "", "DB_AUTH", "cloudsql-iam"), p: fake, wantErr: "DB_AUTH=cloudsql-iam is not linked into this image, which has password"},
	} {
		t.Run(name, func(t *testing.T) {
			used = nil
			var err error
			if tc.worker {
				_, err = knative.NewWorkerServer(tc.getenv, tc.p)
			} else {
				_, err = knative.NewAPIServer(tc.getenv, tc.p)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.wantUsed, used); diff != "" {
					t.Errorf("%s: the Platform's adapters used: -want +got:\n%s", tc.reason, diff)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tc.reason, err, tc.wantErr)
			}
		})
	}
}
