package rie

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/nimbus-iac/nimbus/functions/artifact"
)

// SkipEnv, set to 1, skips the tests that need aws-lambda-rie when it cannot be built here.
const SkipEnv = "NIMBUS_SKIP_RIE"

var (
	workDir  string
	rieOnce  sync.Once
	riePath  string
	rieErr   error
	binMu    sync.Mutex
	binPaths = map[string]string{}
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "nimbus-rie-test-")
	if err != nil {
		panic(err)
	}
	workDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

// emulator returns the aws-lambda-rie binary, built once per test run from ../tools.
func emulator(t *testing.T) string {
	t.Helper()
	rieOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		riePath = filepath.Join(workDir, "aws-lambda-rie")
		rieErr = BuildEmulator(ctx, filepath.Join("..", "tools"), riePath)
	})
	if rieErr != nil {
		if os.Getenv(SkipEnv) == "1" {
			t.Skipf("skipped because %s=1 and aws-lambda-rie cannot be built: %v", SkipEnv, rieErr)
		}
		t.Fatalf("aws-lambda-rie cannot be built (set %s=1 to skip the tests that need it): %v", SkipEnv, rieErr)
	}
	return riePath
}

// bootstrap builds the main package pkg (relative to the functions module) for the host, once
// per test run, with the flags of the deployed artifacts.
func bootstrap(t *testing.T, pkg string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if p, ok := binPaths[pkg]; ok {
		return p
	}
	dir, err := os.MkdirTemp(workDir, "bin-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	outs, err := artifact.BuildBinaries(ctx, artifact.BinaryOptions{Dir: "..", GOARCH: runtime.GOARCH}, dir, pkg)
	if err != nil {
		t.Fatalf("cannot build %s for the host: %v", pkg, err)
	}
	binPaths[pkg] = outs[0]
	return outs[0]
}

// start runs pkg under the emulator until the test ends, and logs the emulator's output when the
// test fails.
func start(t *testing.T, pkg string, env ...string) *Emulator {
	t.Helper()
	rie := emulator(t)
	bin := bootstrap(t, pkg)
	e, err := Start(context.Background(), Options{Emulator: rie, Bootstrap: bin, Env: env})
	if err != nil {
		t.Fatalf("cannot start %s under aws-lambda-rie: %v", pkg, err)
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("aws-lambda-rie output for %s:\n%s", pkg, e.Logs())
		}
	})
	return e
}

func invoke(t *testing.T, e *Emulator, payload []byte) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	status, body, err := e.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return status, body
}
