// Command echo is a test function for package rie: it answers its event wrapped with the value of
// ECHO_TAG, or fails when the event has "fail": true.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Fail bool            `json:"fail"`
	Data json.RawMessage `json:"data"`
}

type answer struct {
	Tag  string          `json:"tag"`
	Data json.RawMessage `json:"data"`
}

func handle(_ context.Context, e event) (answer, error) {
	if e.Fail {
		return answer{}, errors.New("asked to fail")
	}
	return answer{Tag: os.Getenv("ECHO_TAG"), Data: e.Data}, nil
}

func main() { lambda.Start(handle) }
