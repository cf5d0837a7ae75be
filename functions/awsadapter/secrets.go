package awsadapter

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// SecretsManager reads secret strings with Secrets Manager's GetSecretValue (see jsonService for
// why not the SDK's client).
type SecretsManager struct {
	Config aws.Config
	// Endpoint overrides the regional endpoint (local servers, tests).
	Endpoint string
	HTTP     *http.Client
	Now      func() time.Time
}

// GetSecretString returns the SecretString of the secret named by id (an ARN or a name). Errors
// do not repeat the id: callers say which secret they read.
func (s *SecretsManager) GetSecretString(ctx context.Context, id string) (string, error) {
	api := jsonService{Config: s.Config, Service: "secretsmanager", Version: "1.1", TargetPrefix: "secretsmanager", Endpoint: s.Endpoint, HTTP: s.HTTP, Now: s.Now}
	var out struct{ SecretString *string }
	if err := api.call(ctx, "GetSecretValue", map[string]string{"SecretId": id}, &out); err != nil {
		return "", err
	}
	if out.SecretString == nil || *out.SecretString == "" {
		return "", errors.New("the secret has no SecretString")
	}
	return *out.SecretString, nil
}
