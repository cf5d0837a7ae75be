package testenv

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/binding"
	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	"github.com/google/go-cmp/cmp"
)

// TestTrigger pins the driver to Knative's delivery contract: which answers are retried, how
// many times, with what backoff, and what reaches the dead-letter sink.
func TestTrigger(t *testing.T) {
	for name, tc := range map[string]struct {
		reason      string
		statuses    []int // the subscriber's answers in turn; the last repeats
		retry       int
		want        Outcome
		wantDLCode  any
		wantDLCalls int
	}{
		"first try":    {reason: "a 2xx ends the delivery", statuses: []int{202}, retry: 3, want: Outcome{Delivered: true, Attempts: 1, LastStatus: 202}},
		"retried 5xx":  {reason: "5xx is retried", statuses: []int{503, 500, 200}, retry: 3, want: Outcome{Delivered: true, Attempts: 3, LastStatus: 200}},
		"retried 4xx":  {reason: "404, 408, 409 and 429 are retried", statuses: []int{404, 408, 409, 429, 200}, retry: 4, want: Outcome{Delivered: true, Attempts: 5, LastStatus: 200}},
		"exhausted":    {reason: "1+retry attempts, then the sink", statuses: []int{500}, retry: 2, want: Outcome{Attempts: 3, LastStatus: 500, DeadLettered: true, DeadLetterAttempts: 1}, wantDLCode: "500", wantDLCalls: 1},
		"not retried":  {reason: "a 400 goes to the sink at once", statuses: []int{400}, retry: 5, want: Outcome{Attempts: 1, LastStatus: 400, DeadLettered: true, DeadLetterAttempts: 1}, wantDLCode: "400", wantDLCalls: 1},
		"no retry set": {reason: "retry 0 is one attempt", statuses: []int{502}, retry: 0, want: Outcome{Attempts: 1, LastStatus: 502, DeadLettered: true, DeadLetterAttempts: 1}, wantDLCode: "502", wantDLCalls: 1},
	} {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var times []time.Time
			var dead []*event.Event
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ev, err := binding.ToEvent(r.Context(), cehttp.NewMessageFromHttpRequest(r))
				if err != nil {
					t.Errorf("not a CloudEvent: %v", err)
				}
				mu.Lock()
				defer mu.Unlock()
				if r.URL.Path == "/dead" {
					dead = append(dead, ev)
					return
				}
				times = append(times, time.Now())
				w.WriteHeader(tc.statuses[min(len(times), len(tc.statuses))-1])
				_, _ = w.Write([]byte("why"))
			}))
			defer srv.Close()
			tr := &Trigger{Subscriber: srv.URL + "/", DeadLetterSink: srv.URL + "/dead", Retry: tc.retry, BackoffDelay: 20 * time.Millisecond}
			ev := event.New()
			ev.SetID("e1")
			ev.SetSource("/test")
			ev.SetType("t")
			out, err := tr.Deliver(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, out); diff != "" {
				t.Fatalf("%s: -want +got:\n%s", tc.reason, diff)
			}
			for i := 1; i < len(times); i++ {
				if gap, min := times[i].Sub(times[i-1]), 20*time.Millisecond<<(i-1); gap < min {
					t.Errorf("%s: retry %d came %s after the previous attempt, want at least %s (exponential)", tc.reason, i, gap, min)
				}
			}
			if len(dead) != tc.wantDLCalls {
				t.Fatalf("%s: %d dead letters, want %d", tc.reason, len(dead), tc.wantDLCalls)
			}
			if tc.wantDLCalls > 0 {
				ext := dead[0].Extensions()
				got := map[string]any{"id": dead[0].ID(), "code": ext["knativeerrorcode"], "dest": ext["knativeerrordest"], "data": ext["knativeerrordata"]}
				want := map[string]any{"id": "e1", "code": tc.wantDLCode, "dest": srv.URL + "/", "data": base64.StdEncoding.EncodeToString([]byte("why"))}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s: dead letter -want +got:\n%s", tc.reason, diff)
				}
			}
		})
	}
}

// TestTriggerNoAnswer: a subscriber that is not listening is retried, then dead-lettered.
func TestTriggerNoAnswer(t *testing.T) {
	dls := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer dls.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	tr := &Trigger{Subscriber: url, DeadLetterSink: dls.URL, Retry: 2, BackoffDelay: time.Millisecond}
	ev := event.New()
	ev.SetID("e2")
	ev.SetSource("/test")
	ev.SetType("t")
	out, err := tr.Deliver(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Outcome{Attempts: 3, DeadLettered: true, DeadLetterAttempts: 1}, out); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if a := tr.Attempts(); len(a) != 4 || a[0].Err == "" {
		t.Errorf("attempts %+v, want 3 failed ones with their errors and the dead letter", a)
	}
}
