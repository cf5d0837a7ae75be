package azure_test

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// pipeline is the worker's side on real servers: PostgreSQL (the record store, with every
// status change logged by a trigger), Azurite (the blobs) and a fake Service Bus queue.
type pipeline struct {
	az    *azurite
	blobs *holdingBlobs
	meta  *postgres.Store
	db    *pgx.Conn
	q     *fakeQueue
}

func newPipeline(t *testing.T, maxDelivery int, lock time.Duration) *pipeline {
	t.Helper()
	az := startAzurite(t, "images")
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	url := pg.URL("postgres")
	pool := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) { return pgxpool.ParseConfig(url) })
	t.Cleanup(pool.Close)
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	db, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	if _, err := db.Exec(ctx, `
		CREATE TABLE image_updates (id uuid, old_status text, new_status text);
		CREATE FUNCTION log_image_update() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO image_updates VALUES (OLD.id, OLD.status, NEW.status); RETURN NEW; END $$;
		CREATE TRIGGER log_image_update AFTER UPDATE ON images FOR EACH ROW EXECUTE FUNCTION log_image_update();`); err != nil {
		t.Fatal(err)
	}
	return &pipeline{az: az, blobs: &holdingBlobs{BlobStore: az.blobs(t)}, meta: postgres.NewStore(pool), db: db, q: newFakeQueue(maxDelivery, lock)}
}

// uploaded stores original and records it pending, as the API does, and returns its id.
func (p *pipeline) uploaded(t *testing.T, original []byte) string {
	t.Helper()
	ctx := context.Background()
	id := images.NewID()
	if err := p.blobs.BlobStore.Put(ctx, images.OriginalKey(id), original, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := p.meta.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/png", SizeBytes: int64(len(original))}); err != nil {
		t.Fatal(err)
	}
	return id
}

// publish puts image id's job on the queue, as the API's publisher would.
func (p *pipeline) publish(t *testing.T, id string) string {
	t.Helper()
	msg, err := azure.JobMessage(images.Job{ID: id, Key: images.OriginalKey(id)})
	if err != nil {
		t.Fatal(err)
	}
	return p.q.send(msg.Body)
}

func (p *pipeline) status(t *testing.T, id string) images.Status {
	t.Helper()
	img, err := p.meta.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return img.Status
}

func (p *pipeline) updates(t *testing.T, id string) []string {
	t.Helper()
	rows, _ := p.db.Query(context.Background(), `SELECT old_status || '>' || new_status FROM image_updates WHERE id = $1::uuid`, id)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// running is a loop started by start.
type running struct {
	r      *fakeReceiver
	cancel context.CancelFunc
	done   chan error
}

// start runs a receive loop on a new receiver of the queue, with cfg's other fields.
func (p *pipeline) start(t *testing.T, cfg azure.LoopConfig) *running {
	t.Helper()
	w, err := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	r := p.q.receiver()
	cfg.Receiver, cfg.Worker, cfg.MaxDeliveryCount = r, w, int(p.q.maxDelivery)
	l, err := azure.NewLoop(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &running{r: r, cancel: cancel, done: make(chan error, 1)}
	go func() { run.done <- l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-run.done })
	return run
}

// stop stops the loop as SIGTERM does and waits for Run to return.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatal("the loop did not return after it was stopped")
	}
}

