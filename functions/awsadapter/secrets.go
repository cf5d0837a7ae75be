package awsadapter

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// NewSecretsManagerClient returns the SDK's Secrets Manager client for cfg: the standard retryer,
// and the endpoint the SDK resolves (AWS_ENDPOINT_URL_SECRETS_MANAGER, else AWS_ENDPOINT_URL, else
// the regional one; see AWSConfig).
func NewSecretsManagerClient(cfg aws.Config) *secretsmanager.Client {
	return secretsmanager.NewFromConfig(cfg)
}

// SecretValueGetter is the Secrets Manager call the reader makes; *secretsmanager.Client is the
// production one.
type SecretValueGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads secret strings with Secrets Manager's GetSecretValue.
type SecretsManager struct {
	client SecretValueGetter
	// Timeout bounds each read, retries included; 0 means SecretTimeout.
	Timeout time.Duration
}

// NewSecretsManager returns the reader over client.
func NewSecretsManager(client SecretValueGetter) *SecretsManager {
	return &SecretsManager{client: client}
}

// GetSecretString returns the SecretString of the secret named by id (an ARN or a name). Errors
// do not repeat the id: callers say which secret they read.
func (s *SecretsManager) GetSecretString(ctx context.Context, id string) (string, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = SecretTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := s.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return "", err
	}
	if aws.ToString(out.SecretString) == "" {
		return "", errors.New("the secret has no SecretString")
	}
	return *out.SecretString, nil
}
