// Package knative runs the api and worker functions as HTTP servers on Knative's runtime contract
// (Knative Serving for the containers, Knative Eventing's Broker and Trigger for the jobs), and the
// migrate job (RunMigrateJob). cmd/api-server, cmd/worker-server and cmd/migrate-job are its mains
// for Knative; cmd/api-server-gcp, cmd/worker-server-gcp and cmd/migrate-job-gcp are the same
// code for Cloud Run, and cmd/api-server-azure, cmd/worker-server-azure and cmd/migrate-job-azure
// for Azure Container Apps.
//
// # Platforms
//
// There is one implementation of the servers and the job; a Platform plugs a cloud's clients
// into it (NewAPIServer, NewWorkerServer and RunMigrateJob take one). The zero Platform, which the
// Knative mains pass, has the S3 API (IMAGES_STORE=s3), the Broker (JOBS_BROKER_URL), CloudEvents
// from a Trigger (JOBS_DELIVERY=cloudevents) and passwords (DB_AUTH=password), and this package
// imports no other cloud's library, so the Knative images link no Google client. The Cloud Run
// mains pass gcp/cloudrun.Platform: Cloud Storage (IMAGES_STORE=gcs, their default), Pub/Sub
// (JOBS_TOPIC), the Pub/Sub push worker (JOBS_DELIVERY=pubsub-push) and Cloud SQL IAM
// authentication (DB_AUTH=cloudsql-iam). The Container Apps mains pass azure/containerapps.Platform:
// Blob Storage (IMAGES_STORE=azblob, their default, with IMAGES_ACCOUNT_URL), Service Bus
// publishing (JOBS_QUEUE_NAME with JOBS_NAMESPACE), the Service Bus receive loop
// (JOBS_DELIVERY=servicebus) and Microsoft Entra ID tokens (DB_AUTH=entra). A variable naming an
// adapter the image does not link is refused when the server is built (exit 2), naming the values
// the image has.
//
// A worker is pushed its jobs (Platform.Deliveries: an http.Handler) or receives them itself
// (Platform.Receivers: a Receiver, whose Run loops until its context ends). A receiving worker's
// HTTP server serves only GET /healthz (NewHealthHandler); Server.Run runs the loop beside it, so
// that SIGTERM stops both and Run returns once the loop has settled the messages it holds and the
// server has drained, and a loop that stops by itself (it cannot go on) stops the server and
// makes Run fail (exit 1), so that the platform restarts the container.
//
// # Runtime
//
// Each server listens on $PORT (default 8080; HOST, default every interface) and answers
// GET /healthz with 200 without touching a dependency, for the readiness probe. It does no I/O
// before the first request: the database pool opens on first use. On SIGTERM (or SIGINT) it
// closes its listener at once, so new connections are refused, lets requests in flight finish
// for up to SHUTDOWN_GRACE (default 25 s, inside Kubernetes' default 30 s
// terminationGracePeriodSeconds), then exits 0; requests still running then are cut off and it
// exits 1. Logs are JSON lines on stderr.
//
// # API
//
// The routes of images.NewAPI. A job is published as a CloudEvent in binary mode: a POST to
// JOBS_BROKER_URL (the Broker's ingress, status.address.url) with ce-specversion 1.0,
// ce-type JobEventType, ce-source JOBS_EVENT_SOURCE (default DefaultEventSource), ce-id and
// ce-subject the image id, Content-Type application/json and the job {"id","key"} as the body.
// The id is the image id, so a retried publish is the same event and a duplicate delivery is
// handled once by the worker (the record's conditional transition). A publish is up to
// PublishAttempts POSTs within PublishTimeout; a non-2xx answer, a transport error or the
// timeout fails it, and the API answers 503 with the record left pending, exactly as the Lambda
// API does when SQS refuses the job.
//
// # Worker
//
// POST / takes one CloudEvent from the Trigger, in binary or structured mode
// (application/cloudevents+json, data or data_base64), decoded by the CloudEvents SDK
// (github.com/cloudevents/sdk-go/v2). It answers 200 only once the thumbnail is stored and the
// record marked done (or the record was already finished: a duplicate), 500 when processing
// failed (Knative retries 5xx), and 400 for a request that is no CloudEvent of JobEventType with a
// job (Knative does not retry a 400: the event goes to the dead-letter sink at once). Answers are
// JSON without ce- headers, so the Broker sees no reply event.
//
// # The last attempt
//
// Knative does not tell a subscriber which delivery is the last. The worker therefore never
// marks a record failed while processing; instead the Trigger's delivery.deadLetterSink is the
// worker's own POST /deadletter, which receives the dead-lettered event (with Knative's
// knativeerrorcode and knativeerrordest extensions) after delivery.retry retries, and marks the
// image failed with a conditional update (only a pending record changes, so a late or duplicate
// dead letter, or one for an image another delivery finished, changes nothing). It answers 200
// when marked or not pending, 500 when the database cannot be reached (the dead-letter delivery is
// then retried, as Knative's contract says it SHOULD be with the same retry settings), and 200 for
// an event that names no image (nothing to mark; logged).
//
// This was chosen over counting attempts in PostgreSQL keyed by event id because a counter needs
// the Trigger's retry count copied into the worker's configuration (two places that must agree,
// and a changed Trigger silently breaks the last-attempt rule), a new table and a write on every
// delivery, and it still cannot see an attempt that Knative made while the worker was unreachable
// (timeouts, a killed pod), so the count would undercount and the image stay pending. The
// dead-letter sink is Knative's own signal that no delivery follows. What remains: if the
// dead-letter deliveries fail too (the database down for all of them), the image stays pending;
// such records are found by age (index images_pending_created_at), as for a lost publish.
//
// # Configuration
//
// LoadEnv reads it and names every bad variable with its value and what is allowed:
// IMAGES_BUCKET and IMAGES_STORE (s3, the default, gcs, or azblob, which needs
// IMAGES_ACCOUNT_URL, the storage account's blob endpoint, read only then); exactly one of
// JOBS_BROKER_URL, JOBS_TOPIC (projects/P/topics/T; JOBS_QUEUE_URL, the same value, is not read)
// and JOBS_QUEUE_NAME (a Service Bus queue, with JOBS_NAMESPACE, the namespace's fully qualified
// host name), JOBS_EVENT_SOURCE and MAX_UPLOAD_BYTES (api); JOBS_DELIVERY (cloudevents, the
// default; pubsub-push, which needs JOBS_MAX_RECEIVE_COUNT, the dead-letter policy's max delivery
// attempts, and reads JOBS_PUSH_AUDIENCE and JOBS_PUSH_SERVICE_ACCOUNT for the OIDC check; or
// servicebus, which needs JOBS_MAX_RECEIVE_COUNT, the queue's maxDeliveryCount, JOBS_QUEUE_NAME
// and JOBS_NAMESPACE; JOBS_MAX_RECEIVE_COUNT is ignored with cloudevents, where the Trigger
// dead-letters) (worker); PORT, HOST, SHUTDOWN_GRACE;
// DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (from the CNPG cluster's app secret through
// secretKeyRef; none with DB_AUTH=cloudsql-iam, where DB_USER is the service account's IAM user,
// or DB_AUTH=entra, where it is the managed identity's database role), DB_AUTH (password, the
// default, cloudsql-iam or entra), DB_SSLMODE (default verify-full),
// DB_SSLROOTCERT (a PEM file, for example CNPG's CA secret mounted) and DB_MAX_CONNS (default 2,
// 1 to 50). Object storage is the
// S3 API of awsadapter's blob store at AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) with path-style
// addressing, signed with AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from a Secret.
//
// # The migrate job
//
// LoadMigrateEnv reads the configuration of cmd/migrate-job, a Kubernetes Job run before the
// Services: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (the superuser, CNPG's
// <cluster>-superuser secret, at the primary <cluster>-rw), DB_SSLMODE, DB_SSLROOTCERT,
// DB_APP_USER and DB_APP_PASSWORD (the app role, CNPG's <cluster>-app secret; the password is
// taken as is) and RUN_TIMEOUT (default 5m). It reads no IMAGES_BUCKET, PORT or DB_MAX_CONNS
// (a run uses one connection). On Cloud SQL (cmd/migrate-job-gcp) it gets DB_AUTH=cloudsql-iam and
// its own IAM user (a member of cloudsqlsuperuser) with no DB_PASSWORD, and DB_APP_GROUP=true
// with no DB_APP_PASSWORD (which is then refused): the app role is a NOLOGIN group whose members
// are the api's and worker's IAM users (postgres.AppRole.Group).
package knative
