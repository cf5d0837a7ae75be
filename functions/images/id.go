package images

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
)

// ErrMalformedID is wrapped by ParseID's errors.
var ErrMalformedID = errors.New("malformed image id")

// NewID returns a random (version 4) UUID in canonical lowercase form.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ParseID checks that s is a UUID in the 8-4-4-4-12 hex form and returns it in lowercase.
func ParseID(s string) (string, error) {
	if len(s) != 36 {
		return "", fmt.Errorf("%w %q: want a UUID like 123e4567-e89b-42d3-a456-426614174000", ErrMalformedID, truncate(s, 64))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "", fmt.Errorf("%w %q: want a UUID like 123e4567-e89b-42d3-a456-426614174000", ErrMalformedID, s)
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return "", fmt.Errorf("%w %q: want a UUID like 123e4567-e89b-42d3-a456-426614174000", ErrMalformedID, s)
			}
		}
	}
	return strings.ToLower(s), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
