// Package fargate runs the API Lambda function's handler as a long-running HTTP server, for
// Amazon ECS on Fargate (cmd/api-server-aws).
//
// The environment is exactly the api function's (awsadapter.LoadEnv with
// awsadapter.FunctionAPI: IMAGES_BUCKET, JOBS_QUEUE_URL, MAX_UPLOAD_BYTES, DB_*) plus the two
// variables of the container servers, read as package knative reads them:
//
//   - PORT: the port to listen on, on every interface, default 8080 (knative.DefaultPort),
//     1 to 65535;
//   - SHUTDOWN_GRACE: how long requests in flight get to finish after SIGTERM, a positive Go
//     duration, default 25s (knative.DefaultShutdownGrace), inside the 30 s ECS waits by default
//     (the container's stopTimeout) before it kills the task.
//
// The handler is the one awsadapter.APIFunction adapts to API Gateway (images.NewAPI with S3
// blobs, the SQS publisher and the PostgreSQL store, from awsadapter's clients and pool), served
// with knative.Serve: the same
// ReadHeaderTimeout and IdleTimeout, and the same drain on SIGTERM (new connections are refused,
// requests in flight complete). GET /healthz is the target group's and the container's health
// check.
//
// Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY win when set (awsadapter.AWSConfig,
// as on Lambda); otherwise, as on Fargate, the task role's credentials come from the ECS
// container credentials endpoint that AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2)
// or AWS_CONTAINER_CREDENTIALS_FULL_URI (with AWS_CONTAINER_AUTHORIZATION_TOKEN when set) names,
// fetched on first use and refreshed before they expire. Nothing does I/O at start-up.
//
// It lives apart from package awsadapter so that the Lambda functions do not link package
// knative (and the CloudEvents SDK it brings).
package fargate
