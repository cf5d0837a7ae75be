package knative

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Platform plugs a cloud's clients into the one implementation of the servers and the migrate
// job. Its zero value is what the Knative images link: the S3 API for blobs (IMAGES_STORE=s3),
// the Broker for jobs (JOBS_BROKER_URL), CloudEvents from a Trigger (JOBS_DELIVERY=cloudevents)
// and a password for the database (DB_AUTH=password). This package links no other cloud's
// library; the Cloud Run images (cmd/*-gcp) pass gcp/cloudrun.Platform, so the Google clients
// are linked into those images only.
//
// A variable naming an adapter the image does not link is refused when the server is built,
// naming the values this image has.
type Platform struct {
	// Defaults are the values of unset variables (the Cloud Run images default IMAGES_STORE to
	// gcs). A set variable, even to a bad value, is taken as set.
	Defaults map[string]string
	// Stores make the blob store of bucket, by IMAGES_STORE value other than StoreS3.
	Stores map[string]func(bucket string) (images.BlobStore, error)
	// Topic makes the publisher to JOBS_TOPIC (projects/P/topics/T); nil: JOBS_TOPIC is refused.
	Topic func(topic string) (images.JobPublisher, error)
	// Deliveries make the worker's handler, by JOBS_DELIVERY value other than
	// DeliveryCloudEvents. The handler serves HealthPath too.
	Deliveries map[string]func(w *images.Worker, push PushEnv, log *slog.Logger) (http.Handler, error)
	// DBAuths make a pool configuration log in without DB_PASSWORD, by DB_AUTH value other than
	// DBAuthPassword; they run when the pool opens (first use), never at start.
	DBAuths map[string]DBAuth
}

// DBAuth makes cfg, which has no password, log in (for example with a token per connection).
type DBAuth func(cfg *pgxpool.Config) error

// getenv returns getenv with p's defaults for unset variables.
func (p Platform) getenv(getenv func(string) string) func(string) string {
	if len(p.Defaults) == 0 {
		return getenv
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return p.Defaults[k]
	}
}

// notLinked is the error of a variable whose value this image has no adapter for.
func notLinked[V any](name, value string, builtin string, m map[string]V) error {
	have := append([]string{builtin}, slices.Sorted(maps.Keys(m))...)
	return fmt.Errorf("%s=%s is not linked into this image, which has %s (the Cloud Run images, cmd/*-gcp, link the GCP adapters)", name, value, strings.Join(have, ", "))
}

// blobs returns the blob store IMAGES_STORE selects.
func (p Platform) blobs(getenv func(string) string, env Env) (images.BlobStore, error) {
	if env.Store == StoreS3 {
		return s3Blobs(getenv, env.Bucket), nil
	}
	mk, ok := p.Stores[env.Store]
	if !ok {
		return nil, notLinked("IMAGES_STORE", env.Store, StoreS3, p.Stores)
	}
	b, err := mk(env.Bucket)
	if err != nil {
		return nil, fmt.Errorf("cannot make the %s blob store of IMAGES_BUCKET %q: %w", env.Store, env.Bucket, err)
	}
	return b, nil
}

// jobs returns the Broker publisher, or the topic's with JOBS_TOPIC.
func (p Platform) jobs(env Env) (images.JobPublisher, error) {
	if env.Topic == "" {
		return NewBrokerPublisher(env.BrokerURL, env.EventSource), nil
	}
	if p.Topic == nil {
		return nil, fmt.Errorf("JOBS_TOPIC is not linked into this image, which publishes to JOBS_BROKER_URL only (the Cloud Run images, cmd/*-gcp, publish to Pub/Sub), got JOBS_TOPIC %q", env.Topic)
	}
	pub, err := p.Topic(env.Topic)
	if err != nil {
		return nil, fmt.Errorf("JOBS_TOPIC: %w", err)
	}
	return pub, nil
}

// dbAuth returns the DBAuth of DB_AUTH, nil for DBAuthPassword.
func (p Platform) dbAuth(db DBEnv) (DBAuth, error) {
	if db.Auth == "" || db.Auth == DBAuthPassword {
		return nil, nil
	}
	a, ok := p.DBAuths[db.Auth]
	if !ok {
		return nil, notLinked("DB_AUTH", db.Auth, DBAuthPassword, p.DBAuths)
	}
	return a, nil
}

// workerHandler returns the worker's handler for JOBS_DELIVERY.
func (p Platform) workerHandler(w *images.Worker, meta images.MetadataStore, env Env, log *slog.Logger) (http.Handler, error) {
	if env.Push.Delivery == "" || env.Push.Delivery == DeliveryCloudEvents {
		return NewWorkerHandler(w, meta, log), nil
	}
	mk, ok := p.Deliveries[env.Push.Delivery]
	if !ok {
		return nil, notLinked("JOBS_DELIVERY", env.Push.Delivery, DeliveryCloudEvents, p.Deliveries)
	}
	return mk(w, env.Push, log)
}
