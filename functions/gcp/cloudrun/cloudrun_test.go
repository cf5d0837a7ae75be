package cloudrun_test

import (
	"strings"
	"testing"

	"github.com/nimbus-iac/nimbus/functions/gcp/cloudrun"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// TestPlatformChecks: what LoadEnv leaves to the GCP adapters is refused when the server is
// built: a topic that is no projects/P/topics/T, and a receive count outside Pub/Sub's bounds.
func TestPlatformChecks(t *testing.T) {
	t.Parallel()
	base := map[string]string{"IMAGES_BUCKET": "b", "DB_HOST": "10.0.0.3", "DB_NAME": "images", "DB_USER": "api@p.iam", "DB_AUTH": "cloudsql-iam"}
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
	for name, tc := range map[string]struct {
		reason  string
		worker  bool
		getenv  func(string) string
		wantErr string
	}{
		"api":       {reason: "the Cloud Run api's environment", getenv: with("JOBS_TOPIC", "projects/my-proj/topics/jobs", "JOBS_QUEUE_URL", "projects/my-proj/topics/jobs")},
		"worker":    {reason: "the Cloud Run worker's environment", worker: true, getenv: with("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "5", "JOBS_PUSH_AUDIENCE", "projects/my-proj/topics/jobs", "JOBS_PUSH_SERVICE_ACCOUNT", "push@my-proj.iam.gserviceaccount.com")},
		"bad topic": {reason: "a topic id alone", getenv: with("JOBS_TOPIC", "jobs"), wantErr: "JOBS_TOPIC: topic must be projects/PROJECT/topics/TOPIC"},
		"too few":   {reason: "Pub/Sub allows 5 to 100", worker: true, getenv: with("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "4"), wantErr: "JOBS_MAX_RECEIVE_COUNT must be between 5 and 100 with JOBS_DELIVERY=pubsub-push (Pub/Sub's bounds of maxDeliveryAttempts), got 4"},
		"too many":  {reason: "Pub/Sub allows 5 to 100", worker: true, getenv: with("JOBS_DELIVERY", "pubsub-push", "JOBS_MAX_RECEIVE_COUNT", "101"), wantErr: "got 101"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var srv *knative.Server
			var err error
			if tc.worker {
				srv, err = knative.NewWorkerServer(tc.getenv, cloudrun.Platform(nil))
			} else {
				srv, err = knative.NewAPIServer(tc.getenv, cloudrun.Platform(nil))
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("%s: %v", tc.reason, err)
				}
				if srv.Env.Store != knative.StoreGCS {
					t.Errorf("%s: IMAGES_STORE %q, want the Cloud Run default %q", tc.reason, srv.Env.Store, knative.StoreGCS)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want one saying %q", tc.reason, err, tc.wantErr)
			}
		})
	}
}
