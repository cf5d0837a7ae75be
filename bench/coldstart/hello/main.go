// Command hello is the cold-start baseline: the smallest useful aws-lambda-go function, answering
// an API Gateway HTTP API v2 event with 200 and a fixed body. bench/coldstart.sh compares the
// api bootstrap's init time and first response against it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return events.APIGatewayV2HTTPResponse{
		StatusCode: 200,
		Headers:    map[string]string{"content-type": "application/json"},
		Body:       `{"status":"ok"}`,
	}, nil
}

func main() { lambda.Start(handle) }
