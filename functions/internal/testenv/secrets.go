package testenv

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// SecretsManager is a small Secrets Manager for tests: GetSecretValue over the service's JSON 1.1
// protocol, as the SDK's client sends it (X-Amz-Target secretsmanager.GetSecretValue, a SigV4
// Authorization header scoped to the secretsmanager service), from an in-memory map of secret
// ids to strings. No Secrets Manager emulator is installable here, and one operation is all the
// functions use.
type SecretsManager struct {
	// Endpoint is the base URL to give the SDK (AWS_ENDPOINT_URL_SECRETS_MANAGER).
	Endpoint string

	mu     sync.Mutex
	values map[string]string
	reads  map[string]int
}

// StartSecretsManager serves values (secret id or ARN → SecretString) until the test ends.
func StartSecretsManager(t testing.TB, values map[string]string) *SecretsManager {
	t.Helper()
	s := &SecretsManager{values: map[string]string{}, reads: map[string]int{}}
	for k, v := range values {
		s.values[k] = v
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.Endpoint = srv.URL
	return s
}

// Set creates or replaces a secret's value (a rotation).
func (s *SecretsManager) Set(id, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[id] = value
}

// Reads returns how many times the secret id was read.
func (s *SecretsManager) Reads(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads[id]
}

func (s *SecretsManager) serve(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": typ, "message": msg})
		_, _ = w.Write(b)
	}
	switch {
	case r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue":
		fail(http.StatusBadRequest, "UnknownOperationException", "this test server serves POST with X-Amz-Target: secretsmanager.GetSecretValue only")
		return
	case r.Header.Get("Content-Type") != "application/x-amz-json-1.1":
		fail(http.StatusBadRequest, "SerializationException", "Content-Type must be application/x-amz-json-1.1")
		return
	case !strings.Contains(r.Header.Get("Authorization"), "/secretsmanager/aws4_request"):
		fail(http.StatusForbidden, "IncompleteSignatureException", "requests must be signed with SigV4 for the secretsmanager service")
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SecretId == "" {
		fail(http.StatusBadRequest, "InvalidParameterException", "the body must be JSON with a SecretId")
		return
	}
	s.mu.Lock()
	v, ok := s.values[in.SecretId]
	if ok {
		s.reads[in.SecretId]++
	}
	s.mu.Unlock()
	if !ok {
		fail(http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	b, _ := json.Marshal(map[string]any{"ARN": in.SecretId, "Name": in.SecretId, "SecretString": v, "VersionId": "v1", "CreatedDate": 1.7e9})
	_, _ = w.Write(b)
}
