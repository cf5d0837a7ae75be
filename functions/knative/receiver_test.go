package knative_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/nimbus-iac/nimbus/functions/knative"
)

// fakeLoop is a receive loop that runs until its context ends (then takes settle to settle
// what it holds), or fails at once with err.
type fakeLoop struct {
	err     error
	settle  time.Duration
	started chan struct{}
	stopped chan struct{} // closed when Run returns
}

func (f *fakeLoop) Run(ctx context.Context) error {
	defer close(f.stopped)
	close(f.started)
	if f.err != nil {
		return f.err
	}
	<-ctx.Done()
	time.Sleep(f.settle)
	return nil
}

// TestServerWithReceiver: a worker that receives its jobs runs its loop beside the HTTP
// server, which answers the probe meanwhile; stopping the server stops the loop and Run waits
// for it to settle; a loop that cannot go on stops the server with its error.
func TestServerWithReceiver(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reason  string
		loop    *fakeLoop
		stop    bool
		wantErr error
	}{
		"stopped": {reason: "SIGTERM (ctx) stops both, after the loop settled", loop: &fakeLoop{settle: 300 * time.Millisecond}, stop: true},
		"failed":  {reason: "the loop failing stops the server", loop: &fakeLoop{err: errUnauthorized}, wantErr: errUnauthorized},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tc.loop.started, tc.loop.stopped = make(chan struct{}), make(chan struct{})
			port := freePort(t)
			srv := &knative.Server{Env: knative.Env{Host: "127.0.0.1", Port: port, ShutdownGrace: 2 * time.Second}, Handler: knative.NewHealthHandler(), Receiver: tc.loop}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- srv.Run(ctx) }()
			<-tc.loop.started
			if tc.stop {
				url := fmt.Sprintf("http://127.0.0.1:%d%s", port, knative.HealthPath)
				var (
					resp *http.Response
					err  error
				)
				for i := 0; i < 100; i++ {
					if resp, err = http.Get(url); err == nil {
						break
					}
					time.Sleep(20 * time.Millisecond)
				}
				if err != nil {
					t.Fatalf("%s: the probe while the loop runs: %v", tc.reason, err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: the probe answered %d, want 200", tc.reason, resp.StatusCode)
				}
				cancel()
			}
			select {
			case err := <-done:
				select {
				case <-tc.loop.stopped:
				default:
					t.Errorf("%s: Run returned before the loop settled", tc.reason)
				}
				if (err == nil) != (tc.wantErr == nil) || !errors.Is(err, tc.wantErr) {
					t.Errorf("%s: Run: %v, want %v", tc.reason, err, tc.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: Run did not return", tc.reason)
			}
		})
	}
}

var errUnauthorized = errors.New("unauthorized")
