package awsadapter_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
)

// TestSecretsManager checks the request Secrets Manager's JSON protocol expects (target header,
// body, SigV4 scope for the service and region, session token) and both kinds of answer.
func TestSecretsManager(t *testing.T) {
	t.Parallel()
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = map[string]string{
			"method": r.Method, "target": r.Header.Get("X-Amz-Target"), "type": r.Header.Get("Content-Type"),
			"body": string(body), "token": r.Header.Get("X-Amz-Security-Token"),
			"scope": strings.SplitN(strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="), ",", 2)[0],
		}
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		if in.SecretId != "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}`))
			return
		}
		_, _ = w.Write([]byte(`{"ARN":"x","Name":"db","SecretString":"postgres://u:p@h/db"}`))
	}))
	defer srv.Close()
	sm := &awsadapter.SecretsManager{
		Config:   aws.Config{Region: "eu-west-1", Credentials: aws.NewCredentialsCache(testCredsWithToken)},
		Endpoint: srv.URL, Now: func() time.Time { return time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC) },
	}
	s, err := sm.GetSecretString(context.Background(), "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf")
	if err != nil {
		t.Fatal(err)
	}
	if s != "postgres://u:p@h/db" {
		t.Errorf("secret: got %q", s)
	}
	want := map[string]string{
		"method": "POST", "target": "secretsmanager.GetSecretValue", "type": "application/x-amz-json-1.1",
		"body": `{"SecretId":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf"}`, "token": "session-token",
		"scope": "AKIDEXAMPLE/20261126/eu-west-1/secretsmanager/aws4_request",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
	_, err = sm.GetSecretString(context.Background(), "missing")
	wantErr := "GetSecretValue: 400 Bad Request ResourceNotFoundException: Secrets Manager can't find the specified secret."
	if err == nil || err.Error() != wantErr {
		t.Errorf("error: want %q, got %v", wantErr, err)
	}
}

var testCredsWithToken = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token")
