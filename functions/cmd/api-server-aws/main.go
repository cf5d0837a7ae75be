// Command api-server-aws is the api function as an HTTP server for Amazon ECS on Fargate
// (linux/arm64, Graviton): the handler of the Lambda function cmd/api (images.NewAPI with S3, SQS
// and PostgreSQL) without the API Gateway adapter, served by package awsadapter/fargate. It
// reads the api function's environment (docs/function-contract.md: IMAGES_BUCKET, JOBS_QUEUE_URL,
// MAX_UPLOAD_BYTES, DB_*) plus PORT (default 8080) and SHUTDOWN_GRACE, takes the task role's
// credentials from the ECS container credentials endpoint, listens on $PORT and drains on
// SIGTERM. It exits 2 on a configuration error and 1 when serving fails.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/functions/awsadapter/fargate"
)

func main() {
	srv, err := fargate.NewAPIServer(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "api-server-aws:", err)
		os.Exit(2)
	}
	if err := srv.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "api-server-aws:", err)
		os.Exit(1)
	}
}
