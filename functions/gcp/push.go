package gcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Push limits.
const (
	// JobTimeout bounds the processing of one push, below the default 600 s acknowledgement
	// deadline of a push subscription and Cloud Run's default 300 s request timeout.
	JobTimeout = 2 * time.Minute
	// MaxPushBytes bounds the body the worker reads: a job's envelope is under 1 KiB.
	MaxPushBytes = 64 << 10
	// Pub/Sub's bounds of a dead-letter policy's maxDeliveryAttempts.
	MinDeliveryAttempts = 5
	MaxDeliveryAttempts = 100
)

// PushEnvelope is the body of a Pub/Sub push request (the wrapped payload format).
type PushEnvelope struct {
	Message      PushMessage `json:"message"`
	Subscription string      `json:"subscription"`
	// DeliveryAttempt is set by Pub/Sub only when the subscription has a dead-letter policy.
	DeliveryAttempt *int `json:"deliveryAttempt,omitempty"`
}

// PushMessage is the message of a push envelope; Data is base64 in JSON.
type PushMessage struct {
	Data        []byte            `json:"data"`
	Attributes  map[string]string `json:"attributes,omitempty"`
	MessageID   string            `json:"messageId"`
	PublishTime string            `json:"publishTime,omitempty"`
}

// ParsePush decodes a push request body and the job its message carries. Errors wrap
// images.ErrMalformedJob: no retry will make the request a job.
func ParsePush(body []byte) (PushEnvelope, images.Job, error) {
	var env PushEnvelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return PushEnvelope{}, images.Job{}, fmt.Errorf("%w: the body is not a Pub/Sub push envelope {\"message\":{\"data\",\"messageId\"},\"subscription\"}: %w", images.ErrMalformedJob, err)
	}
	if dec.More() {
		return PushEnvelope{}, images.Job{}, fmt.Errorf("%w: the push envelope has data after the JSON object", images.ErrMalformedJob)
	}
	if env.Message.MessageID == "" {
		return env, images.Job{}, fmt.Errorf("%w: the push envelope has no message.messageId", images.ErrMalformedJob)
	}
	if env.DeliveryAttempt != nil && *env.DeliveryAttempt < 1 {
		return env, images.Job{}, fmt.Errorf("%w: deliveryAttempt must be 1 or more, got %d", images.ErrMalformedJob, *env.DeliveryAttempt)
	}
	job, err := images.ParseJob(env.Message.Data)
	return env, job, err
}

// PushConfig configures NewPushHandler.
type PushConfig struct {
	// MaxDeliveryAttempts is the subscription's dead-letter policy's maxDeliveryAttempts
	// (5 to 100): the delivery whose deliveryAttempt reaches it is the last. 0 means no
	// delivery is ever taken as the last (no dead-letter policy): the worker never marks an
	// image failed.
	MaxDeliveryAttempts int
	// Verifier, when set, checks every push's OIDC token.
	Verifier *TokenVerifier
	Logger   *slog.Logger
}

