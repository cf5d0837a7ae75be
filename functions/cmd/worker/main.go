package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
)

func main() {
	h, err := awsadapter.NewWorkerFunction(context.Background(), os.Getenv)
	if err != nil {
		awsadapter.Logger().Error("cannot start the worker function", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
