package containerapps_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestWorkerBinarySIGTERM runs the worker-server-azure binary as Container Apps would, with a
// Service Bus namespace that cannot be reached (none can be here): it answers /healthz while its
// loop waits in its receive (and its dead-letter scanner in its peek), and on SIGTERM stops the
// loop, the scanner and the server and exits 0.
func TestWorkerBinarySIGTERM(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "worker-server-azure")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/worker-server-azure").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{
		fmt.Sprintf("PORT=%d", port), "HOST=127.0.0.1", "SHUTDOWN_GRACE=6s",
		"IMAGES_BUCKET=images", "IMAGES_ACCOUNT_URL=https://nimbusimg.blob.core.windows.net",
		"JOBS_DELIVERY=servicebus", "JOBS_QUEUE_NAME=jobs", "JOBS_NAMESPACE=nimbus.servicebus.invalid", "JOBS_MAX_RECEIVE_COUNT=5",
		"DB_HOST=127.0.0.1", "DB_PORT=1", "DB_NAME=app", "DB_USER=nimbus-worker", "DB_AUTH=entra",
		// No managed identity endpoint: token requests fail at once instead of probing IMDS.
		"IDENTITY_ENDPOINT=http://127.0.0.1:1/msi/token", "IDENTITY_HEADER=x",
	}
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		if t.Failed() {
			t.Logf("worker log:\n%s", log.String())
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not ready: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Let the loop get into its receive (the SDK retries the unreachable namespace within it).
	time.Sleep(500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the worker did not exit within 10 s of SIGTERM")
	}
	for _, want := range []string{"receiving jobs", "scanning the dead letters", "receive loop stopped", "dead-letter scanner stopped", "drained, exiting"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not say %q", want)
		}
	}
}
