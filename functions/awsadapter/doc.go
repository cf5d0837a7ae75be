// Package awsadapter runs the images core on AWS Lambda. It holds no logic of its own:
// it reads the environment, constructs clients, implements the images ports with S3, SQS
// and PostgreSQL, and converts Lambda events to and from the core's plain Go values.
//
// The environment is the one in docs/function-contract.md:
//
//   - api: IMAGES_BUCKET, JOBS_QUEUE_URL, MAX_UPLOAD_BYTES (default 10485760), DB_*.
//   - worker: IMAGES_BUCKET, JOBS_MAX_RECEIVE_COUNT, DB_*.
//   - migrate: DB_*, and DB_APP_USER with DB_APP_SECRET_ARN.
//
// The database is reached through [DBConfigFunc]: DB_URL when set (local runs and tests
// only) wins; otherwise DB_AUTH=iam signs a fresh RDS IAM auth token for DB_USER for every
// new connection (pgxpool BeforeConnect), DB_AUTH=secret reads a secret
// {"username","password"} named by DB_SECRET_ARN from Secrets Manager, and DB_AUTH=url
// reads a postgres:// URL of an external pooler from that secret. No password is ever
// read from the environment. The api and worker connect as the app role (their DB_USER and
// DB_SECRET_ARN are the app role's); migrate connects as the master user and, when DB_APP_USER
// is set, reads the app role's password from DB_APP_SECRET_ARN ([AppRole]) and has package
// postgres create and keep the role (postgres.MigrateWithAppRole); without DB_APP_USER (an
// external pooler, whose URL is the only credential) it manages no role and logs why.
//
// The pool is the serverless one of package postgres: opened on first use, at most
// DB_MAX_CONNS connections (default 2, 1 to 20), no session state. TLS is verified by default
// (DB_SSLMODE=verify-full, [DefaultSSLMode]) against [RootCAs]: the system's roots (RDS Proxy's
// ACM certificates chain to the public Amazon Root CAs), Amazon RDS's own CA bundle, embedded
// (package internal/rdsca; direct connections to an RDS instance), and the PEM file
// DB_SSLROOTCERT when set. The pool is built on the first connection, never at start-up.
//
// The SDK configuration comes from the variables Lambda sets ([AWSConfig]: region and the
// execution role's session credentials), not the SDK's config package, whose credential
// providers cost cold-start time and are never used on Lambda. Every AWS call goes through
// aws-sdk-go-v2's own clients (S3, SQS, Secrets Manager) with the SDK's standard retryer, each
// call under its own timeout ([SendTimeout], [SecretTimeout]). Endpoints resolve as the SDK
// defines: AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS,
// AWS_ENDPOINT_URL_SECRETS_MANAGER) over AWS_ENDPOINT_URL over the regional endpoint, all
// ignored when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; an overridden S3 endpoint switches to
// path-style addressing.
//
// Lambda entry points:
//
//   - [NewAPIFunction]: API Gateway HTTP API (payload format 2.0) events, converted to
//     http.Request for the core's http.Handler ([NewHTTPHandler]). Request bodies may
//     be base64-encoded; binary response bodies are. A Lambda invocation payload is at
//     most 6 MB, so on AWS an upload larger than about 4.4 MB (after base64) is refused by
//     the platform before it reaches the handler, whatever MAX_UPLOAD_BYTES says.
//   - [NewWorkerFunction]: SQS events, answered with partial batch responses
//     (events.SQSEventResponse.BatchItemFailures): a message that fails, cannot be
//     parsed, or panics is reported alone, and the rest of the batch is acknowledged.
//     The event source mapping must enable ReportBatchItemFailures. The batch runs within
//     the invocation's deadline ([DefaultBatchBudget], see [NewSQSHandlerWithBudget]): 1 s
//     is kept at the end (250 ms to answer, 750 ms to mark last attempts failed), each record
//     gets its own deadline (an equal part of the time left, at least 1 s), last deliveries go
//     first, and records there is no time left for are not started but reported as failures,
//     marked failed first on their last delivery.
//   - [NewMigrateFunction]: applies the embedded migrations, invoked as a deploy step.
//
// The constructors do no network or database work, so cold starts stay short.
package awsadapter
