// Package gcp holds the functions' Google Cloud adapters. Package gcp/cloudrun plugs them into
// the container servers and migrate job of package knative for the Cloud Run images
// (cmd/api-server-gcp, cmd/worker-server-gcp, cmd/migrate-job-gcp); the Knative images link none
// of this.
//
//   - Pub/Sub push (NewPushHandler): POST / takes a push request, whose body is the wrapped
//     envelope {"message":{"data":base64,"attributes":{},"messageId","publishTime"},
//     "subscription","deliveryAttempt"}. The message's data is the job {"id","key"}, as on SQS.
//     It answers 200 only once the thumbnail is stored and the record marked done (or the
//     record was already finished: a duplicate), and non-2xx otherwise, which Pub/Sub takes as a
//     nack and redelivers with the subscription's retry policy. deliveryAttempt (set by Pub/Sub
//     when the subscription has a dead-letter policy) against the policy's maxDeliveryAttempts
//     (JOBS_MAX_RECEIVE_COUNT) drives the last attempt exactly as on Lambda: a job failing
//     on its last delivery marks the image failed and still answers 500, so that Pub/Sub forwards
//     the message to the dead-letter topic, where a pull subscription keeps it.
//   - Dead letters (POST DeadLetterPath, /deadletter): the push endpoint of a second, push
//     subscription on the dead-letter topic. A job whose every delivery failed before the worker
//     could answer (the worker unreachable, crashing or timing out) reached no last attempt that
//     marks it, so this marks its image failed if still pending (Worker.DeadLettered, a
//     conditional update: a record a last attempt already marked, or done, is left alone). 200
//     when marked or not pending, and for a message that is no job (nothing to mark; the
//     dead-letter pull subscription keeps its own copy); 500 when the database cannot be reached,
//     so that Pub/Sub retries the push until the subscription's retention ends.
//   - Malformed requests: a body that is no push envelope, or a message whose data is no job,
//     answers 400. Pub/Sub retries every non-2xx alike (a push endpoint cannot dead-letter a
//     message by itself), so such a poison message is delivered maxDeliveryAttempts times, each
//     refused at once without touching a dependency, and then lands on the dead-letter topic with
//     its data intact. Answering 2xx instead would drop it silently; this keeps it for inspection
//     at the cost of a few cheap deliveries. Without a dead-letter policy Pub/Sub would retry it
//     until the message retention ends: the platform must configure one (the stack does).
//   - OIDC (TokenVerifier): when an audience is configured, every push must carry
//     "Authorization: Bearer <ID token>" signed by Google (keys from its JWKS, fetched on first
//     use by github.com/coreos/go-oidc/v3), issued by https://accounts.google.com, for that
//     audience, and, when an email is configured, for that verified service account email (the
//     subscription's push identity). Otherwise 401 (no or bad token) or 403 (another identity).
//     Cloud Run's IAM already admits only the invoker; this check keeps the worker safe when its
//     ingress is opened or its IAM binding widened.
//   - Publishing (Publisher): the job as a Pub/Sub message on a topic through
//     cloud.google.com/go/pubsub/v2, data the job's JSON, attributes type and imageId, within
//     PublishTimeout. The client is created on the first publish (Application Default
//     Credentials, or PUBSUB_EMULATOR_HOST); a failed publish is returned, and the API answers 503
//     with the record left pending, as with SQS and the Broker.
//   - Cloud Storage (Blobs): images.BlobStore on cloud.google.com/go/storage, the client created on
//     first use (Application Default Credentials, or STORAGE_EMULATOR_HOST).
//   - Cloud SQL IAM database authentication (UseIAMAuth): no password; pgxpool's BeforeConnect asks
//     the token source (Application Default Credentials with SQLLoginScope in production) for an
//     OAuth2 access token for every new connection and uses it as the password. The database
//     user of a service account is its email without ".gserviceaccount.com" (IAMUser).
//
// Nothing here does I/O before the first request.
package gcp
