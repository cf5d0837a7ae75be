package knative_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

const testID = "0b5c8f9e-3d0f-4a53-9d5f-2f4c4b3f8a10"

// fixture is a worker handler over in-memory ports with one pending image whose original is a PNG.
func fixture(t *testing.T) (http.Handler, *imagestest.Blobs, *imagestest.Meta) {
	t.Helper()
	blobs, meta := &imagestest.Blobs{}, &imagestest.Meta{}
	ctx := context.Background()
	if err := blobs.Put(ctx, images.OriginalKey(testID), imagestest.PNG(40, 30), images.TypePNG); err != nil {
		t.Fatal(err)
	}
	if err := meta.Create(ctx, images.Image{ID: testID, Status: images.StatusPending, OriginalKey: images.OriginalKey(testID), ContentType: images.TypePNG}); err != nil {
		t.Fatal(err)
	}
	w, err := images.NewWorker(images.WorkerConfig{Blobs: blobs, Meta: meta, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return knative.NewWorkerHandler(w, meta, slog.New(slog.DiscardHandler)), blobs, meta
}

const jobJSON = `{"id":"` + testID + `","key":"originals/` + testID + `"}`

// TestWorkerEventModes decodes requests shaped as the examples of the CloudEvents HTTP protocol
// binding (binary mode: ce- headers and the data as the body; structured mode:
// application/cloudevents+json with data or data_base64) carrying a job.
func TestWorkerEventModes(t *testing.T) {
	binary := map[string]string{
		"ce-specversion": "1.0",
		"ce-type":        knative.JobEventType,
		"ce-time":        "2018-04-05T03:56:24Z",
		"ce-id":          "1234-1234-1234",
		"ce-source":      "/mycontext/subcontext",
		"Content-Type":   "application/json; charset=utf-8",
	}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{}
		for a, b := range m {
			out[a] = b
		}
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	structured := map[string]string{"Content-Type": "application/cloudevents+json; charset=utf-8"}
	for name, tc := range map[string]struct {
		reason     string
		headers    map[string]string
		body       string
		wantStatus int
		wantResult string
		wantMarked images.Status
	}{
		"binary": {
			reason: "the binary-mode example with a job as data", headers: binary, body: jobJSON,
			wantStatus: 200, wantResult: "done", wantMarked: images.StatusDone,
		},
		"structured": {
			reason:  "the structured-mode example with the job as JSON data",
			headers: structured,
			body: `{"specversion":"1.0","type":"` + knative.JobEventType + `","source":"/mycontext/subcontext","id":"A234-1234-1234",
				"time":"2018-04-05T17:31:00Z","comexampleextension1":"value","datacontenttype":"application/json","data":` + jobJSON + `}`,
			wantStatus: 200, wantResult: "done", wantMarked: images.StatusDone,
		},
		"structured base64": {
			reason:     "data_base64 carries the same bytes",
			headers:    structured,
			body:       `{"specversion":"1.0","type":"` + knative.JobEventType + `","source":"/s","id":"b","datacontenttype":"application/json","data_base64":"eyJpZCI6IjBiNWM4ZjllLTNkMGYtNGE1My05ZDVmLTJmNGM0YjNmOGExMCIsImtleSI6Im9yaWdpbmFscy8wYjVjOGY5ZS0zZDBmLTRhNTMtOWQ1Zi0yZjRjNGIzZjhhMTAifQ=="}`,
			wantStatus: 200, wantResult: "done", wantMarked: images.StatusDone,
		},
		"no specversion": {
			reason: "without ce-specversion the request is no CloudEvent", headers: with(binary, "ce-specversion", ""), body: jobJSON,
			wantStatus: 400, wantMarked: images.StatusPending,
		},
		"other type": {
			reason: "only the job type is taken", headers: with(binary, "ce-type", "com.example.someevent"), body: jobJSON,
			wantStatus: 400, wantMarked: images.StatusPending,
		},
		"not a job": {
			reason: "data that is not a job", headers: binary, body: `{"id":"x"}`,
			wantStatus: 400, wantMarked: images.StatusPending,
		},
		"text data": {
			reason: "a job must be JSON", headers: with(binary, "Content-Type", "text/plain"), body: jobJSON,
			wantStatus: 400, wantMarked: images.StatusPending,
		},
	} {
		t.Run(name, func(t *testing.T) {
			h, _, meta := fixture(t)
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus {
				t.Fatalf("%s: status %d, want %d; body %s", tc.reason, rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantResult != "" && !strings.Contains(rec.Body.String(), `"result":"`+tc.wantResult+`"`) {
				t.Errorf("%s: body %s, want result %q", tc.reason, rec.Body, tc.wantResult)
			}
			if got := meta.Images()[testID].Status; got != tc.wantMarked {
				t.Errorf("%s: image %s, want %s", tc.reason, got, tc.wantMarked)
			}
			if rec.Header().Get("ce-id") != "" || strings.HasPrefix(rec.Header().Get("Content-Type"), "application/cloudevents") {
				t.Errorf("%s: the answer looks like a reply event: %v", tc.reason, rec.Header())
			}
		})
	}
}

// TestWorkerRetryAndDeadLetter: a failing job is answered 500 and leaves the record pending;
// the dead letter marks it failed; a dead letter the database cannot record is answered 500.
func TestWorkerRetryAndDeadLetter(t *testing.T) {
	ev := func(path string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(jobJSON))
		for k, v := range map[string]string{"ce-specversion": "1.0", "ce-type": knative.JobEventType, "ce-id": testID, "ce-source": "/s", "ce-knativeerrorcode": "500", "Content-Type": "application/json"} {
			req.Header.Set(k, v)
		}
		return req
	}
	h, blobs, meta := fixture(t)
	blobs.GetErr = errors.New("store down")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, ev("/"))
	if rec.Code != 500 || meta.Images()[testID].Status != images.StatusPending {
		t.Fatalf("failing job: %d, image %s; want 500 and pending", rec.Code, meta.Images()[testID].Status)
	}
	meta.MarkFailedErr = errors.New("database down")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, ev(knative.DeadLetterPath))
	if rec.Code != 500 {
		t.Fatalf("dead letter with the database down: %d, want 500 so the sink delivery is retried", rec.Code)
	}
	meta.MarkFailedErr = nil
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, ev(knative.DeadLetterPath))
	img := meta.Images()[testID]
	if rec.Code != 200 || img.Status != images.StatusFailed || img.Error == "" {
		t.Fatalf("dead letter: %d, image %+v; want 200 and failed with a reason", rec.Code, img)
	}
	if meta.Transitions() != 1 {
		t.Errorf("%d transitions, want 1", meta.Transitions())
	}
}

