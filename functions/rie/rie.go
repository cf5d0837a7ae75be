package rie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Package is the emulator's main package, required by functions/tools/go.mod.
const Package = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"

// InvokePath is the emulator's invocation endpoint (the Lambda Invoke API's path).
const InvokePath = "/2015-03-31/functions/function/invocations"

// BuildEmulator builds aws-lambda-rie for the host from the tools module in toolsDir and writes it
// to out.
func BuildEmulator(ctx context.Context, toolsDir, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, Package)
	cmd.Dir = toolsDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH, "GOFLAGS=")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("cannot build aws-lambda-rie in %s: %w\n%s", toolsDir, err, outb)
	}
	return nil
}

// Options say what to run.
type Options struct {
	// Emulator is the aws-lambda-rie binary. Required.
	Emulator string
	// Bootstrap is the function's executable, built for the host. Required.
	Bootstrap string
	// Env is the function's whole environment besides PATH (the emulator passes its own
	// environment on to the function, and nothing of the caller's leaks in).
	Env []string
	// Log receives the emulator's and the function's output as well; may be nil.
	Log io.Writer
	// StartTimeout bounds the wait for the emulator to listen; default 10 s.
	StartTimeout time.Duration
}

// Emulator is a running aws-lambda-rie with one function.
type Emulator struct {
	// URL is the emulator's invocation URL.
	URL string
	// Started is when the emulator process was started.
	Started time.Time

	cmd  *exec.Cmd
	logs *syncBuffer
	done chan struct{}
	err  error
}

// Start starts the emulator and returns when it accepts connections. The function itself starts
// on the first invocation, as in a Lambda cold start.
func Start(ctx context.Context, o Options) (*Emulator, error) {
	if o.Emulator == "" || o.Bootstrap == "" {
		return nil, errors.New("rie: Emulator and Bootstrap are required")
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 10 * time.Second
	}
	bootstrap, err := filepath.Abs(o.Bootstrap)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve bootstrap path: %w", err)
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	invokeAddr := "127.0.0.1:" + strconv.Itoa(ports[0])
	runtimeAddr := "127.0.0.1:" + strconv.Itoa(ports[1])

	logs := &syncBuffer{}
	var out io.Writer = logs
	if o.Log != nil {
		out = io.MultiWriter(logs, o.Log)
	}
	cmd := exec.Command(o.Emulator,
		"--runtime-interface-emulator-address", invokeAddr,
		"--runtime-api-address", runtimeAddr,
		bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, o.Env...)
	cmd.Stdout = out
	cmd.Stderr = out
	// Its own process group, so Stop also ends the function process the emulator spawned.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	e := &Emulator{URL: "http://" + invokeAddr + InvokePath, cmd: cmd, logs: logs, done: make(chan struct{})}
	e.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot start aws-lambda-rie: %w", err)
	}
	go func() {
		e.err = cmd.Wait()
		close(e.done)
	}()

	deadline := time.Now().Add(o.StartTimeout)
	for {
		c, err := net.DialTimeout("tcp", invokeAddr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return e, nil
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("aws-lambda-rie exited before listening: %v\n%s", e.err, logs.String())
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			e.Stop()
			return nil, fmt.Errorf("aws-lambda-rie did not listen on %s within %s\n%s", invokeAddr, o.StartTimeout, logs.String())
		}
	}
}

// Invoke sends payload to the function and returns the HTTP status and body of the emulator's
// answer: 200 with the function's result, or the function's error document.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("cannot invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("cannot read invoke answer: %w", err)
	}
	return resp.StatusCode, body, nil
}

// Logs returns everything the emulator and the function printed so far.
func (e *Emulator) Logs() string { return e.logs.String() }

// Stop kills the emulator and the function and waits for them.
func (e *Emulator) Stop() {
	if e.cmd.Process != nil {
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-e.done
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("cannot find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
