// Package azure holds the functions' Azure adapters. Package azure/containerapps plugs them into
// the container servers and migrate job of package knative for the Container Apps images
// (cmd/api-server-azure, cmd/worker-server-azure, cmd/migrate-job-azure); the Knative and Cloud
// Run images link none of this.
//
//   - The receive loop (Loop): the worker on Container Apps is not pushed its jobs; it receives
//     them from a Service Bus queue in peek-lock mode through
//     github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus, as many at once as
//     LoopConfig.Concurrency (default 2, the database pool's size). A message's body is the job
//     {"id","key"}, as on SQS. It is completed only after the job committed (the thumbnail
//     stored and the record marked done) or when the record was already finished (a duplicate),
//     and abandoned otherwise, so that its DeliveryCount rises and Service Bus redelivers it.
//     DeliveryCount against the queue's maxDeliveryCount (JOBS_MAX_RECEIVE_COUNT, the stack's
//     queue.maxReceiveCount) drives the last attempt exactly as SQS's receive count and Pub/Sub's
//     deliveryAttempt do (images.Attempt): a job failing on its last delivery marks its image
//     failed and is abandoned, and Service Bus moves it to the queue's dead-letter subqueue.
//     A message that is no job is abandoned on each delivery without touching a dependency and
//     so dead-lettered intact after maxDeliveryCount deliveries, kept for inspection.
//   - Locks: while a job runs its message's lock is renewed when half of the time it has left
//     has passed (RenewMessageLock), so a job may run up to JobTimeout (2 minutes), longer than
//     the queue's lock duration (default 1 minute). A lock lost anyway (the worker stalled) only
//     means a redelivery, which the record's conditional transitions make harmless.
//   - Stopping: when the loop's context ends (SIGTERM: KEDA scales the app in, or a new revision
//     replaces it) it stops receiving, lets the jobs in flight finish for up to LoopConfig.Grace,
//     then cancels them; a cancelled job's message is abandoned (and, on its last delivery, its
//     image marked failed, as a job timing out on Lambda is). The loop only ever holds messages it
//     has started, so nothing is held unprocessed, and no message is completed unprocessed. A
//     worker killed outright settles nothing: its messages' locks run out and Service Bus
//     redelivers them with a higher DeliveryCount.
//   - Dead letters (DeadLetterScanner): a job whose every delivery ended without the worker
//     answering (the worker killed or out of memory, its lock running out each time), or that
//     expired unreceived, is dead-lettered by Service Bus with no last attempt having run, so
//     nothing in the loop marks its image failed. Beside the loop, the scanner reads the queue's
//     dead-letter subqueue through a second receiver (SubQueue: SubQueueDeadLetter) with
//     PeekMessages only: it removes, locks and settles nothing, so every dead letter stays for
//     inspection, redrive and the dead-letter alert, which counts them. Every 30 s
//     (DeadLetterConfig.Every) it peeks, in sequence-number order, from the sequence number after
//     the last dead letter it handled, and calls images.Worker.DeadLettered for each that is a job:
//     a pending image is marked failed, a done or already failed one is left alone. A dead letter
//     that is no job is logged and passed over. A database error (or a failed peek) ends the pass
//     where it was, so the next pass looks at the same dead letters again. The position is kept in
//     memory: after a restart the scanner starts from the beginning of the subqueue and looks at
//     every dead letter kept once more, which the conditional marking makes harmless. It stops at
//     once when its context ends and closes its receiver.
//   - Publishing (Publisher): the job as a Service Bus message on the queue through an
//     azservicebus Sender: body the job's JSON (application/json), MessageID the image id (so a
//     queue with duplicate detection drops a retried publish), Subject and application property
//     type dev.nimbus.images.job, application property imageId; within PublishTimeout (5 s). A
//     failed send is returned, and the API answers 503 with the record left pending, as with SQS.
//   - Blob Storage (Blobs): images.BlobStore on github.com/Azure/azure-sdk-for-go/sdk/storage/azblob
//     over one container, the client made on first use. Put is one Put Blob with
//     If-None-Match: *, so a thumbnail written again by a retried or duplicate delivery is not
//     overwritten and the service's "already exists" is taken as done (as functions/gcp/gcs's
//     conditional create).
//   - Database (UseEntraAuth): Azure Database for PostgreSQL with Microsoft Entra ID
//     authentication: no password; pgxpool's BeforeConnect asks the token credential for a token
//     of scope PostgresScope (https://ossrdbms-aad.database.windows.net/.default) for every new
//     connection and uses it as the password. The user is the principal's database role.
//   - Identity (ManagedIdentity): every client authenticates as the app's managed identity through
//     github.com/Azure/azure-sdk-for-go/sdk/azidentity, the user-assigned one whose client id is
//     AZURE_CLIENT_ID, made on the first token request. No key or connection string is read.
//
// Nothing here does I/O before the first request or, for the loop and the scanner, before Run.
//
// # Tests
//
// No Service Bus emulator runs where the tests run, so the loop is tested against a fake of
// Receiver (ReceiveMessages, CompleteMessage, AbandonMessage, RenewMessageLock, Close, the
// methods of *azservicebus.Receiver the loop uses) that models peek-lock: locks that run out,
// DeliveryCount, and dead-lettering past maxDeliveryCount. The jobs run against the real
// PostgreSQL of the other tests and Blob Storage's emulator Azurite (npm azurite, which
// scripts/install-test-deps.sh installs; NIMBUS_AZURITE names another azurite-blob). The tests
// that need Azurite skip when it cannot be found, naming NIMBUS_AZURITE, except in CI (CI=true),
// where they fail. The dead-letter scanner is tested against a fake of Peeker (PeekMessages and
// Close) that returns the dead letters in sequence-number order from FromSequenceNumber on, as
// Service Bus's peek does, its markings against the real PostgreSQL. The Publisher is tested
// against a fake Sender. Nothing here is tested against Azure itself: in particular that the
// dead-letter subqueue numbers its messages in the order they arrive in it (so that a dead letter
// never arrives behind the scanner's position) is assumed, not checked.
package azure
