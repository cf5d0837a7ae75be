package awss3

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Config builds the SDK configuration from the environment: the region (AWS_REGION) and the
// credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which Lambda sets for
// the execution role and a Kubernetes Secret fills for a container, plus the endpoint overrides
// the SDK defines.
//
// It does not use the SDK's config package: that package links STS, SSO, SSO-OIDC, sign-in, IMDS
// and process credential providers, whose package initialisation made the api's cold start about
// 1.3 ms slower (bench/coldstart.sh traces it), and a Lambda function never uses any of them. What
// the config package would read from the environment for endpoints is wired here the same way:
//
//   - AWS_ENDPOINT_URL sets BaseEndpoint, the endpoint of every client;
//   - AWS_ENDPOINT_URL_<SERVICE> (the SDK's service id upper-cased, spaces as underscores:
//     AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL_SECRETS_MANAGER) is answered to
//     the clients' own endpoint resolution through ConfigSources, so it wins over the global one
//     for that service, as the SDK defines;
//   - AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores both.
//
// Retries are the SDK's standard retryer (retry.NewStandard) for every client.
//
// Nothing is checked here: a function that needs no AWS service (migrate with DB_URL, locally)
// must still start. A missing variable is an error naming it on first use.
func Config(getenv func(string) string) aws.Config {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	src := envEndpoints{getenv: getenv}
	cfg := aws.Config{
		Region:        region,
		RetryMode:     aws.RetryModeStandard,
		Retryer:       func() aws.Retryer { return retry.NewStandard() },
		ConfigSources: []any{src},
	}
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
	if ignore, _, _ := src.GetIgnoreConfiguredEndpoints(context.Background()); !ignore {
		if u := getenv("AWS_ENDPOINT_URL"); u != "" {
			cfg.BaseEndpoint = aws.String(u)
		}
	}
	return cfg
}

// envEndpoints answers the SDK clients' lookups of configured endpoints (the
// ServiceBaseEndpointProvider and IgnoreConfiguredEndpointsProvider interfaces of the SDK's
// internal configsources package) from the environment, as the config package's EnvConfig does.
type envEndpoints struct {
	getenv func(string) string
}

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<sdkID> ("Secrets Manager" → SECRETS_MANAGER).
func (e envEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := e.getenv("AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_"))
	return v, v != "", nil
}

// GetIgnoreConfiguredEndpoints reports AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (e envEndpoints) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	switch v := e.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); {
	case strings.EqualFold(v, "true"):
		return true, true, nil
	case strings.EqualFold(v, "false"):
		return false, true, nil
	}
	return false, false, nil
}
