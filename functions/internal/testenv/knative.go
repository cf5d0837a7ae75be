package testenv

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
)

// Trigger delivers CloudEvents to a subscriber as a Knative Trigger does, following Knative
// Eventing's control-plane contract ("Event Delivery") and data-plane contract: it POSTs the event
// to Subscriber; a 2xx answer completes the delivery; a retryable failure (no answer, a 404, 408,
// 409, 429 or 5xx) is retried up to Retry times, waiting BackoffDelay·2ⁿ before retry n+1
// (backoffPolicy exponential); after the last retry, or at once on any other answer, the event
// goes to DeadLetterSink with the extensions Knative's dispatcher adds (knativeerrordest,
// knativeerrorcode, knativeerrordata), delivered with the same retries. There is no Knative here;
// this is the part of it the worker relies on. It does not filter, reply or congestion-control.
type Trigger struct {
	Subscriber     string
	DeadLetterSink string // empty: a failed event is dropped
	Retry          int
	BackoffDelay   time.Duration
	// Structured sends events in structured mode (application/cloudevents+json); else binary.
	Structured bool
	// Timeout bounds each attempt (Knative's delivery.timeout); 0 means 30 s.
	Timeout time.Duration

	mu       sync.Mutex
	attempts []Attempt
}

// Attempt is one POST a Trigger made.
type Attempt struct {
	URL    string
	Status int    // 0 when no answer came
	Err    string // the transport error, if any
}

// Outcome says how a delivery ended.
type Outcome struct {
	// Delivered: the subscriber answered 2xx.
	Delivered bool
	// Attempts made to the subscriber.
	Attempts int
	// DeadLettered: the dead-letter sink answered 2xx.
	DeadLettered bool
	// DeadLetterAttempts made to the dead-letter sink.
	DeadLetterAttempts int
	// LastStatus is the subscriber's last answer (0: none).
	LastStatus int
}

// Attempts returns every POST made so far.
func (tr *Trigger) Attempts() []Attempt {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]Attempt(nil), tr.attempts...)
}

// Retryable reports whether Knative retries an answer of status (0: no answer).
func Retryable(status int) bool {
	switch {
	case status == 0, status >= 500:
		return true
	case status == http.StatusNotFound, status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooManyRequests:
		return true
	}
	return false
}

// Deliver delivers ev and returns how it ended; an error only when ctx ends first.
func (tr *Trigger) Deliver(ctx context.Context, ev event.Event) (Outcome, error) {
	var out Outcome
	status, body, n, err := tr.send(ctx, tr.Subscriber, ev)
	out.Attempts, out.LastStatus = n, status
	if err != nil {
		return out, err
	}
	if status/100 == 2 {
		out.Delivered = true
		return out, nil
	}
	if tr.DeadLetterSink == "" {
		return out, nil
	}
	dl := ev.Clone()
	dl.SetExtension("knativeerrordest", tr.Subscriber)
	if status != 0 {
		dl.SetExtension("knativeerrorcode", status)
	}
	if len(body) > 0 {
		dl.SetExtension("knativeerrordata", base64.StdEncoding.EncodeToString(body))
	}
	status, _, n, err = tr.send(ctx, tr.DeadLetterSink, dl)
	out.DeadLetterAttempts = n
	if err != nil {
		return out, err
	}
	out.DeadLettered = status/100 == 2
	return out, nil
}

// send POSTs ev to url with the retries; it returns the last status and body and the number of
// attempts.
func (tr *Trigger) send(ctx context.Context, url string, ev event.Event) (status int, body []byte, attempts int, err error) {
	wait := tr.BackoffDelay
	for {
		attempts++
		status, body = tr.post(ctx, url, ev)
		if status/100 == 2 || !Retryable(status) || attempts > tr.Retry {
			return status, body, attempts, nil
		}
		select {
		case <-ctx.Done():
			return status, body, attempts, fmt.Errorf("delivery of event %q to %s cut off after %d attempts: %w", ev.ID(), url, attempts, ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

func (tr *Trigger) post(ctx context.Context, url string, ev event.Event) (int, []byte) {
	timeout := tr.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	a := Attempt{URL: url}
	defer func() {
		tr.mu.Lock()
		tr.attempts = append(tr.attempts, a)
		tr.mu.Unlock()
	}()
	req, err := EventRequest(ctx, url, ev, tr.Structured)
	if err != nil {
		a.Err = err.Error()
		return 0, nil
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.Err = err.Error()
		return 0, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	a.Status = resp.StatusCode
	return resp.StatusCode, body
}

// EventRequest returns a POST of ev to url in binary mode, or structured mode when structured.
func EventRequest(ctx context.Context, url string, ev event.Event, structured bool) (*http.Request, error) {
	if !structured {
		return cehttp.NewHTTPRequestFromEvent(ctx, url, ev)
	}
	b, err := ev.MarshalJSON()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/cloudevents+json; charset=UTF-8")
	return req, nil
}

// Broker stands for a Knative Broker's ingress: it takes CloudEvents (binary or structured
// mode) with 202 and keeps them in order, or fails the next few POSTs, as a test says.
type Broker struct {
	URL string

	mu       sync.Mutex
	events   []event.Event
	posts    int
	failNext int
	status   int
	delay    time.Duration
}

// StartBroker starts a Broker and stops it when the test ends.
func StartBroker(t testing.TB) *Broker {
	t.Helper()
	b := &Broker{}
	srv := httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(srv.Close)
	b.URL = srv.URL + "/default/default"
	return b
}

func (b *Broker) serve(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.posts++
	fail, status, delay := b.failNext > 0, b.status, b.delay
	if fail {
		b.failNext--
	}
	b.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodPost {
		http.Error(w, "POST events", http.StatusMethodNotAllowed)
		return
	}
	if fail {
		http.Error(w, "broker unavailable", status)
		return
	}
	ev, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
	if err == nil {
		err = ev.Validate()
	}
	if err != nil {
		http.Error(w, "not a CloudEvent: "+err.Error(), http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.events = append(b.events, *ev)
	b.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// FailNext answers the next n POSTs with status.
func (b *Broker) FailNext(n, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failNext, b.status = n, status
}

// Delay holds every later POST for d before answering (0: none).
func (b *Broker) Delay(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.delay = d
}

// Events returns the events taken, in order.
func (b *Broker) Events() []event.Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]event.Event(nil), b.events...)
}

// Posts returns how many POSTs arrived, failed ones included.
func (b *Broker) Posts() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.posts
}
