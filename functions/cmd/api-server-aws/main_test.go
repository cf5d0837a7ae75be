package main_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/artifact"
)

// build compiles the command for the host with the artifacts' flags.
func build(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outs, err := artifact.BuildBinaries(ctx, artifact.BinaryOptions{Dir: filepath.Join("..", ".."), GOARCH: runtime.GOARCH}, t.TempDir(), "./cmd/api-server-aws")
	if err != nil {
		t.Fatal(err)
	}
	return outs[0]
}

// environ is a complete environment (no server needs to be reachable: nothing is dialled
// before the first request that needs it) with port, less the variables in unset.
func environ(port int, set map[string]string, unset ...string) []string {
	env := map[string]string{
		"IMAGES_BUCKET": "images", "JOBS_QUEUE_URL": "http://127.0.0.1:1/q", "DB_URL": "postgres://u:p@127.0.0.1:1/db?sslmode=disable",
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s", "PORT": strconv.Itoa(port),
	}
	for k, v := range set {
		env[k] = v
	}
	for _, k := range unset {
		delete(env, k)
	}
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type exit struct {
	Code   int
	Stderr []string // parts the standard error must contain
}

// TestConfigErrors: a bad environment exits 2 and names the variable.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	bin := build(t)
	cases := map[string]struct {
		env  []string
		want exit
	}{
		"MissingBucket": {env: environ(8080, nil, "IMAGES_BUCKET"), want: exit{2, []string{"api-server-aws:", "IMAGES_BUCKET is required by the api function"}}},
		"PortZero":      {env: environ(0, nil), want: exit{2, []string{"api-server-aws:", `PORT must be a port number between 1 and 65535, got "0"`}}},
		"PortNotNumber": {env: environ(8080, map[string]string{"PORT": "abc"}), want: exit{2, []string{`PORT must be a port number between 1 and 65535, got "abc"`}}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(bin)
			cmd.Env = tc.env
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("run: %v, want an exit status", err)
			}
			got := exit{Code: ee.ExitCode()}
			for _, part := range tc.want.Stderr {
				if strings.Contains(stderr.String(), part) {
					got.Stderr = append(got.Stderr, part)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("exit (code, stderr parts found) -want +got:\n%s\nstderr: %s", diff, stderr.String())
			}
		})
	}
}

// TestServesAndStopsOnSIGTERM: with a complete environment the binary answers GET /healthz on
// $PORT, and exits 0 on SIGTERM.
func TestServesAndStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	bin := build(t)
	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = environ(port, nil)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/healthz"
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /healthz: %d, want 200", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not answer on $PORT: %v\nstderr: %s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0\nstderr: %s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not exit after SIGTERM")
	}
}

// TestLinksNoOtherCloud: the Fargate image links no Azure or Google library.
func TestLinksNoOtherCloud(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	var got []string
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range []string{"github.com/Azure/", "cloud.google.com/", "google.golang.org/api"} {
			if strings.HasPrefix(dep, f) {
				got = append(got, dep)
			}
		}
	}
	if diff := cmp.Diff([]string(nil), got); diff != "" {
		t.Errorf("api-server-aws links another cloud's library: -want +got:\n%s", diff)
	}
}
