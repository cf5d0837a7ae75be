package awsadapter

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSConfig builds the SDK configuration from the environment Lambda gives every function: the
// region (AWS_REGION) and the execution role's session credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), plus AWS_ENDPOINT_URL for local runs.
//
// It deliberately avoids the SDK's config package: that package links STS, SSO, SSO-OIDC,
// sign-in, IMDS and process credential providers, whose package initialisation alone made the api's
// cold start about 1.5 ms slower (bench/coldstart.sh traces it), and a Lambda function never uses
// any of them.
//
// Nothing is checked here: a function that needs no AWS service (migrate with DB_URL, locally)
// must still start. A missing variable is an error naming it on first use.
func AWSConfig(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	cfg := aws.Config{Region: region}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	var missing []string
	for k, v := range map[string]string{"AWS_REGION": region, "AWS_ACCESS_KEY_ID": id, "AWS_SECRET_ACCESS_KEY": secret} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		err := fmt.Errorf("cannot sign AWS requests: %s not set (Lambda sets them for the execution role)", strings.Join(missing, ", "))
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, err })
	} else {
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")))
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg
}

// Endpoints are per-service endpoint overrides (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS,
// AWS_ENDPOINT_URL_SECRETS_MANAGER), for local servers; empty means the service's own.
type Endpoints struct {
	S3, SQS, SecretsManager string
}

// EndpointsFromEnv reads the per-service overrides the SDK's own configuration would honour.
func EndpointsFromEnv(getenv func(string) string) Endpoints {
	return Endpoints{
		S3:             getenv("AWS_ENDPOINT_URL_S3"),
		SQS:            getenv("AWS_ENDPOINT_URL_SQS"),
		SecretsManager: getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"),
	}
}

// endpoint is an override as the clients' options want it: nil keeps the configured one.
func endpoint(u string) *string {
	if u == "" {
		return nil
	}
	return aws.String(u)
}
