package knative

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Worker paths.
const (
	// EventsPath is the Trigger's subscriber (uri "/" relative to the worker's Service).
	EventsPath = "/"
	// DeadLetterPath is the Trigger's delivery.deadLetterSink (uri "/deadletter" relative to the
	// worker's Service).
	DeadLetterPath = "/deadletter"
	// HealthPath answers readiness probes.
	HealthPath = "/healthz"
)

// JobTimeout bounds the processing of one delivery. It is below Knative's default revision
// timeout (300 s) and far above what a thumbnail takes (bench/thumbs: about 0.11 s of a core).
const JobTimeout = 2 * time.Minute

// MaxEventBytes bounds the body of an event the worker reads: a job is under 200 bytes.
const MaxEventBytes = 64 << 10

// notLast is the Attempt of every delivery: the worker never knows which delivery is the last
// (Knative does not say), so Process never marks a record failed; the dead-letter endpoint does.
var notLast = images.Attempt{ReceiveCount: 1, MaxReceiveCount: math.MaxInt}

// Answer is the JSON body of the worker's answers. It is no CloudEvent (no ce- headers, not
// application/cloudevents+json), so a Broker takes it as "no reply event".
type Answer struct {
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// NewWorkerHandler returns the worker's HTTP handler:
//
//   - POST EventsPath takes one CloudEvent (binary or structured mode) of type JobEventType and
//     processes its job with images.Worker.Process. 200 once the thumbnail is stored and the
//     record marked done, or when the record was already finished (a duplicate delivery);
//     500 when processing failed, so the Trigger retries; 400 when the request is no CloudEvent
//     or carries no job (a non-retryable answer: the event goes to the dead-letter sink at once).
//   - POST DeadLetterPath takes the dead-lettered event and marks its image failed (a
//     conditional update: only a pending record changes). 200 when marked or not pending, or when
//     the event carries no job (nothing to mark, logged); 500 when the database cannot be reached,
//     so the delivery to the dead-letter sink is retried.
//   - GET HealthPath answers 200 {"status":"ok"} without touching a dependency.
func NewWorkerHandler(w *images.Worker, meta images.MetadataStore, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	h := &workerHandler{w: w, meta: meta, log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST "+DeadLetterPath, h.deadLetter)
	mux.HandleFunc("POST "+EventsPath+"{$}", h.event)
	mux.HandleFunc(EventsPath, func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusNotFound, Answer{Error: fmt.Sprintf("no route for %s %s: the worker serves POST %s (events), POST %s (dead letters) and GET %s", r.Method, r.URL.Path, EventsPath, DeadLetterPath, HealthPath)})
	})
	return mux
}

type workerHandler struct {
	w    *images.Worker
	meta images.MetadataStore
	log  *slog.Logger
}

// readEvent decodes the request as a CloudEvent carrying a job.
func readEvent(r *http.Request) (*event.Event, images.Job, error) {
	r.Body = http.MaxBytesReader(nil, r.Body, MaxEventBytes)
	ev, err := cehttp.NewEventFromHTTPRequest(r)
	if err != nil {
		return nil, images.Job{}, fmt.Errorf("%w: the request is not a CloudEvent in binary or structured mode: %w", images.ErrMalformedJob, err)
	}
	job, err := jobFromEvent(ev)
	return ev, job, err
}

func (h *workerHandler) event(rw http.ResponseWriter, r *http.Request) {
	ev, job, err := readEvent(r)
	log := h.log
	if ev != nil {
		log = log.With("eventId", ev.ID(), "eventSource", ev.Source())
	}
	if err != nil {
		log.ErrorContext(r.Context(), "event carries no job; it goes to the dead-letter sink", "err", err)
		writeJSON(rw, http.StatusBadRequest, Answer{Error: err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), JobTimeout)
	defer cancel()
	res, err := h.process(ctx, log, job)
	if err != nil {
		// The record stays pending; Knative retries, then dead-letters.
		writeJSON(rw, http.StatusInternalServerError, Answer{Result: string(res), Error: err.Error()})
		return
	}
	writeJSON(rw, http.StatusOK, Answer{Result: string(res)})
}

func (h *workerHandler) process(ctx context.Context, log *slog.Logger, job images.Job) (res images.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			res, err = images.ResultRetry, fmt.Errorf("job panicked: %v", p)
		}
	}()
	return h.w.Process(ctx, job, notLast)
}

// Knative's dead-letter extensions (set by its dispatcher on the dead-lettered event).
const (
	extErrorCode = "knativeerrorcode"
	extErrorDest = "knativeerrordest"
)

func (h *workerHandler) deadLetter(rw http.ResponseWriter, r *http.Request) {
	ev, job, err := readEvent(r)
	if err != nil {
		// Nothing names an image; acknowledging keeps the sink from retrying a message no
		// retry can use.
		h.log.ErrorContext(r.Context(), "dead-lettered event carries no job; dropped", "err", err)
		writeJSON(rw, http.StatusOK, Answer{Result: "ignored", Error: err.Error()})
		return
	}
	ext := ev.Extensions()
	log := h.log.With("eventId", ev.ID(), "id", job.ID, extErrorCode, ext[extErrorCode], extErrorDest, ext[extErrorDest])
	reason := "the image could not be processed: every delivery of its job failed"
	ctx, cancel := context.WithTimeout(r.Context(), JobTimeout)
	defer cancel()
	marked, err := h.meta.MarkFailed(ctx, job.ID, reason)
	if err != nil {
		log.ErrorContext(ctx, "cannot mark dead-lettered image failed; the dead-letter delivery will be retried", "err", err)
		writeJSON(rw, http.StatusInternalServerError, Answer{Error: fmt.Sprintf("cannot mark image %q failed: %v", job.ID, err)})
		return
	}
	if !marked {
		log.InfoContext(ctx, "dead-lettered image is not pending; nothing to mark")
		writeJSON(rw, http.StatusOK, Answer{Result: string(images.ResultAlreadyFinished)})
		return
	}
	log.ErrorContext(ctx, "job dead-lettered, image marked failed")
	writeJSON(rw, http.StatusOK, Answer{Result: string(images.ResultMarkedFailed)})
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}

// NewHealthHandler returns the handler of a worker that receives its jobs itself (a receive
// loop, Platform.Receivers): GET HealthPath answers 200 {"status":"ok"} without touching a
// dependency, and every other request 404.
func NewHealthHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/", func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusNotFound, Answer{Error: fmt.Sprintf("no route for %s %s: this worker receives its jobs from its queue and serves only GET %s", r.Method, r.URL.Path, HealthPath)})
	})
	return mux
}
