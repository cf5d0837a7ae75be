package gcp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/nimbus-iac/nimbus/functions/gcp"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
)

const testID = "0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10"

// fixture is a push handler over in-memory ports with one pending image whose original is
// good (a PNG) or corrupt.
func fixture(t *testing.T, cfg gcp.PushConfig, corrupt bool) (http.Handler, *imagestest.Blobs, *imagestest.Meta) {
	t.Helper()
	blobs, meta := &imagestest.Blobs{}, &imagestest.Meta{}
	ctx := context.Background()
	body := imagestest.PNG(40, 30)
	if corrupt {
		body = imagestest.CorruptPNG()
	}
	if err := blobs.Put(ctx, images.OriginalKey(testID), body, images.TypePNG); err != nil {
		t.Fatal(err)
	}
	if err := meta.Create(ctx, images.Image{ID: testID, Status: images.StatusPending, OriginalKey: images.OriginalKey(testID), ContentType: images.TypePNG}); err != nil {
		t.Fatal(err)
	}
	w, err := images.NewWorker(images.WorkerConfig{Blobs: blobs, Meta: meta, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	h, err := gcp.NewPushHandler(w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, blobs, meta
}

// envelope is a push body as Pub/Sub sends it; attempt 0 leaves deliveryAttempt out.
func envelope(data []byte, attempt int) string {
	m := map[string]any{
		"message": map[string]any{
			"data": base64.StdEncoding.EncodeToString(data), "attributes": map[string]string{"type": "dev.nimbus.images.job"},
			"messageId": "2070443601311540", "message_id": "2070443601311540",
			"publishTime": "2026-12-01T23:00:00.000Z", "publish_time": "2026-12-01T23:00:00.000Z",
		},
		"subscription": "projects/p/subscriptions/jobs-push",
	}
	if attempt > 0 {
		m["deliveryAttempt"] = attempt
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func job(id string) []byte { return []byte(fmt.Sprintf(`{"id":%q,"key":"originals/%s"}`, id, id)) }

func post(t *testing.T, h http.Handler, body string, header http.Header) (int, gcp.Answer) {
	t.Helper()
	return postTo(t, h, gcp.PushPath, body, header)
}

func postTo(t *testing.T, h http.Handler, path, body string, header http.Header) (int, gcp.Answer) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var a gcp.Answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %q is not JSON: %v", rec.Body.String(), err)
	}
	return rec.Code, a
}

func TestPushDelivery(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason      string
		corrupt     bool
		maxAttempts int
		body        string
		wantStatus  int
		wantResult  string
		wantImage   images.Status
	}{
		"good job": {
			reason: "a job is processed and acknowledged once done", maxAttempts: 5,
			body: envelope(job(testID), 1), wantStatus: 200, wantResult: "done", wantImage: images.StatusDone,
		},
		"no delivery attempt": {
			reason: "without a dead-letter policy there is no deliveryAttempt; the job is still processed", maxAttempts: 5,
			body: envelope(job(testID), 0), wantStatus: 200, wantResult: "done", wantImage: images.StatusDone,
		},
		"failing job before the last attempt": {
			reason: "500 so Pub/Sub redelivers, the record stays pending", corrupt: true, maxAttempts: 5,
			body: envelope(job(testID), 4), wantStatus: 500, wantResult: "retry", wantImage: images.StatusPending,
		},
		"failing job on the last attempt": {
			reason: "the record is marked failed and the answer is still 500, so the message is dead-lettered", corrupt: true, maxAttempts: 5,
			body: envelope(job(testID), 5), wantStatus: 500, wantResult: "marked-failed", wantImage: images.StatusFailed,
		},
		"failing job without a dead-letter policy": {
			reason: "MaxDeliveryAttempts 0: no delivery is the last, never marked failed", corrupt: true,
			body: envelope(job(testID), 100), wantStatus: 500, wantResult: "retry", wantImage: images.StatusPending,
		},
		"missing attempt counts as the first": {
			reason: "no deliveryAttempt with a policy configured is not taken as the last", corrupt: true, maxAttempts: 5,
			body: envelope(job(testID), 0), wantStatus: 500, wantResult: "retry", wantImage: images.StatusPending,
		},
		"data is no job": {
			reason: "400, nothing touched: Pub/Sub redelivers it until it is dead-lettered", maxAttempts: 5,
			body: envelope([]byte("not json"), 1), wantStatus: 400, wantImage: images.StatusPending,
		},
		"wrong key": {
			reason: "a job whose key is not the image's original is refused", maxAttempts: 5,
			body: envelope([]byte(`{"id":"`+testID+`","key":"thumbnails/x"}`), 1), wantStatus: 400, wantImage: images.StatusPending,
		},
		"not an envelope": {
			reason: "a body that is no push envelope is refused", maxAttempts: 5,
			body: `{"id":"` + testID + `"}`, wantStatus: 400, wantImage: images.StatusPending,
		},
		"not JSON": {
			reason: "garbage is refused", maxAttempts: 5,
			body: `<xml/>`, wantStatus: 400, wantImage: images.StatusPending,
		},
		"bad base64": {
			reason: "data that is not base64 is refused", maxAttempts: 5,
			body: `{"message":{"data":"***","messageId":"1"},"subscription":"s"}`, wantStatus: 400, wantImage: images.StatusPending,
		},
		"zero attempt": {
			reason: "deliveryAttempt starts at 1", maxAttempts: 5,
			body: strings.Replace(envelope(job(testID), 1), `"deliveryAttempt":1`, `"deliveryAttempt":0`, 1), wantStatus: 400, wantImage: images.StatusPending,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _, meta := fixture(t, gcp.PushConfig{MaxDeliveryAttempts: tc.maxAttempts}, tc.corrupt)
			status, a := post(t, h, tc.body, nil)
			if status != tc.wantStatus || (tc.wantResult != "" && a.Result != tc.wantResult) {
				t.Errorf("%s: got %d %+v, want %d result %q", tc.reason, status, a, tc.wantStatus, tc.wantResult)
			}
			if got := meta.Images()[testID].Status; got != tc.wantImage {
				t.Errorf("%s: image is %s, want %s", tc.reason, got, tc.wantImage)
			}
		})
	}
}

func TestPushDeadLetter(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason     string
		status     images.Status
		markErr    error
		body       string
		wantStatus int
		wantResult string
		wantImage  images.Status
	}{
		"pending": {
			reason: "a job dead-lettered while its image is pending (no last attempt reached the worker) marks it failed",
			status: images.StatusPending, body: envelope(job(testID), 0), wantStatus: 200, wantResult: "marked-failed", wantImage: images.StatusFailed,
		},
		"already failed": {
			reason: "an image a last attempt marked failed is left alone",
			status: images.StatusFailed, body: envelope(job(testID), 0), wantStatus: 200, wantResult: "already-finished", wantImage: images.StatusFailed,
		},
		"done": {
			reason: "a done image (a late duplicate dead-lettered) stays done",
			status: images.StatusDone, body: envelope(job(testID), 0), wantStatus: 200, wantResult: "already-finished", wantImage: images.StatusDone,
		},
		"database down": {
			reason: "500 so Pub/Sub retries the dead-letter push", status: images.StatusPending, markErr: errors.New("connection refused"),
			body: envelope(job(testID), 0), wantStatus: 500, wantResult: "retry", wantImage: images.StatusPending,
		},
		"no job": {
			reason: "a dead letter naming no image is acknowledged: no retry can use it, the pull subscription keeps a copy",
			status: images.StatusPending, body: envelope([]byte("not a job"), 0), wantStatus: 200, wantResult: "ignored", wantImage: images.StatusPending,
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _, meta := fixture(t, gcp.PushConfig{MaxDeliveryAttempts: 5}, false)
			img := meta.Images()[testID]
			img.Status = tc.status
			meta.Put(img)
			meta.MarkFailedErr = tc.markErr
			status, a := postTo(t, h, gcp.DeadLetterPath, tc.body, nil)
			if status != tc.wantStatus || a.Result != tc.wantResult {
				t.Errorf("%s: got %d %+v, want %d result %q", tc.reason, status, a, tc.wantStatus, tc.wantResult)
			}
			if got := meta.Images()[testID].Status; got != tc.wantImage {
				t.Errorf("%s: image is %s, want %s", tc.reason, got, tc.wantImage)
			}
		})
	}
}

