package azure_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/nimbus-iac/nimbus/functions/azure"
)

// AzuriteEnv names the azurite-blob executable the tests start. Unset, they look in the folder
// scripts/install-test-deps.sh installs Azurite into, then in PATH.
const AzuriteEnv = "NIMBUS_AZURITE"

// AzuriteVersion is the npm package scripts/install-test-deps.sh installs.
const AzuriteVersion = "3.37.0"

// Azurite's well-known development account (published in its documentation; no secret).
const (
	azuriteAccount = "devstoreaccount1"
	azuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// findAzurite returns the azurite-blob executable, or skips the test naming AzuriteEnv. In CI
// (CI=true), where scripts/install-test-deps.sh has run, not finding it fails the test.
func findAzurite(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv(AzuriteEnv)}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache")
		}
	}
	if cache != "" {
		candidates = append(candidates, filepath.Join(cache, "nimbus", "azurite-"+AzuriteVersion, "node_modules", ".bin", "azurite-blob"))
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	if p, err := exec.LookPath("azurite-blob"); err == nil {
		return p
	}
	msg := fmt.Sprintf("azurite-blob not found (set %s to its path, or run scripts/install-test-deps.sh, which installs azurite %s with npm)", AzuriteEnv, AzuriteVersion)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// azurite is a running Azurite blob service with one container.
type azurite struct {
	URL       string // the account's blob endpoint
	Container string
	mu        sync.Mutex
	puts      map[string]int // successful Put Blob requests by blob name
}

// startAzurite starts azurite-blob on a free 127.0.0.1 port with its data in a temporary
// folder, creates container and stops the server when the test ends.
func startAzurite(t *testing.T, container string) *azurite {
	t.Helper()
	bin := findAzurite(t)
	dir := t.TempDir()
	var (
		cmd  *exec.Cmd
		port int
		out  strings.Builder
	)
	for try := 0; ; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		out.Reset()
		cmd = exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--location", dir,
			"--skipApiVersionCheck", "--loose", "--disableProductStyleUrl", "--disableTelemetry", "--silent")
		cmd.Stdout, cmd.Stderr = &syncWriter{b: &out}, &syncWriter{b: &out}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatalf("cannot start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		var waitErr error
		go func() { waitErr = cmd.Wait(); close(exited) }()
		pid := cmd.Process.Pid
		t.Cleanup(func() {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			<-exited
		})
		if err := waitHTTP(fmt.Sprintf("http://127.0.0.1:%d/", port), exited, &waitErr, 30*time.Second); err == nil {
			break
		} else if try == 2 {
			t.Fatalf("azurite-blob did not start: %v\n%s", err, out.String())
		}
		_ = syscall.Kill(-pid, syscall.SIGKILL)
	}
	a := &azurite{URL: fmt.Sprintf("http://127.0.0.1:%d/%s", port, azuriteAccount), Container: container, puts: map[string]int{}}
	c, err := a.client(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateContainer(context.Background(), container, nil); err != nil {
		t.Fatalf("cannot create container %q: %v", container, err)
	}
	return a
}

// waitHTTP waits until url answers anything, or the process exits, or timeout.
func waitHTTP(url string, exited <-chan struct{}, waitErr *error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("exited (%v)", *waitErr)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type syncWriter struct {
	mu sync.Mutex
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

// client returns a client of the account with its shared key (Azurite's OAuth needs HTTPS),
// counting the successful Put Blob requests; extra policies run once per call.
func (a *azurite) client(extra []policy.Policy) (*azblob.Client, error) {
	cred, err := azblob.NewSharedKeyCredential(azuriteAccount, azuriteKey)
	if err != nil {
		return nil, err
	}
	opts := &azblob.ClientOptions{}
	// The extra policies run before the SDK's retries, so an injected failure is not retried.
	opts.PerRetryPolicies = []policy.Policy{countPuts{a}}
	opts.PerCallPolicies = extra
	return azblob.NewClientWithSharedKeyCredential(a.URL, cred, opts)
}

// blobs returns the store under test on a, with its client made as NewBlobs would, but with
// the shared key.
func (a *azurite) blobs(t *testing.T, extra ...policy.Policy) *azure.Blobs {
	t.Helper()
	return &azure.Blobs{AccountURL: a.URL, Container: a.Container, NewClient: func(string) (*azblob.Client, error) { return a.client(extra) }}
}

// Puts returns how many Put Blob requests of name succeeded.
func (a *azurite) Puts(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.puts[name]
}

type countPuts struct{ a *azurite }

func (c countPuts) Do(req *policy.Request) (*http.Response, error) {
	resp, err := req.Next()
	raw := req.Raw()
	if err == nil && raw.Method == http.MethodPut && resp.StatusCode == http.StatusCreated {
		prefix := "/" + azuriteAccount + "/" + c.a.Container + "/"
		if name, ok := strings.CutPrefix(raw.URL.Path, prefix); ok {
			c.a.mu.Lock()
			c.a.puts[name]++
			c.a.mu.Unlock()
		}
	}
	return resp, err
}

var errInjected = errors.New("injected failure")

// failing is a policy that answers the requests match selects with errInjected while on.
type failing struct {
	mu    sync.Mutex
	on    bool
	match func(*http.Request) bool
}

func (f *failing) set(on bool) { f.mu.Lock(); f.on = on; f.mu.Unlock() }

func (f *failing) Do(req *policy.Request) (*http.Response, error) {
	f.mu.Lock()
	on := f.on
	f.mu.Unlock()
	if on && f.match(req.Raw()) {
		return nil, errInjected
	}
	return req.Next()
}

var _ azcore.TokenCredential = (*fakeCredential)(nil)
