// Package images is the cloud-free core of the image pipeline: the HTTP API, the job
// processing of the worker, content sniffing and thumbnailing. It talks to the outside
// world only through three small ports, each taking and returning plain Go values:
//
//   - [BlobStore] holds bytes under keys: originals under "originals/<id>", thumbnails
//     under "thumbnails/<id>.jpg" (see [OriginalKey] and [ThumbnailKey]).
//   - [JobPublisher] puts a [Job] on the work queue.
//   - [MetadataStore] records each [Image] and moves it from pending to done or failed.
//     Both moves are conditional on the record being pending, so each record makes
//     exactly one transition however often a job is delivered.
//
// Adapters per runtime (package awsadapter for AWS Lambda) construct the clients that
// implement the ports and convert platform events into calls of [NewAPI]'s handler and
// [Worker.Process]; they hold no logic of their own.
//
// # API
//
//   - POST /images takes the image bytes as the request body (or as the "file" part of
//     a multipart/form-data body). The content is sniffed, never trusted from
//     Content-Type: JPEG, PNG and GIF are accepted; anything else answers 415, an empty
//     body 400, a body larger than MaxUploadBytes (default 10 MiB) 413. On success the
//     original is stored, the record is created as pending, a job is published and the
//     answer is 202 {"id","status":"pending","statusUrl":"/images/<id>"}.
//   - GET /images/{id} answers 200 {"id","status","thumbnailKey"?,"error"?}; an id that
//     is not a UUID answers 400, an unknown one 404.
//   - GET /healthz answers 200 {"status":"ok"} without touching any dependency.
//
// Every error is JSON {"error":"..."} naming what was wrong and what is allowed. A
// failing dependency answers 503 with Retry-After so that the client retries; bad input
// never answers 5xx.
//
// A job that cannot be published (the publisher has retried already) answers 503 and leaves
// the record pending; it is never marked failed for that. The publish may have reached the
// queue despite the error, and then the worker finishes the image; otherwise the client,
// told to try again, uploads it again under a new id. Nothing is lost either way. A pending
// record whose job never reached the queue is found by its age (the images_pending_created_at
// index) and finished by publishing its job again.
//
// # Worker
//
// [Worker.Process] handles one job: it loads the original, scales it so that its longest
// side is 256 px (aspect kept, transparency flattened onto white), stores it as JPEG at
// [ThumbnailKey] and marks the record done. A job for a record that is no longer pending
// is acknowledged without work. Any failure returns an error so that the platform
// retries that one message; on the last attempt (receive count >= the queue's maximum)
// the record is first marked failed, and the error is still returned so that the message
// ends in the dead-letter queue.
//
// The context bounds the work, thumbnailing included (it runs aside and is dropped when the
// context ends first). Marking a last attempt failed uses a context detached from it, bounded
// by [Attempt.FinishBy], so that the record tells the truth even when the job ran out of time.
// [Worker.Abandon] handles a delivery the platform has no time left for: the message fails,
// and on the last attempt the record is marked failed first.
package images
