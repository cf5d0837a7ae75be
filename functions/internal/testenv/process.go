package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SkipServersEnv, when "1", turns a missing server binary from a failure into a skip.
const SkipServersEnv = "NIMBUS_SKIP_SERVERS"

// missing fails (or, with NIMBUS_SKIP_SERVERS=1, skips) a test that needs a server
// binary that cannot be found.
func missing(t testing.TB, what, hint string) {
	t.Helper()
	if os.Getenv(SkipServersEnv) == "1" {
		t.Skipf("%s not found (%s); skipped because %s=1", what, hint, SkipServersEnv)
	}
	t.Fatalf("%s not found (%s); run scripts/install-test-deps.sh, or set %s=1 to skip the tests that need it", what, hint, SkipServersEnv)
}

// findBinary returns the first candidate that exists: an absolute path, or a name
// looked up in PATH.
func findBinary(candidates ...string) (string, bool) {
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if filepath.IsAbs(c) {
			if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
				return c, true
			}
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p, true
		}
	}
	return "", false
}

// serverUser returns the credential that servers run with: nil (the current user)
// unless the tests run as root, which PostgreSQL and PgBouncer refuse.
func serverUser(t testing.TB) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}
	}
	t.Fatal("running as root and neither a postgres nor a nobody user exists to run the servers as")
	return nil
}

// serverDir returns a new directory under t.TempDir() that cred's user owns and can
// reach (t.TempDir's parents are private to the test's user).
func serverDir(t testing.TB, cred *syscall.Credential) string {
	t.Helper()
	dir := t.TempDir()
	if cred == nil {
		return dir
	}
	if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Clean(os.TempDir())
	for p := filepath.Dir(dir); p != filepath.Dir(p); p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p, tmp+string(filepath.Separator)) {
			// The test's own temporary directories: open them for traversal.
			if err := os.Chmod(p, fi.Mode().Perm()|0o011); err != nil {
				t.Fatal(err)
			}
		} else if fi.Mode().Perm()&0o001 == 0 {
			t.Fatalf("the servers run as uid %d, which cannot enter %s (mode %v); point TMPDIR at a directory every user can reach, such as /tmp", cred.Uid, p, fi.Mode().Perm())
		}
	}
	return dir
}

// writeFile writes a file that cred's user owns.
func writeFile(t testing.TB, cred *syscall.Credential, path, content string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
}

// process is a server started by a test.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// run runs a command to completion as cred and returns its combined output.
func run(cred *syscall.Credential, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// start starts a server as cred, its output appended to logPath. The server is killed
// if the test process dies (Pdeathsig).
func start(cred *syscall.Credential, name, logPath, bin string, args ...string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("cannot start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig, waits up to grace, then kills the process.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// logTail returns the end of the server's log, for failure messages.
func (p *process) logTail() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitFor polls ready every 50ms until it returns nil, the process exits, or timeout.
func (p *process) waitFor(timeout time.Duration, ready func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ready()
		if err == nil {
			return nil
		}
		if p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready", p.name, p.err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %w", p.name, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var errAddrInUse = errors.New("address in use")