func waitUntil(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holdingBlobs can hold the reads of originals, to stop a job in the middle.
type holdingBlobs struct {
	images.BlobStore
	mu      sync.Mutex
	hold    chan struct{} // nil: reads pass
	waiting int
}

func (h *holdingBlobs) Get(ctx context.Context, key string) ([]byte, error) {
	h.mu.Lock()
	hold := h.hold
	if hold != nil && strings.HasPrefix(key, "originals/") {
		h.waiting++
	}
	h.mu.Unlock()
	if hold != nil && strings.HasPrefix(key, "originals/") {
		defer func() { h.mu.Lock(); h.waiting--; h.mu.Unlock() }()
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.BlobStore.Get(ctx, key)
}

// holdReads holds every read of an original until the returned release is called.
func (h *holdingBlobs) holdReads() (waiting func() int, release func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := make(chan struct{})
	h.hold = c
	var once sync.Once
	return func() int { h.mu.Lock(); defer h.mu.Unlock(); return h.waiting }, func() {
		once.Do(func() {
			h.mu.Lock()
			h.hold = nil
			h.mu.Unlock()
			close(c)
		})
	}
}

// TestLoopPipeline: a job is processed, its thumbnail stored once, its record marked done, and
// its message completed after that, never before.
func TestLoopPipeline(t *testing.T) {
	p := newPipeline(t, 5, 30*time.Second)
	id := p.uploaded(t, imagestest.PNG(320, 240))
	var completedBefore []images.Status
	var mu sync.Mutex
	p.q.onComplete = func(body []byte) {
		job, _ := images.ParseJob(body)
		img, _ := p.meta.Get(context.Background(), job.ID)
		mu.Lock()
		completedBefore = append(completedBefore, img.Status)
		mu.Unlock()
	}
	mid := p.publish(t, id)
	p.start(t, azure.LoopConfig{})
	waitUntil(t, p.q.idle, "the queue to empty")
	_, completed, dead, abandons, _ := p.q.State()
	if diff := cmp.Diff([]string{mid}, completed); diff != "" {
		t.Errorf("completed messages: -want +got:\n%s", diff)
	}
	if len(dead) != 0 || abandons != 0 {
		t.Errorf("dead letters %v and %d abandons, want none", dead, abandons)
	}
	mu.Lock()
	if diff := cmp.Diff([]images.Status{images.StatusDone}, completedBefore); diff != "" {
		t.Errorf("record status when its message was completed: -want +got:\n%s", diff)
	}
	mu.Unlock()
	if diff := cmp.Diff([]string{"pending>done"}, p.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
	if n := p.az.Puts(images.ThumbnailKey(id)); n != 1 {
		t.Errorf("%d thumbnail writes, want 1", n)
	}
	thumb, err := p.blobs.Get(context.Background(), images.ThumbnailKey(id))
	if err != nil || len(thumb) == 0 {
		t.Errorf("thumbnail: %d bytes, %v", len(thumb), err)
	}
}

// TestLoopPoisonDeadLettered: a job that always fails (its original is no image) is abandoned
// on each delivery, marks its image failed on the last (DeliveryCount = maxDeliveryCount), and
// Service Bus then dead-letters it; a message that is no job is abandoned on each delivery and
// dead-lettered too, intact.
func TestLoopPoisonDeadLettered(t *testing.T) {
	const attempts = 3
	p := newPipeline(t, attempts, 30*time.Second)
	id := p.uploaded(t, imagestest.CorruptPNG())
	poison := p.publish(t, id)
	garbage := p.q.send([]byte("not a job"))
	p.start(t, azure.LoopConfig{})
	waitUntil(t, p.q.idle, "the queue to empty")
	_, completed, dead, abandons, _ := p.q.State()
	if len(completed) != 0 {
		t.Errorf("completed %v, want nothing completed", completed)
	}
	if diff := cmp.Diff(sorted([]string{garbage, poison}), sorted(dead)); diff != "" {
		t.Errorf("dead letters: -want +got:\n%s", diff)
	}
	if abandons != 2*attempts {
		t.Errorf("%d abandons, want %d (each delivery of both)", abandons, 2*attempts)
	}
	if got := p.status(t, id); got != images.StatusFailed {
		t.Errorf("status %s, want failed", got)
	}
	if diff := cmp.Diff([]string{"pending>failed"}, p.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
}

// TestLoopDuplicates: two deliveries of one job, processed at once, give one thumbnail write
// (the blob's conditional create) and one transition; both messages are completed.
func TestLoopDuplicates(t *testing.T) {
	p := newPipeline(t, 5, 30*time.Second)
	id := p.uploaded(t, imagestest.PNG(320, 240))
	// Both held in the middle of the job, so they race.
	waiting, release := p.blobs.holdReads()
	defer release()
	a, b := p.publish(t, id), p.publish(t, id)
	p.start(t, azure.LoopConfig{Concurrency: 2})
	waitUntil(t, func() bool { return waiting() == 2 }, "both deliveries to read the original")
	release()
	waitUntil(t, p.q.idle, "the queue to empty")
	_, completed, dead, _, _ := p.q.State()
	if diff := cmp.Diff(sorted([]string{a, b}), sorted(completed)); diff != "" {
		t.Errorf("completed: -want +got:\n%s", diff)
	}
	if len(dead) != 0 {
		t.Errorf("dead letters %v, want none", dead)
	}
	if n := p.az.Puts(images.ThumbnailKey(id)); n != 1 {
		t.Errorf("%d thumbnail writes, want 1", n)
	}
	if diff := cmp.Diff([]string{"pending>done"}, p.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
}

// TestLoopLockRenewal: a job that runs longer than the message's lock keeps the lock (renewed
// before it runs out), so the message is not redelivered and is completed once.
func TestLoopLockRenewal(t *testing.T) {
	const lock = 300 * time.Millisecond
	p := newPipeline(t, 5, lock)
	id := p.uploaded(t, imagestest.PNG(64, 64))
	waiting, release := p.blobs.holdReads()
	defer release()
	mid := p.publish(t, id)
	p.start(t, azure.LoopConfig{Concurrency: 2})
	waitUntil(t, func() bool { return waiting() == 1 }, "the job to read the original")
	time.Sleep(4 * lock)
	if w := waiting(); w != 1 {
		t.Errorf("%d deliveries held, want 1: the lock ran out and the message was redelivered", w)
	}
	release()
	waitUntil(t, p.q.idle, "the queue to empty")
	_, completed, _, abandons, renewals := p.q.State()
	if diff := cmp.Diff([]string{mid}, completed); diff != "" {
		t.Errorf("completed: -want +got:\n%s", diff)
	}
	if renewals < 3 || abandons != 0 {
		t.Errorf("%d renewals and %d abandons, want at least 3 renewals over 4 lock durations and no abandon", renewals, abandons)
	}
	if diff := cmp.Diff([]string{"pending>done"}, p.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
}

// TestLoopStop: SIGTERM (the loop's context ending) while jobs are held. Within the grace a
// held job finishes and its message is completed; past it, the job is cancelled and its message
// abandoned, with its record still pending, and a new loop finishes it. No message is ever
// completed before its record is done.
func TestLoopStop(t *testing.T) {
	for name, tc := range map[string]struct {
		reason        string
		releaseInTime bool
		wantAbandons  int
		wantAfterStop images.Status
	}{
		"finished in the grace": {reason: "the job is let finish", releaseInTime: true, wantAbandons: 0, wantAfterStop: images.StatusDone},
		"cut at the grace":      {reason: "the job is cancelled and its message abandoned", releaseInTime: false, wantAbandons: 1, wantAfterStop: images.StatusPending},
	} {
		t.Run(name, func(t *testing.T) {
			p := newPipeline(t, 5, 30*time.Second)
			id := p.uploaded(t, imagestest.PNG(320, 240))
			var early []string
			var mu sync.Mutex
			p.q.onComplete = func(body []byte) {
				job, _ := images.ParseJob(body)
				if img, _ := p.meta.Get(context.Background(), job.ID); img.Status != images.StatusDone {
					mu.Lock()
					early = append(early, job.ID)
					mu.Unlock()
				}
			}
			waiting, release := p.blobs.holdReads()
			defer release()
			mid := p.publish(t, id)
			run := p.start(t, azure.LoopConfig{Grace: 2 * time.Second})
			waitUntil(t, func() bool { return waiting() == 1 }, "the job to read the original")
			if tc.releaseInTime {
				time.AfterFunc(300*time.Millisecond, release)
			}
			run.stop(t)
			_, completed, dead, abandons, _ := p.q.State()
			if abandons != tc.wantAbandons || len(dead) != 0 {
				t.Errorf("%s: %d abandons and dead letters %v, want %d and none", tc.reason, abandons, dead, tc.wantAbandons)
			}
			if got := p.status(t, id); got != tc.wantAfterStop {
				t.Errorf("%s: status %s after the stop, want %s", tc.reason, got, tc.wantAfterStop)
			}
			if tc.releaseInTime {
				if diff := cmp.Diff([]string{mid}, completed); diff != "" {
					t.Errorf("%s: completed: -want +got:\n%s", tc.reason, diff)
				}
			} else {
				if len(completed) != 0 {
					t.Errorf("%s: completed %v, want the message back on the queue", tc.reason, completed)
				}
				release()
				p.start(t, azure.LoopConfig{})
				waitUntil(t, p.q.idle, "the next loop to finish the job")
			}
			if diff := cmp.Diff([]string{"pending>done"}, p.updates(t, id)); diff != "" {
				t.Errorf("%s: transitions: -want +got:\n%s", tc.reason, diff)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(early) != 0 {
				t.Errorf("%s: messages completed before their record was done: %v", tc.reason, early)
			}
		})
	}
}

// TestLoopKilledWorker: a worker that dies in the middle of a job (its link gone, no settle
// reaches Service Bus) loses nothing: the message's lock runs out, it is redelivered with a
// higher DeliveryCount, and another worker finishes the job once.
func TestLoopKilledWorker(t *testing.T) {
	const lock = 500 * time.Millisecond
	p := newPipeline(t, 5, lock)
	id := p.uploaded(t, imagestest.PNG(320, 240))
	waiting, release := p.blobs.holdReads()
	defer release()
	mid := p.publish(t, id)
	first := p.start(t, azure.LoopConfig{})
	waitUntil(t, func() bool { return waiting() == 1 }, "the job to read the original")
	first.r.kill()
	first.cancel() // the process is gone: its job never finishes
	release()
	p.start(t, azure.LoopConfig{})
	waitUntil(t, p.q.idle, "the second worker to finish the job")
	_, completed, dead, _, _ := p.q.State()
	if diff := cmp.Diff([]string{mid}, completed); diff != "" {
		t.Errorf("completed: -want +got:\n%s", diff)
	}
	if len(dead) != 0 {
		t.Errorf("dead letters %v, want none", dead)
	}
	if got := p.status(t, id); got != images.StatusDone {
		t.Errorf("status %s, want done", got)
	}
	if diff := cmp.Diff([]string{"pending>done"}, p.updates(t, id)); diff != "" {
		t.Errorf("transitions: -want +got:\n%s", diff)
	}
}

// TestNewLoopRefused: the loop's configuration is checked, every problem named.
func TestNewLoopRefused(t *testing.T) {
	t.Parallel()
	_, err := azure.NewLoop(azure.LoopConfig{Concurrency: -1})
	for _, want := range []string{"Receiver is required", "Worker is required", "MaxDeliveryCount must be the queue's maxDeliveryCount, at least 1, got 0", "must not be negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("NewLoop: %v, want it to say %q", err, want)
		}
	}
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }
