package azure_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// fakeDeadLetters is a queue's dead-letter subqueue as a peek sees it (no Service Bus emulator
// runs here): its dead letters in sequence-number order, PeekMessages returning those from
// FromSequenceNumber on, at most page of them per call (Service Bus may return fewer than asked
// for), and never removing one. It records where each peek started.
type fakeDeadLetters struct {
	mu    sync.Mutex
	page  int // 0: as many as asked for
	dead  []*azservicebus.ReceivedMessage
	peeks []int64
	// peekErrs are returned by the next peeks, one each.
	peekErrs []error
	// block, when set, makes every peek wait for its context's end, after a send on blocked.
	block   bool
	blocked chan struct{}
	closed  bool
}

var _ azure.Peeker = (*fakeDeadLetters)(nil)

// add dead-letters body at sequence number seq (increasing).
func (f *fakeDeadLetters) add(seq int64, id string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reason := "MaxDeliveryCountExceeded"
	f.dead = append(f.dead, &azservicebus.ReceivedMessage{MessageID: id, Body: body, SequenceNumber: &seq, DeliveryCount: 5, DeadLetterReason: &reason})
}

func (f *fakeDeadLetters) PeekMessages(ctx context.Context, max int, opts *azservicebus.PeekMessagesOptions) ([]*azservicebus.ReceivedMessage, error) {
	f.mu.Lock()
	if opts == nil || opts.FromSequenceNumber == nil {
		f.mu.Unlock()
		return nil, errors.New("fake: the scanner must say where to peek from, not rely on the receiver's own position")
	}
	from := *opts.FromSequenceNumber
	f.peeks = append(f.peeks, from)
	if f.block {
		f.mu.Unlock()
		f.blocked <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	defer f.mu.Unlock()
	if len(f.peekErrs) > 0 {
		err := f.peekErrs[0]
		f.peekErrs = f.peekErrs[1:]
		return nil, err
	}
	if f.page > 0 {
		max = min(max, f.page)
	}
	var out []*azservicebus.ReceivedMessage
	for _, m := range f.dead {
		if *m.SequenceNumber >= from && len(out) < max {
			c := *m
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeDeadLetters) Close(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *fakeDeadLetters) state() (peeks []int64, dead int, closed bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.peeks), len(f.dead), f.closed
}

// flakyMeta is the PostgreSQL store whose MarkFailed fails for the ids in failFor (once each)
// and counts the calls by id.
type flakyMeta struct {
	images.MetadataStore
	mu      sync.Mutex
	failFor map[string]int
	calls   map[string]int
}

func (m *flakyMeta) MarkFailed(ctx context.Context, id, reason string) (bool, error) {
	m.mu.Lock()
	if m.calls == nil {
		m.calls = map[string]int{}
	}
	m.calls[id]++
	fail := m.failFor[id] > 0
	if fail {
		m.failFor[id]--
	}
	m.mu.Unlock()
	if fail {
		return false, errors.New("fake: connection refused")
	}
	return m.MetadataStore.MarkFailed(ctx, id, reason)
}

func (m *flakyMeta) callsFor(id string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[id]
}

// deadLetterStore is the record store of the scanner tests: the real PostgreSQL, migrated.
func deadLetterStore(t *testing.T) *postgres.Store {
	t.Helper()
	pg := testenv.StartPostgres(t)
	url := pg.URL("postgres")
	pool := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return pgxpool.ParseConfig(url) })
	t.Cleanup(pool.Close)
	if _, err := postgres.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return postgres.NewStore(pool)
}

// recorded creates a record in status, as the API and a worker would have left it, and returns
// its id.
func recorded(t *testing.T, meta images.MetadataStore, status images.Status) string {
	t.Helper()
	ctx := context.Background()
	id := images.NewID()
	if err := meta.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/png", SizeBytes: 10}); err != nil {
		t.Fatal(err)
	}
	var ok bool
	var err error
	switch status {
	case images.StatusPending:
		return id
	case images.StatusDone:
		ok, err = meta.MarkDone(ctx, id, images.ThumbnailKey(id))
	case images.StatusFailed:
		ok, err = meta.MarkFailed(ctx, id, "the image could not be decoded as JPEG, PNG or GIF (or is over the size limit)")
	}
	if err != nil || !ok {
		t.Fatalf("cannot make the record %s: %v, %v", status, ok, err)
	}
	return id
}

func jobBody(t *testing.T, id string) []byte {
	t.Helper()
	msg, err := azure.JobMessage(images.Job{ID: id, Key: images.OriginalKey(id)})
	if err != nil {
		t.Fatal(err)
	}
	return msg.Body
}

func newScanner(t *testing.T, meta images.MetadataStore, dl azure.Peeker, every time.Duration) *azure.DeadLetterScanner {
	t.Helper()
	w, err := images.NewWorker(images.WorkerConfig{Blobs: &imagestest.Blobs{}, Meta: meta, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := azure.NewDeadLetterScanner(azure.DeadLetterConfig{Peeker: dl, Worker: w, Every: every, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statuses(t *testing.T, meta images.MetadataStore, ids map[string]string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, id := range ids {
		img, err := meta.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = string(img.Status)
		if img.Status == images.StatusFailed {
			out[name] += ": " + img.Error
		}
	}
	return out
}

const (
	deadLetteredReason = "failed: the image could not be processed: every delivery of its job failed"
	lastAttemptReason  = "failed: the image could not be decoded as JPEG, PNG or GIF (or is over the size limit)"
)

// TestDeadLetterScanInOrder: passes peek the dead-letter subqueue in sequence-number order, each
// from the sequence number after the last dead letter handled (over several peeks per pass when
// Service Bus gives fewer than asked for), never going back: a pending image is marked failed, a
// done one stays done, one a last attempt marked failed keeps its reason, a dead letter that is
// no job is passed over; nothing is removed.
func TestDeadLetterScanInOrder(t *testing.T) {
	meta := deadLetterStore(t)
	ids := map[string]string{
		"pending": recorded(t, meta, images.StatusPending), "done": recorded(t, meta, images.StatusDone),
		"failed by its last attempt": recorded(t, meta, images.StatusFailed), "pending later": recorded(t, meta, images.StatusPending),
		"never dead-lettered": recorded(t, meta, images.StatusPending),
	}
	dl := &fakeDeadLetters{page: 2}
	dl.add(1, "m1", jobBody(t, ids["pending"]))
	dl.add(2, "m2", []byte("not a job"))
	dl.add(3, "m3", jobBody(t, ids["done"]))
	dl.add(4, "m4", jobBody(t, ids["failed by its last attempt"]))
	s := newScanner(t, meta, dl, 0)
	ctx := context.Background()

	type pass struct {
		Result azure.ScanResult
		Peeks  []int64
	}
	var got []pass
	scan := func() {
		before, _, _ := dl.state()
		res, err := s.Scan(ctx)
		if err != nil {
			t.Fatalf("pass %d: %v", len(got)+1, err)
		}
		after, _, _ := dl.state()
		got = append(got, pass{res, after[len(before):]})
	}
	scan()
	// Dead-lettered after the first pass, with a gap in the numbers: the first job again (a
	// duplicate publish) and a new one.
	dl.add(6, "m6", jobBody(t, ids["pending"]))
	dl.add(9, "m9", jobBody(t, ids["pending later"]))
	scan()
	scan()
	want := []pass{
		{Result: azure.ScanResult{Peeked: 4, Marked: 1, Finished: 2, NotJobs: 1}, Peeks: []int64{0, 3, 5}},
		{Result: azure.ScanResult{Peeked: 2, Marked: 1, Finished: 1}, Peeks: []int64{5, 10}},
		{Result: azure.ScanResult{}, Peeks: []int64{10}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("passes: -want +got:\n%s", diff)
	}
	wantStatus := map[string]string{
		"pending": deadLetteredReason, "done": "done", "failed by its last attempt": lastAttemptReason,
		"pending later": deadLetteredReason, "never dead-lettered": "pending",
	}
	if diff := cmp.Diff(wantStatus, statuses(t, meta, ids)); diff != "" {
		t.Errorf("records: -want +got:\n%s", diff)
	}
	if _, n, _ := dl.state(); n != 6 {
		t.Errorf("%d dead letters left, want all 6: the scanner only peeks", n)
	}
}

// TestDeadLetterScanRetries: a database error ends the pass at the dead letter it could not
// mark, and a failed peek changes nothing, so the next passes start there again; the dead
// letters before it are not looked at again.
func TestDeadLetterScanRetries(t *testing.T) {
	pg := deadLetterStore(t)
	a, b, c := recorded(t, pg, images.StatusPending), recorded(t, pg, images.StatusPending), recorded(t, pg, images.StatusPending)
	meta := &flakyMeta{MetadataStore: pg, failFor: map[string]int{b: 1}}
	dl := &fakeDeadLetters{}
	dl.add(1, "ma", jobBody(t, a))
	dl.add(2, "mb", jobBody(t, b))
	dl.add(3, "mc", jobBody(t, c))
	s := newScanner(t, meta, dl, 0)
	ctx := context.Background()

	res, err := s.Scan(ctx)
	if err == nil || !strings.Contains(err.Error(), "sequence number 2") {
		t.Errorf("pass 1: %v, want the database error of the dead letter at sequence number 2", err)
	}
	if diff := cmp.Diff(azure.ScanResult{Peeked: 2, Marked: 1}, res); diff != "" {
		t.Errorf("pass 1: -want +got:\n%s", diff)
	}
	wantFirst := map[string]string{"a": deadLetteredReason, "b": "pending", "c": "pending"}
	if diff := cmp.Diff(wantFirst, statuses(t, pg, map[string]string{"a": a, "b": b, "c": c})); diff != "" {
		t.Errorf("after pass 1: -want +got:\n%s", diff)
	}

	dl.mu.Lock()
	dl.peekErrs = []error{errors.New("fake: link detached")}
	dl.mu.Unlock()
	if _, err := s.Scan(ctx); err == nil || !strings.Contains(err.Error(), "cannot peek the dead letters from sequence number 2") {
		t.Errorf("pass 2: %v, want the peek's error", err)
	}
	res, err = s.Scan(ctx)
	if err != nil {
		t.Fatalf("pass 3: %v", err)
	}
	if diff := cmp.Diff(azure.ScanResult{Peeked: 2, Marked: 2}, res); diff != "" {
		t.Errorf("pass 3: -want +got:\n%s", diff)
	}
	peeks, _, _ := dl.state()
	if diff := cmp.Diff([]int64{0, 2, 2, 4}, peeks); diff != "" {
		t.Errorf("peeks from: -want +got:\n%s", diff)
	}
	for name, tc := range map[string]struct {
		id   string
		want int
	}{"a": {a, 1}, "b": {b, 2}, "c": {c, 1}} {
		if got := meta.callsFor(tc.id); got != tc.want {
			t.Errorf("image %s: %d markings, want %d", name, got, tc.want)
		}
	}
	wantLast := map[string]string{"a": deadLetteredReason, "b": deadLetteredReason, "c": deadLetteredReason}
	if diff := cmp.Diff(wantLast, statuses(t, pg, map[string]string{"a": a, "b": b, "c": c})); diff != "" {
		t.Errorf("after pass 3: -want +got:\n%s", diff)
	}
}

// TestDeadLetterScanNotJobs: a dead letter whose body is no job (what the receive loop
// dead-letters after abandoning it on every delivery) is passed over without touching the
// database, never fatal, and the jobs after it are handled.
func TestDeadLetterScanNotJobs(t *testing.T) {
	pg := deadLetterStore(t)
	id := recorded(t, pg, images.StatusPending)
	meta := &flakyMeta{MetadataStore: pg}
	dl := &fakeDeadLetters{}
	for i, body := range []string{
		"not a job", "", `{"id":"` + id + `"}`, `{"id":"not-a-uuid","key":"originals/not-a-uuid"}`,
		`{"id":"` + id + `","key":"thumbnails/` + id + `.jpg"}`, `{"id":"` + id + `","key":"originals/` + id + `"} trailing`,
	} {
		dl.add(int64(i+1), "bad", []byte(body))
	}
	dl.add(7, "good", jobBody(t, id))
	res, err := newScanner(t, meta, dl, 0).Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(azure.ScanResult{Peeked: 7, Marked: 1, NotJobs: 6}, res); diff != "" {
		t.Errorf("pass: -want +got:\n%s", diff)
	}
	if n := meta.callsFor(id); n != 1 {
		t.Errorf("%d markings of the image, want 1 (the one real job)", n)
	}
	if diff := cmp.Diff(map[string]string{"image": deadLetteredReason}, statuses(t, pg, map[string]string{"image": id})); diff != "" {
		t.Errorf("record: -want +got:\n%s", diff)
	}
}

// TestDeadLetterScannerRun: Run scans at once, goes on after a failed pass at the next turn, and
// when its context ends (even in the middle of a peek) returns nil and closes the receiver.
func TestDeadLetterScannerRun(t *testing.T) {
	meta := deadLetterStore(t)
	id := recorded(t, meta, images.StatusPending)
	dl := &fakeDeadLetters{blocked: make(chan struct{}, 1), peekErrs: []error{errors.New("fake: namespace unreachable")}}
	dl.add(1, "m1", jobBody(t, id))
	s := newScanner(t, meta, dl, azure.MinScanEvery)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitUntil(t, func() bool {
		img, err := meta.Get(context.Background(), id)
		return err == nil && img.Status == images.StatusFailed
	}, "the second pass to mark the image failed")
	// The next peek blocks; the end of the context must end it.
	dl.mu.Lock()
	dl.block = true
	dl.mu.Unlock()
	select {
	case <-dl.blocked:
	case <-time.After(20 * time.Second):
		t.Fatal("no pass peeked again")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	peeks, _, closed := dl.state()
	if !closed {
		t.Error("the dead-letter receiver was not closed")
	}
	if len(peeks) < 3 || !slices.Equal(peeks[:2], []int64{0, 0}) {
		t.Errorf("peeks from %v, want 0 (failed), 0 again, then 2", peeks)
	}
}

// TestNewDeadLetterScannerRefused: the scanner's configuration is checked, every problem named.
func TestNewDeadLetterScannerRefused(t *testing.T) {
	t.Parallel()
	_, err := azure.NewDeadLetterScanner(azure.DeadLetterConfig{Every: time.Millisecond})
	for _, want := range []string{"Peeker is required", "Worker is required", "Every must be 0 (30s) or at least 1s, got 1ms"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewDeadLetterScanner: %v, want it to say %q", err, want)
		}
	}
}
