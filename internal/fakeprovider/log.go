package fakeprovider

import (
	"fmt"
	"os"
	"sync"
	"syscall"
)

// LogEnv names the file every operation is appended to.
const LogEnv = "NIMBUS_FAKEPROVIDER_LOG"

// opLog appends "OP SUBJECT" lines to a file shared by the plugin processes of one deployment.
type opLog struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

// write appends one line, under an exclusive lock on the file, and syncs it, so that lines of
// concurrent calls and of other processes never interleave and their order is the order the
// operations happened in. A log that cannot be written fails the operation: a test reading it
// must not see a partial history.
func (l *opLog) write(op, subject string) error {
	if l == nil || l.path == "" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f, err := os.OpenFile(l.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("cannot open %s %s: %w", LogEnv, l.path, err)
		}
		l.f = f
	}
	fd := int(l.f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
		return fmt.Errorf("cannot lock %s: %w", l.path, err)
	}
	defer syscall.Flock(fd, syscall.LOCK_UN) //nolint:errcheck // closing the file unlocks too
	if _, err := l.f.WriteString(op + " " + subject + "\n"); err != nil {
		return fmt.Errorf("cannot append to %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("cannot sync %s: %w", l.path, err)
	}
	return nil
}