func TestPushDuplicate(t *testing.T) {
	t.Parallel()
	h, blobs, meta := fixture(t, gcp.PushConfig{MaxDeliveryAttempts: 5}, false)
	for i, want := range []string{"done", "already-finished"} {
		if status, a := post(t, h, envelope(job(testID), i+1), nil); status != 200 || a.Result != want {
			t.Errorf("delivery %d: got %d %+v, want 200 %s", i+1, status, a, want)
		}
	}
	if got := blobs.Puts()[images.ThumbnailKey(testID)]; got != 1 {
		t.Errorf("thumbnail written %d times, want 1", got)
	}
	if got := meta.Transitions(); got != 1 {
		t.Errorf("%d transitions, want 1", got)
	}
}

func TestPushConfigRefused(t *testing.T) {
	t.Parallel()
	w, err := images.NewWorker(images.WorkerConfig{Blobs: &imagestest.Blobs{}, Meta: &imagestest.Meta{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 4, 101} {
		if _, err := gcp.NewPushHandler(w, gcp.PushConfig{MaxDeliveryAttempts: n}); err == nil || !strings.Contains(err.Error(), "5 to 100") {
			t.Errorf("MaxDeliveryAttempts %d: got %v, want an error naming 5 to 100", n, err)
		}
	}
}

// issuer is a local OIDC issuer: go-oidc's oidctest server (discovery and JWKS) over HTTPS-less
// httptest, with its signing key.
type issuer struct {
	URL  string
	key  *rsa.PrivateKey
	kid  string
	jwks string
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.SetIssuer(srv.URL)
	return &issuer{URL: srv.URL, key: key, kid: "k1", jwks: srv.URL + "/keys"}
}

func (i *issuer) token(t *testing.T, claims map[string]any) string {
	t.Helper()
	c := map[string]any{"iss": i.URL, "aud": "https://worker.example.run.app/", "sub": "1234", "email": "push@p.iam.gserviceaccount.com", "email_verified": true,
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	b, _ := json.Marshal(c)
	return oidctest.SignIDToken(i.key, i.kid, oidc.RS256, string(b))
}

func TestPushOIDC(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t)
	other := newIssuer(t)
	const aud, email = "https://worker.example.run.app/", "push@p.iam.gserviceaccount.com"
	for name, tc := range map[string]struct {
		reason     string
		email      string
		header     string
		wantStatus int
	}{
		"valid":                      {reason: "the subscription's token is accepted", email: email, header: "Bearer " + iss.token(t, nil), wantStatus: 200},
		"valid, no email configured": {reason: "audience and issuer only", header: "Bearer " + iss.token(t, map[string]any{"email": "someone@else.com"}), wantStatus: 200},
		"no header":                  {reason: "no token is 401", email: email, wantStatus: 401},
		"not bearer":                 {reason: "basic auth is 401", email: email, header: "Basic dXNlcjpwYXNz", wantStatus: 401},
		"wrong audience":             {reason: "a token for another service is 401", email: email, header: "Bearer " + iss.token(t, map[string]any{"aud": "https://other.run.app/"}), wantStatus: 401},
		"wrong issuer":               {reason: "a token claiming another issuer is 401", email: email, header: "Bearer " + iss.token(t, map[string]any{"iss": "https://evil.example"}), wantStatus: 401},
		"other key":                  {reason: "a token signed by a key not in the JWKS is 401", email: email, header: "Bearer " + other.token(t, map[string]any{"iss": iss.URL}), wantStatus: 401},
		"expired":                    {reason: "an expired token is 401", email: email, header: "Bearer " + iss.token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iat": time.Now().Add(-2 * time.Hour).Unix()}), wantStatus: 401},
		"tampered":                   {reason: "a changed payload breaks the signature", email: email, header: "Bearer " + tamper(iss.token(t, nil)), wantStatus: 401},
		"other email":                {reason: "another service account's token is 403", email: email, header: "Bearer " + iss.token(t, map[string]any{"email": "intruder@p.iam.gserviceaccount.com"}), wantStatus: 403},
		"unverified email":           {reason: "an unverified email is 403", email: email, header: "Bearer " + iss.token(t, map[string]any{"email_verified": false}), wantStatus: 403},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := gcp.NewTokenVerifier(iss.URL, iss.jwks, aud, tc.email)
			h, _, meta := fixture(t, gcp.PushConfig{MaxDeliveryAttempts: 5, Verifier: v}, false)
			hdr := http.Header{}
			if tc.header != "" {
				hdr.Set("Authorization", tc.header)
			}
			status, a := post(t, h, envelope(job(testID), 1), hdr)
			if status != tc.wantStatus {
				t.Errorf("%s: got %d %+v, want %d", tc.reason, status, a, tc.wantStatus)
			}
			wantImage := images.StatusPending
			if tc.wantStatus == 200 {
				wantImage = images.StatusDone
			}
			if got := meta.Images()[testID].Status; got != wantImage {
				t.Errorf("%s: image is %s, want %s", tc.reason, got, wantImage)
			}
			// The dead-letter endpoint checks the same token: an intruder cannot mark images failed.
			dlStatus, a := postTo(t, h, gcp.DeadLetterPath, envelope(job(testID), 0), hdr)
			if dlStatus != tc.wantStatus {
				t.Errorf("%s: dead-letter push got %d %+v, want %d", tc.reason, dlStatus, a, tc.wantStatus)
			}
		})
	}
}

// tamper changes the token's payload (its email) and keeps the signature.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	payload = []byte(strings.Replace(string(payload), "push@", "pusx@", 1))
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}
