package awsadapter

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/nimbus-iac/nimbus/functions/awss3"
)

// Per-call timeouts. Each SDK call the functions make runs under its own context.WithTimeout, which
// bounds the call with all of its retries (the SDK's standard retryer: 3 attempts, exponential
// backoff with jitter from a 50 ms base, 1 s for throttling errors). A hung endpoint then costs a
// request or a batch this long, not the function's whole timeout.
const (
	// SendTimeout bounds one SQS SendMessage (the api's publish of a job).
	SendTimeout = 5 * time.Second
	// SecretTimeout bounds one Secrets Manager GetSecretValue (database credentials).
	SecretTimeout = 5 * time.Second
)

// AWSConfig builds the SDK configuration from the environment Lambda gives every function (see
// awss3.Config, which it is): the region, the execution role's session credentials and the
// SDK's endpoint variables, without the SDK's config package.
func AWSConfig(getenv func(string) string) aws.Config { return awss3.Config(getenv) }
