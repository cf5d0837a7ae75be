// Package testenv starts the real local servers that the functions' tests run against,
// and cleans them up with t.Cleanup:
//
//   - [StartPostgres]: a throwaway PostgreSQL cluster (initdb into t.TempDir(), postgres
//     on a free 127.0.0.1 port, its unix socket in the same directory, password (SCRAM)
//     authentication over TCP). PostgreSQL refuses to run as root, so when the tests run
//     as root the server runs as the "postgres" system user, or "nobody" when there is
//     none, through the process credentials of os/exec (no su or sudo needed).
//   - [StartPgBouncer]: PgBouncer in transaction pooling mode in front of a cluster, with
//     SCRAM authentication from a generated userlist.
//   - [StartSQS]: goaws (github.com/Admiral-Piett/goaws), in-process, as the
//     SQS-compatible server, with queues that have a redrive policy to a dead-letter
//     queue. See sqs.go for the two ways goaws v0.4.5 differs from SQS and how they are
//     bridged.
//   - [StartS3]: gofakes3 (github.com/johannesboyne/gofakes3) with its in-memory backend,
//     in-process on an httptest server, counting writes and able to hold reads (to stop
//     a worker in the middle of a batch).
//   - [StartSecretsManager]: a small in-process Secrets Manager (GetSecretValue over the
//     service's JSON protocol, as the SDK's client sends it), whose secrets a test can rotate.
//   - [StartFaulty]: an HTTP server in front of another AWS-compatible one that passes
//     requests through or answers them with AWS errors: the next few (a transient failure) or
//     all of them (a service that is down).
//
// [StartPostgresWith] can make the server accept TLS with a given certificate;
// [Postgres.CreateOwner] makes a master user as RDS's (CREATEROLE, no superuser) owning a
// database; [PgBouncerOptions].Users lets more roles through PgBouncer.
//
// It also drives Lambda handlers the way the platform does: [Invoke] sends a JSON event
// payload through aws-lambda-go's own handler wrapper, [APIGatewayRequest] builds an
// API Gateway HTTP API (payload format 2.0) event, and [EventSourceMapping] polls a queue
// and invokes a handler with SQS events, deleting what the partial batch response says
// succeeded, as Lambda's SQS event source mapping does.
//
// For the container servers it stands in for Knative Eventing, which does not run here:
// [StartBroker] is a Broker ingress that keeps the CloudEvents it is sent (and can fail or delay
// answers), and [Trigger] delivers an event as a Trigger does per Knative's delivery contract:
// POST it (binary or structured mode), retry no answer, 404, 408, 409, 429 and 5xx up to Retry
// times with exponential backoff, then POST it to the dead-letter sink with Knative's
// knativeerror* extensions, with the same retries.
//
// A server whose binary cannot be found (postgres, initdb, pgbouncer) fails the test,
// unless NIMBUS_SKIP_SERVERS=1 is set, in which case the test is skipped and says so.
// scripts/install-test-deps.sh installs them.
package testenv
