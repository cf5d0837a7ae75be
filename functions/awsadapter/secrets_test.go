package awsadapter_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
)

// TestSecretsManager checks what the SDK's client sends for GetSecretValue (target header, JSON
// 1.1 body, SigV4 scope for the service and region, session token), both kinds of answer, and
// that a server error is retried by the standard retryer.
func TestSecretsManager(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"
	var (
		mu      sync.Mutex
		got     []map[string]string
		fail500 = 1
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, map[string]string{
			"method": r.Method, "target": r.Header.Get("X-Amz-Target"), "type": r.Header.Get("Content-Type"),
			"body": string(body), "token": r.Header.Get("X-Amz-Security-Token"),
			"scope": strings.Join(strings.Split(strings.SplitN(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="), ",", 2)[0], "/")[2:], "/"),
		})
		first := fail500 > 0
		fail500--
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if first {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"__type":"InternalServiceError","message":"try again"}`))
			return
		}
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		if in.SecretId != arn {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_, _ = w.Write([]byte(`{"ARN":"x","Name":"db","SecretString":"postgres://u:p@h/db"}`))
	}))
	defer srv.Close()
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		"AWS_SESSION_TOKEN": "session-token", "AWS_ENDPOINT_URL_SECRETS_MANAGER": srv.URL}
	sm := awsadapter.NewSecretsManager(awsadapter.NewSecretsManagerClient(awsadapter.AWSConfig(func(k string) string { return env[k] })))
	s, err := sm.GetSecretString(context.Background(), arn)
	if err != nil {
		t.Fatal(err)
	}
	if s != "postgres://u:p@h/db" {
		t.Errorf("secret: got %q", s)
	}
	req := map[string]string{
		"method": "POST", "target": "secretsmanager.GetSecretValue", "type": "application/x-amz-json-1.1",
		"body": `{"SecretId":"` + arn + `"}`, "token": "session-token", "scope": "eu-west-1/secretsmanager/aws4_request",
	}
	if diff := cmp.Diff([]map[string]string{req, req}, got); diff != "" {
		t.Errorf("requests (a 500, then its retry) -want +got:\n%s", diff)
	}
	_, err = sm.GetSecretString(context.Background(), "missing")
	var nf *smtypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("missing secret: err = %v, want the SDK's ResourceNotFoundException", err)
	}
}
