// Package cloudrun plugs the GCP adapters into the shared servers and migrate job of package
// knative, for the Cloud Run images (cmd/api-server-gcp, cmd/worker-server-gcp,
// cmd/migrate-job-gcp). It is the only place that links the Google clients to the servers, so
// the Knative images (cmd/api-server, cmd/worker-server, cmd/migrate-job) stay free of them.
//
// Platform selects, by the variables the GCP components hand out:
//
//   - IMAGES_STORE=gcs (the default here): Cloud Storage (gcs.Blobs) for IMAGES_BUCKET.
//   - JOBS_TOPIC (projects/P/topics/T): Pub/Sub publishing (topic.Publisher).
//   - JOBS_DELIVERY=pubsub-push: the Pub/Sub push worker (gcp.NewPushHandler), the last attempt
//     at JOBS_MAX_RECEIVE_COUNT (the dead-letter policy's maxDeliveryAttempts, 5 to 100), every
//     push's OIDC token checked for JOBS_PUSH_AUDIENCE and JOBS_PUSH_SERVICE_ACCOUNT when set.
//   - DB_AUTH=cloudsql-iam: Cloud SQL IAM database authentication (gcp.UseIAMAuth), an access
//     token per new connection; DB_USER is the IAM user (an email with ".gserviceaccount.com"
//     is cut to it).
//
// The S3 API, the Broker, CloudEvents and DB_AUTH=password stay available, as in every image.
package cloudrun

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"

	"github.com/nimbus-iac/nimbus/functions/gcp"
	"github.com/nimbus-iac/nimbus/functions/gcp/gcs"
	"github.com/nimbus-iac/nimbus/functions/gcp/topic"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// Platform returns the GCP adapters. ts gives the access tokens of DB_AUTH=cloudsql-iam; nil
// means Application Default Credentials with gcp.SQLLoginScope (on Cloud Run the service's or
// job's service account, from the metadata server), found when the pool opens.
func Platform(ts oauth2.TokenSource) knative.Platform {
	return knative.Platform{
		Defaults: map[string]string{"IMAGES_STORE": knative.StoreGCS},
		Stores: map[string]func(string) (images.BlobStore, error){
			knative.StoreGCS: func(bucket string) (images.BlobStore, error) { return gcs.NewBlobs(bucket), nil },
		},
		Topic: func(name string) (images.JobPublisher, error) { return topic.NewPublisher(name) },
		Deliveries: map[string]func(*images.Worker, knative.PushEnv, *slog.Logger) (http.Handler, error){
			knative.DeliveryPubSubPush: push,
		},
		DBAuths: map[string]knative.DBAuth{
			knative.DBAuthCloudSQLIAM: func(cfg *pgxpool.Config) error { return cloudSQLIAM(cfg, ts) },
		},
	}
}

func push(w *images.Worker, env knative.PushEnv, log *slog.Logger) (http.Handler, error) {
	n := env.MaxReceiveCount
	if n < gcp.MinDeliveryAttempts || n > gcp.MaxDeliveryAttempts {
		return nil, fmt.Errorf("JOBS_MAX_RECEIVE_COUNT must be between %d and %d with JOBS_DELIVERY=%s (Pub/Sub's bounds of maxDeliveryAttempts), got %d", gcp.MinDeliveryAttempts, gcp.MaxDeliveryAttempts, knative.DeliveryPubSubPush, n)
	}
	cfg := gcp.PushConfig{MaxDeliveryAttempts: n, Logger: log}
	if env.Audience != "" {
		cfg.Verifier = gcp.NewGoogleTokenVerifier(env.Audience, env.ServiceAccount)
	}
	return gcp.NewPushHandler(w, cfg)
}

func cloudSQLIAM(cfg *pgxpool.Config, ts oauth2.TokenSource) error {
	if ts == nil {
		var err error
		if ts, err = gcp.DefaultTokenSource(context.Background()); err != nil {
			return err
		}
	}
	cfg.ConnConfig.User = gcp.IAMUser(cfg.ConnConfig.User)
	gcp.UseIAMAuth(cfg, ts)
	return nil
}
