package testenv

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Faulty is an HTTP server in front of another AWS-compatible server (goaws's front, the Secrets
// Manager fake) that passes requests through, or answers them with an AWS JSON-protocol error when
// told to: the next few requests (a transient failure the SDK's retryer should absorb) or every
// request (a service that is down).
type Faulty struct {
	// Endpoint is the base URL to give the SDK instead of the target's.
	Endpoint string

	mu       sync.Mutex
	failNext int
	down     bool
	status   int
	code     string
	requests int
	failed   int
}

// StartFaulty starts a Faulty in front of target and stops it when the test ends.
func StartFaulty(t testing.TB, target string) *Faulty {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("bad target %q: %v", target, err)
	}
	f := &Faulty{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests++
		fail := f.down || f.failNext > 0
		if f.failNext > 0 {
			f.failNext--
		}
		if fail {
			f.failed++
		}
		status, code := f.status, f.code
		f.mu.Unlock()
		if !fail {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amzn-Query-Error", code+";Receiver") // SQS's awsQueryCompatible error code
		w.WriteHeader(status)
		b, _ := json.Marshal(map[string]string{"__type": code, "message": "injected by testenv.Faulty"})
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	f.Endpoint = srv.URL
	return f
}

// FailNext answers the next n requests with status and the error code (for example 500
// "InternalFailure", or 400 "ThrottlingException").
func (f *Faulty) FailNext(n, status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failNext, f.status, f.code = n, status, code
}

// Down answers every request with status and code until Up is called.
func (f *Faulty) Down(status int, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down, f.status, f.code = true, status, code
}

// Up passes requests through again.
func (f *Faulty) Up() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down, f.failNext = false, 0
}

// Requests returns how many requests arrived and how many of them were answered with an error.
func (f *Faulty) Requests() (total, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests, f.failed
}