// TestWorkerRoutes: health without dependencies, unknown paths 404.
func TestWorkerRoutes(t *testing.T) {
	h, _, _ := fixture(t)
	got := map[string]int{}
	for _, rt := range []struct{ method, path string }{{"GET", "/healthz"}, {"GET", "/"}, {"POST", "/other"}, {"GET", "/deadletter"}} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(rt.method, rt.path, nil))
		got[rt.method+" "+rt.path] = rec.Code
	}
	want := map[string]int{"GET /healthz": 200, "GET /": 404, "POST /other": 404, "GET /deadletter": 404}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("routes: -want +got:\n%s", diff)
	}
}

// TestJobEventBinaryMode: the API's publish is a binary-mode POST whose id is the image id, so
// a retried publish is the same event.
func TestJobEventBinaryMode(t *testing.T) {
	var got []map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = append(got, map[string]string{
			"ce-specversion": r.Header.Get("ce-specversion"), "ce-id": r.Header.Get("ce-id"), "ce-type": r.Header.Get("ce-type"),
			"ce-source": r.Header.Get("ce-source"), "ce-subject": r.Header.Get("ce-subject"), "Content-Type": r.Header.Get("Content-Type"), "body": string(body),
		})
		if len(got) == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	p := knative.NewBrokerPublisher(srv.URL, "/src")
	if err := p.Publish(context.Background(), images.Job{ID: testID, Key: images.OriginalKey(testID)}); err != nil {
		t.Fatal(err)
	}
	one := map[string]string{"ce-specversion": "1.0", "ce-id": testID, "ce-type": knative.JobEventType, "ce-source": "/src", "ce-subject": testID, "Content-Type": "application/json", "body": jobJSON}
	if diff := cmp.Diff([]map[string]string{one, one}, got); diff != "" {
		t.Errorf("POSTs (a 502, then a retry): -want +got:\n%s", diff)
	}
}

// TestPublishTimeout: a broker that does not answer within PublishTimeout is a failed publish.
func TestPublishTimeout(t *testing.T) {
	b := testenv.StartBroker(t)
	b.Delay(knative.PublishTimeout + 2*time.Second)
	p := knative.NewBrokerPublisher(b.URL, "/src")
	err := p.Publish(context.Background(), images.Job{ID: testID, Key: images.OriginalKey(testID)})
	if err == nil || !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("publish to a silent broker: %v, want a timeout", err)
	}
}
