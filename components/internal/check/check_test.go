package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProblems(t *testing.T) {
	p := For("queue", "jobs")
	p.Between("MaxReceiveCount", 0, 1, 1000)
	p.Between("BatchSize", 5, 1, 10)
	p.OneOf("Pooler", "pgbouncer", "proxy", "none")
	p.OneOf("Size", "small", "small")
	want := "queue \"jobs\": MaxReceiveCount must be between 1 and 1000, got 0\n" +
		"queue \"jobs\": Pooler must be one of [proxy none], got \"pgbouncer\""
	if diff := cmp.Diff(want, p.Err().Error()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := For("bucket", "b").Err(); err != nil {
		t.Errorf("no problems must be a nil error, got %v", err)
	}
	n := 0
	Default(&n, 7)
	Default(&n, 9)
	if n != 7 {
		t.Errorf("Default: want 7, got %d", n)
	}
}
