// Package stacks is the one place that knows what the service is: it loads a stack's typed
// configuration, chooses the cloud, and composes the image pipeline from the components.
//
// [Program] is the Pulumi program. main.go runs it under the pulumi CLI where the Go language host
// is installed; cmd/nimbus runs it inline on the real engine (preview, up, destroy: the
// Automation API, internal/engine) and under the fake cloud (plan); tests run it under mocks and
// on the real engine.
//
// Configuration has the form the CLI gives it (see [Load]): nested settings are objects, never
// flat dotted keys. [Run] is the same
// program returning its stack outputs instead of exporting them, for callers that read them.
//
// The service: an `api` function (HTTP, warm when api.warmInstances > 0) that writes originals to
// the `images` bucket, records them in the `db` database through its pooler and publishes jobs to
// the `jobs` queue; a `worker` function subscribed to the queue that reads originals, writes
// thumbnails and updates the record; a `migrate` function run on every deploy that changes its
// code or the database it targets (db's Identity), as the schema's owner, which also keeps the
// application role api and worker connect as; api and worker go live only after it succeeded; a
// `network` for all of them (none with an external pooler: the functions then run outside a VPC
// and reach the hosted pooler over TLS). The jobs queue's dead-letter alarm notifies an SNS topic
// the stack creates (alarms.emails subscribed) or alarms.topicArn.
//
// Stack outputs: apiUrl, queueUrl, deadLetterQueueUrl, bucketName, poolerEndpoint, databaseName,
// alarmTarget (where alarms go), and the deployed code hashes (apiCodeHash, workerCodeHash,
// migrateCodeHash).
package stacks
