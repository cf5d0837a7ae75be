package knative

import (
	"context"
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
// library; the Cloud Run images (cmd/*-gcp) pass gcp/cloudrun.Platform and the Container Apps
// images (cmd/*-azure) azure/containerapps.Platform, so the Google and Azure clients are linked
// into those images only.
//
// A variable naming an adapter the image does not link is refused when the server is built,
// naming the values this image has.
type Platform struct {
	// Defaults are the values of unset variables (the Cloud Run images default IMAGES_STORE to
	// gcs). A set variable, even to a bad value, is taken as set.
	Defaults map[string]string
	// Stores make the blob store of bucket, by IMAGES_STORE value other than StoreS3.
	Stores map[string]func(bucket string) (images.BlobStore, error)
	// AccountStores make the blob store of container IMAGES_BUCKET in the storage account at
	// IMAGES_ACCOUNT_URL, by IMAGES_STORE value (StoreAzblob).
	AccountStores map[string]func(accountURL, container string) (images.BlobStore, error)
	// Topic makes the publisher to JOBS_TOPIC (projects/P/topics/T); nil: JOBS_TOPIC is refused.
	Topic func(topic string) (images.JobPublisher, error)
	// Queue makes the publisher to the Service Bus queue JOBS_QUEUE_NAME in the namespace
	// JOBS_NAMESPACE; nil: JOBS_QUEUE_NAME is refused.
	Queue func(namespace, queue string) (images.JobPublisher, error)
	// Deliveries make the worker's handler, by JOBS_DELIVERY value other than
	// DeliveryCloudEvents. The handler serves HealthPath too.
	Deliveries map[string]func(w *images.Worker, push PushEnv, log *slog.Logger) (http.Handler, error)
	// Receivers make the worker's receive loop, by JOBS_DELIVERY value (DeliveryServiceBus):
	// the worker pulls its jobs instead of being pushed them, and its HTTP server serves only
	// HealthPath beside the loop (Server.Run).
	Receivers map[string]func(w *images.Worker, env Env, log *slog.Logger) (Receiver, error)
	// DBAuths make a pool configuration log in without DB_PASSWORD, by DB_AUTH value other than
	// DBAuthPassword; they run when the pool opens (first use), never at start.
	DBAuths map[string]DBAuth
}

// DBAuth makes cfg, which has no password, log in (for example with a token per connection).
type DBAuth func(cfg *pgxpool.Config) error

// Receiver is a worker's receive loop. Run receives and processes jobs until ctx ends, then
// settles every message it holds (finished within the shutdown grace, or given back to the
// queue) and returns; it returns early with an error only when it cannot go on.
type Receiver interface {
	Run(ctx context.Context) error
}

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
	return fmt.Errorf("%s=%s is not linked into this image, which has %s (the Cloud Run images, cmd/*-gcp, link the GCP adapters; the Container Apps images, cmd/*-azure, the Azure ones)", name, value, strings.Join(have, ", "))
}

// blobs returns the blob store IMAGES_STORE selects.
func (p Platform) blobs(getenv func(string) string, env Env) (images.BlobStore, error) {
	if env.Store == StoreS3 {
		return s3Blobs(getenv, env.Bucket), nil
	}
	if mk, ok := p.AccountStores[env.Store]; ok {
		b, err := mk(env.AccountURL, env.Bucket)
		if err != nil {
			return nil, fmt.Errorf("cannot make the %s blob store of container IMAGES_BUCKET %q at IMAGES_ACCOUNT_URL %q: %w", env.Store, env.Bucket, env.AccountURL, err)
		}
		return b, nil
	}
	mk, ok := p.Stores[env.Store]
	if !ok {
		have := map[string]bool{}
		for k := range p.Stores {
			have[k] = true
		}
		for k := range p.AccountStores {
			have[k] = true
		}
		return nil, notLinked("IMAGES_STORE", env.Store, StoreS3, have)
	}
	b, err := mk(env.Bucket)
	if err != nil {
		return nil, fmt.Errorf("cannot make the %s blob store of IMAGES_BUCKET %q: %w", env.Store, env.Bucket, err)
	}
	return b, nil
}

// jobs returns the Broker publisher, the topic's with JOBS_TOPIC, or the queue's with
// JOBS_QUEUE_NAME.
func (p Platform) jobs(env Env) (images.JobPublisher, error) {
	if env.Queue != "" {
		if p.Queue == nil {
			return nil, fmt.Errorf("JOBS_QUEUE_NAME is not linked into this image (the Container Apps images, cmd/*-azure, publish to Service Bus), got JOBS_QUEUE_NAME %q", env.Queue)
		}
		pub, err := p.Queue(env.Namespace, env.Queue)
		if err != nil {
			return nil, fmt.Errorf("JOBS_QUEUE_NAME %q in JOBS_NAMESPACE %q: %w", env.Queue, env.Namespace, err)
		}
		return pub, nil
	}
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

// worker returns the worker's handler for JOBS_DELIVERY and, for a receiving delivery, its
// receive loop (the handler then serves HealthPath only).
func (p Platform) worker(w *images.Worker, meta images.MetadataStore, env Env, log *slog.Logger) (http.Handler, Receiver, error) {
	if env.Push.Delivery == "" || env.Push.Delivery == DeliveryCloudEvents {
		return NewWorkerHandler(w, meta, log), nil, nil
	}
	if mk, ok := p.Receivers[env.Push.Delivery]; ok {
		r, err := mk(w, env, log)
		if err != nil {
			return nil, nil, err
		}
		return NewHealthHandler(), r, nil
	}
	mk, ok := p.Deliveries[env.Push.Delivery]
	if !ok {
		have := map[string]bool{}
		for k := range p.Deliveries {
			have[k] = true
		}
		for k := range p.Receivers {
			have[k] = true
		}
		return nil, nil, notLinked("JOBS_DELIVERY", env.Push.Delivery, DeliveryCloudEvents, have)
	}
	h, err := mk(w, env.Push, log)
	return h, nil, err
}