// Answer is the JSON body of the push handler's answers.
type Answer struct {
	Result string `json:"result,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Paths of the push worker.
const (
	PushPath = "/"
	// DeadLetterPath is the push endpoint of the dead-letter topic's push subscription.
	DeadLetterPath = "/deadletter"
	HealthPath     = "/healthz"
)

// NewPushHandler returns the worker's HTTP handler for a Pub/Sub push subscription (see the
// package documentation): POST PushPath, POST DeadLetterPath and GET HealthPath.
func NewPushHandler(w *images.Worker, cfg PushConfig) (http.Handler, error) {
	if w == nil {
		return nil, errors.New("gcp: NewPushHandler needs a worker")
	}
	if m := cfg.MaxDeliveryAttempts; m != 0 && (m < MinDeliveryAttempts || m > MaxDeliveryAttempts) {
		return nil, fmt.Errorf("gcp: PushConfig.MaxDeliveryAttempts must be 0 (no dead-letter policy) or %d to %d, got %d", MinDeliveryAttempts, MaxDeliveryAttempts, m)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &pushHandler{w: w, cfg: cfg, log: cfg.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthPath, func(rw http.ResponseWriter, _ *http.Request) {
		writeJSON(rw, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST "+PushPath+"{$}", h.push)
	mux.HandleFunc("POST "+DeadLetterPath, h.deadLetter)
	mux.HandleFunc(PushPath, func(rw http.ResponseWriter, r *http.Request) {
		writeJSON(rw, http.StatusNotFound, Answer{Error: fmt.Sprintf("no route for %s %s: the worker serves POST %s (Pub/Sub push), POST %s (dead letters) and GET %s", r.Method, r.URL.Path, PushPath, DeadLetterPath, HealthPath)})
	})
	return mux, nil
}

type pushHandler struct {
	w   *images.Worker
	cfg PushConfig
	log *slog.Logger
}

// attempt returns the Attempt of a delivery.
func (h *pushHandler) attempt(env PushEnvelope) images.Attempt {
	if h.cfg.MaxDeliveryAttempts == 0 {
		return images.Attempt{ReceiveCount: 1, MaxReceiveCount: math.MaxInt}
	}
	n := 1 // a missing count counts as the first delivery, as on SQS
	if env.DeliveryAttempt != nil {
		n = *env.DeliveryAttempt
	}
	return images.Attempt{ReceiveCount: n, MaxReceiveCount: h.cfg.MaxDeliveryAttempts}
}

func (h *pushHandler) push(rw http.ResponseWriter, r *http.Request) {
	if h.cfg.Verifier != nil {
		if status, err := h.cfg.Verifier.VerifyRequest(r.Context(), r); err != nil {
			h.log.ErrorContext(r.Context(), "push refused: its OIDC token is not the subscription's", "err", err)
			writeJSON(rw, status, Answer{Error: err.Error()})
			return
		}
	}
	body, err := readBody(r)
	if err != nil {
		writeJSON(rw, http.StatusBadRequest, Answer{Error: err.Error()})
		return
	}
	env, job, err := ParsePush(body)
	log := h.log.With("messageId", env.Message.MessageID, "subscription", env.Subscription)
	if env.DeliveryAttempt != nil {
		log = log.With("deliveryAttempt", *env.DeliveryAttempt)
	}
	if err != nil {
		// Pub/Sub redelivers it until maxDeliveryAttempts, then dead-letters it (see doc.go).
		log.ErrorContext(r.Context(), "push carries no job; Pub/Sub dead-letters it after its attempts", "err", err)
		writeJSON(rw, http.StatusBadRequest, Answer{Error: err.Error()})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), JobTimeout)
	defer cancel()
	res, err := h.process(ctx, log, job, h.attempt(env))
	if err != nil {
		// Not acknowledged: redelivered, or after the last attempt dead-lettered (the record
		// then marked failed by Process).
		writeJSON(rw, http.StatusInternalServerError, Answer{Result: string(res), Error: err.Error()})
		return
	}
	writeJSON(rw, http.StatusOK, Answer{Result: string(res)})
}

// deadLetter takes a push of the dead-letter topic's push subscription and marks the job's image
// failed if it is still pending: the jobs whose every delivery failed before the worker could
// answer (it was unreachable or timed out) never reached a last attempt that marks them.
func (h *pushHandler) deadLetter(rw http.ResponseWriter, r *http.Request) {
	if h.cfg.Verifier != nil {
		if status, err := h.cfg.Verifier.VerifyRequest(r.Context(), r); err != nil {
			h.log.ErrorContext(r.Context(), "dead-letter push refused: its OIDC token is not the subscription's", "err", err)
			writeJSON(rw, status, Answer{Error: err.Error()})
			return
		}
	}
	body, err := readBody(r)
	if err != nil {
		writeJSON(rw, http.StatusBadRequest, Answer{Error: err.Error()})
		return
	}
	env, job, err := ParsePush(body)
	log := h.log.With("messageId", env.Message.MessageID, "subscription", env.Subscription)
	if err != nil {
		// Nothing names an image. Acknowledged, so this subscription stops retrying; the
		// dead-letter topic's pull subscription keeps its own copy for inspection.
		log.ErrorContext(r.Context(), "dead-lettered message carries no job; acknowledged, kept on the dead-letter pull subscription", "err", err)
		writeJSON(rw, http.StatusOK, Answer{Result: "ignored", Error: err.Error()})
		return
	}
	log = log.With("id", job.ID)
	ctx, cancel := context.WithTimeout(r.Context(), JobTimeout)
	defer cancel()
	res, err := h.w.DeadLettered(ctx, job)
	if err != nil {
		log.ErrorContext(ctx, "cannot mark a dead-lettered image failed; Pub/Sub retries the push", "err", err)
		writeJSON(rw, http.StatusInternalServerError, Answer{Result: string(res), Error: err.Error()})
		return
	}
	if res == images.ResultMarkedFailed {
		log.ErrorContext(ctx, "job dead-lettered without a last attempt, image marked failed")
	}
	writeJSON(rw, http.StatusOK, Answer{Result: string(res)})
}

func (h *pushHandler) process(ctx context.Context, log *slog.Logger, job images.Job, at images.Attempt) (res images.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			res, err = images.ResultRetry, fmt.Errorf("job panicked: %v", p)
		}
	}()
	return h.w.Process(ctx, job, at)
}

func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, MaxPushBytes)); err != nil {
		return nil, fmt.Errorf("%w: cannot read the push body (at most %d bytes): %w", images.ErrMalformedJob, MaxPushBytes, err)
	}
	return buf.Bytes(), nil
}

func writeJSON(rw http.ResponseWriter, status int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_ = json.NewEncoder(rw).Encode(v)
}
