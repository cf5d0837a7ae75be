package images_test

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
)

func TestParseJob(t *testing.T) {
	t.Parallel()
	type want struct {
		job images.Job
		err error
	}
	cases := map[string]struct {
		reason string
		body   string
		want   want
	}{
		"Valid": {
			reason: "The contract's message body parses.",
			body:   `{"id":"` + testID + `","key":"originals/` + testID + `"}`,
			want:   want{job: images.Job{ID: testID, Key: "originals/" + testID}},
		},
		"NotJSON": {
			reason: "A body that is not JSON is a malformed job.",
			body:   "hello",
			want:   want{err: images.ErrMalformedJob},
		},
		"Empty": {
			reason: "An empty body is a malformed job.",
			want:   want{err: images.ErrMalformedJob},
		},
		"BadID": {
			reason: "An id that is no UUID is a malformed job.",
			body:   `{"id":"../../etc/passwd","key":"originals/../../etc/passwd"}`,
			want:   want{err: images.ErrMalformedJob},
		},
		"KeyMismatch": {
			reason: "The key must be the original of the id, so a job cannot make the worker read other objects.",
			body:   `{"id":"` + testID + `","key":"thumbnails/` + testID + `.jpg"}`,
			want:   want{err: images.ErrMalformedJob},
		},
		"TrailingData": {
			reason: "Two JSON values are not one job.",
			body:   `{"id":"` + testID + `","key":"originals/` + testID + `"} {}`,
			want:   want{err: images.ErrMalformedJob},
		},
		"Array": {
			reason: "A JSON array is not a job.",
			body:   `[1,2]`,
			want:   want{err: images.ErrMalformedJob},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			job, err := images.ParseJob([]byte(tc.body))
			got := want{job: job, err: err}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) || errors.Is(b, a) })); diff != "" {
				t.Errorf("%s\nParseJob(%q): -want +got:\n%s", tc.reason, tc.body, diff)
			}
		})
	}
}

func TestWorkerProcess(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	job := images.Job{ID: testID, Key: images.OriginalKey(testID)}
	first := images.Attempt{ReceiveCount: 1, MaxReceiveCount: 3}
	last := images.Attempt{ReceiveCount: 3, MaxReceiveCount: 3}

	type args struct {
		original []byte // stored at the original key when not nil
		record   *images.Image
		attempt  images.Attempt
		break_   func(p ports)
	}
	type want struct {
		result      images.Result
		err         error
		status      images.Status
		thumbPuts   int
		transitions int
	}
	pending := &images.Image{ID: testID, Status: images.StatusPending}
	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"Done": {
			reason: "A pending image gets one thumbnail and one transition to done.",
			args:   args{original: imagestest.PNG(40, 20), record: pending, attempt: first},
			want:   want{result: images.ResultDone, status: images.StatusDone, thumbPuts: 1, transitions: 1},
		},
		"AlreadyDone": {
			reason: "A redelivered job for a done image is acknowledged without work.",
			args:   args{original: imagestest.PNG(40, 20), record: &images.Image{ID: testID, Status: images.StatusDone}, attempt: first},
			want:   want{result: images.ResultAlreadyFinished, status: images.StatusDone},
		},
		"AlreadyFailed": {
			reason: "A redelivered job for a failed image is acknowledged without work.",
			args:   args{original: imagestest.PNG(40, 20), record: &images.Image{ID: testID, Status: images.StatusFailed}, attempt: first},
			want:   want{result: images.ResultAlreadyFinished, status: images.StatusFailed},
		},
		"UndecodableFirstAttempt": {
			reason: "An undecodable image fails the message and stays pending while attempts remain.",
			args:   args{original: imagestest.CorruptPNG(), record: pending, attempt: first},
			want:   want{result: images.ResultRetry, err: images.ErrUndecodable, status: images.StatusPending},
		},
		"UndecodableLastAttempt": {
			reason: "On the last attempt an undecodable image is marked failed and the message still fails, so it goes to the DLQ.",
			args:   args{original: imagestest.CorruptPNG(), record: pending, attempt: last},
			want:   want{result: images.ResultMarkedFailed, err: images.ErrUndecodable, status: images.StatusFailed, transitions: 1},
		},
		"PastLastAttempt": {
			reason: "A receive count above the maximum counts as the last attempt.",
			args:   args{original: imagestest.CorruptPNG(), record: pending, attempt: images.Attempt{ReceiveCount: 7, MaxReceiveCount: 3}},
			want:   want{result: images.ResultMarkedFailed, err: images.ErrUndecodable, status: images.StatusFailed, transitions: 1},
		},
		"OriginalMissing": {
			reason: "A missing original is retried.",
			args:   args{record: pending, attempt: first},
			want:   want{result: images.ResultRetry, err: images.ErrNotFound, status: images.StatusPending},
		},
		"BlobStoreDownLastAttempt": {
			reason: "Any failure on the last attempt marks the image failed, so the API never reports pending forever.",
			args:   args{original: imagestest.PNG(4, 4), record: pending, attempt: last, break_: func(p ports) { p.blobs.GetErr = boom }},
			want:   want{result: images.ResultMarkedFailed, err: boom, status: images.StatusFailed, transitions: 1},
		},
		"ThumbnailPutFails": {
			reason: "A failing thumbnail write fails the message and leaves the record pending.",
			args:   args{original: imagestest.PNG(4, 4), record: pending, attempt: first, break_: func(p ports) { p.blobs.PutErr = boom }},
			want:   want{result: images.ResultRetry, err: boom, status: images.StatusPending},
		},
		"MarkDoneFails": {
			reason: "A failing database fails the message; the thumbnail written is rewritten by the retry.",
			args:   args{original: imagestest.PNG(4, 4), record: pending, attempt: first, break_: func(p ports) { p.meta.MarkDoneErr = boom }},
			want:   want{result: images.ResultRetry, err: boom, status: images.StatusPending, thumbPuts: 1},
		},
		"NoRecord": {
			reason: "A job without a record fails, to be retried and then dead-lettered.",
			args:   args{original: imagestest.PNG(4, 4), attempt: last},
			want:   want{result: images.ResultRetry, err: images.ErrNotFound},
		},
		"MarkFailedFails": {
			reason: "When the record cannot be marked failed the message fails with both errors.",
			args: args{original: imagestest.CorruptPNG(), record: pending, attempt: last, break_: func(p ports) {
				p.meta.MarkFailedErr = boom
			}},
			want: want{result: images.ResultRetry, err: boom, status: images.StatusPending},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPorts()
			if tc.args.original != nil {
				_ = p.blobs.Put(context.Background(), job.Key, tc.args.original, "image/png")
			}
			if tc.args.record != nil {
				p.meta.Put(*tc.args.record)
			}
			if tc.args.break_ != nil {
				tc.args.break_(p)
			}
			w, err := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			res, err := w.Process(context.Background(), job, tc.args.attempt)
			got := want{result: res, err: err, status: p.meta.Images()[testID].Status,
				thumbPuts: p.blobs.Puts()[images.ThumbnailKey(testID)], transitions: p.meta.Transitions()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmp.Comparer(func(a, b error) bool {
				if a == nil || b == nil {
					return a == nil && b == nil
				}
				return errors.Is(a, b) || errors.Is(b, a)
			})); diff != "" {
				t.Errorf("%s\nProcess: -want +got:\n%s", tc.reason, diff)
			}
			if tc.want.status == images.StatusFailed && tc.want.transitions == 1 {
				if msg := p.meta.Images()[testID].Error; msg == "" || strings.Contains(msg, "boom") {
					t.Errorf("failed record's error %q must be set and must not leak internal errors", msg)
				}
			}
		})
	}
}

func TestWorkerThumbnailStored(t *testing.T) {
	t.Parallel()
	p := newPorts()
	_ = p.blobs.Put(context.Background(), images.OriginalKey(testID), imagestest.JPEG(600, 300), "image/jpeg")
	p.meta.Put(images.Image{ID: testID, Status: images.StatusPending})
	w, _ := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: quiet})
	if _, err := w.Process(context.Background(), images.Job{ID: testID, Key: images.OriginalKey(testID)}, images.Attempt{ReceiveCount: 1, MaxReceiveCount: 3}); err != nil {
		t.Fatal(err)
	}
	obj, ok := p.blobs.Objects()["thumbnails/"+testID+".jpg"]
	if !ok {
		t.Fatalf("no thumbnail at thumbnails/%s.jpg; objects: %v", testID, keys(p.blobs.Objects()))
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(obj.Body))
	if err != nil {
		t.Fatalf("thumbnail is not a JPEG: %v", err)
	}
	if diff := cmp.Diff([3]any{"image/jpeg", 256, 128}, [3]any{obj.ContentType, cfg.Width, cfg.Height}); diff != "" {
		t.Errorf("thumbnail (content type, width, height): -want +got:\n%s", diff)
	}
	if got := p.meta.Images()[testID]; got.Status != images.StatusDone || got.ThumbnailKey != images.ThumbnailKey(testID) {
		t.Errorf("record = %+v, want done with thumbnail key", got)
	}
}

// TestWorkerAbandon: a delivery the platform has no time for is left for the queue to deliver
// again; on the last attempt the record is marked failed first, unless it is already finished.
func TestWorkerAbandon(t *testing.T) {
	t.Parallel()
	job := images.Job{ID: testID, Key: images.OriginalKey(testID)}
	type want struct {
		result      images.Result
		failed      bool // an error, so that the message is not acknowledged
		status      images.Status
		reason      string
		transitions int
	}
	cases := map[string]struct {
		reason  string
		status  images.Status
		attempt images.Attempt
		want    want
	}{
		"FirstAttempt": {reason: "Attempts remain: nothing is marked, the message fails.", status: images.StatusPending,
			attempt: images.Attempt{ReceiveCount: 1, MaxReceiveCount: 3}, want: want{result: images.ResultRetry, failed: true, status: images.StatusPending}},
		"LastAttempt": {reason: "The last attempt is marked failed with the reason, and the message still fails (to the DLQ).", status: images.StatusPending,
			attempt: images.Attempt{ReceiveCount: 3, MaxReceiveCount: 3, FinishBy: time.Now().Add(time.Second)},
			want:    want{result: images.ResultMarkedFailed, failed: true, status: images.StatusFailed, reason: "the image could not be processed in time after 3 attempts", transitions: 1}},
		"LastAttemptAlreadyDone": {reason: "A finished image is acknowledged: nothing for the DLQ.", status: images.StatusDone,
			attempt: images.Attempt{ReceiveCount: 3, MaxReceiveCount: 3}, want: want{result: images.ResultAlreadyFinished, status: images.StatusDone}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPorts()
			p.meta.Put(images.Image{ID: testID, Status: tc.status})
			w, _ := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: quiet})
			// The invocation's context is already done: marking must not depend on it.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			res, err := w.Abandon(ctx, job, tc.attempt)
			img := p.meta.Images()[testID]
			got := want{result: res, failed: err != nil, status: img.Status, reason: img.Error, transitions: p.meta.Transitions()}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			if len(p.blobs.Objects()) != 0 {
				t.Errorf("%s\nan abandoned job stored objects", tc.reason)
			}
		})
	}
}

// TestWorkerThumbnailHonoursDeadline: thumbnailing is CPU work that ignores contexts, so a job
// whose time runs out while it thumbnails must still return at once, store nothing and leave the
// record pending (the blob and metadata fakes ignore contexts, so only the worker can stop it).
func TestWorkerThumbnailHonoursDeadline(t *testing.T) {
	t.Parallel()
	p := newPorts()
	_ = p.blobs.Put(context.Background(), images.OriginalKey(testID), imagestest.PNG(3000, 2000), images.TypePNG)
	p.meta.Put(images.Image{ID: testID, Status: images.StatusPending})
	w, _ := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: quiet})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	res, err := w.Process(ctx, images.Job{ID: testID, Key: images.OriginalKey(testID)}, images.Attempt{ReceiveCount: 1, MaxReceiveCount: 3})
	if res != images.ResultRetry || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Process = %v, %v; want retry with context.DeadlineExceeded", res, err)
	}
	if _, ok := p.blobs.Objects()[images.ThumbnailKey(testID)]; ok || p.meta.Images()[testID].Status != images.StatusPending {
		t.Errorf("a job out of time stored its thumbnail or changed its record: %v, %v", keys(p.blobs.Objects()), p.meta.Images()[testID].Status)
	}
}

// TestWorkerConcurrentDuplicates delivers one job to many workers at once: whatever the
// interleaving, the record makes one transition.
func TestWorkerConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	p := newPorts()
	_ = p.blobs.Put(context.Background(), images.OriginalKey(testID), imagestest.PNG(300, 200), "image/png")
	p.meta.Put(images.Image{ID: testID, Status: images.StatusPending})
	w, _ := images.NewWorker(images.WorkerConfig{Blobs: p.blobs, Meta: p.meta, Logger: quiet})
	var wg sync.WaitGroup
	results := make([]images.Result, 8)
	for i := range results {
		wg.Go(func() {
			res, err := w.Process(context.Background(), images.Job{ID: testID, Key: images.OriginalKey(testID)}, images.Attempt{ReceiveCount: 1, MaxReceiveCount: 3})
			if err != nil {
				t.Errorf("delivery %d: %v", i, err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	done := 0
	for _, r := range results {
		if r == images.ResultDone {
			done++
		}
	}
	if done != 1 || p.meta.Transitions() != 1 {
		t.Errorf("%d deliveries reported done and %d transitions happened, want 1 and 1 (results %v)", done, p.meta.Transitions(), results)
	}
}

func TestThumbnail(t *testing.T) {
	t.Parallel()
	type want struct {
		w, h int
		err  error
	}
	cases := map[string]struct {
		reason string
		src    []byte
		want   want
	}{
		"Landscape": {reason: "The width becomes 256 and the height keeps the ratio.", src: imagestest.PNG(1000, 500), want: want{w: 256, h: 128}},
		"Portrait":  {reason: "The height becomes 256 and the width keeps the ratio.", src: imagestest.JPEG(300, 900), want: want{w: 85, h: 256}},
		"Square":    {reason: "A square stays square.", src: imagestest.GIF(512, 512), want: want{w: 256, h: 256}},
		"Small":     {reason: "The longest side is 256 px even for small images.", src: imagestest.PNG(32, 16), want: want{w: 256, h: 128}},
		"Sliver":    {reason: "A very thin image keeps a side of at least 1 px.", src: imagestest.PNG(2000, 1), want: want{w: 256, h: 1}},
		"Corrupt":   {reason: "Bytes that only look like PNG are undecodable.", src: imagestest.CorruptPNG(), want: want{err: images.ErrUndecodable}},
		"Truncated": {reason: "A truncated image is undecodable.", src: imagestest.PNG(64, 64)[:100], want: want{err: images.ErrUndecodable}},
		"Empty":     {reason: "No bytes are undecodable.", src: nil, want: want{err: images.ErrUndecodable}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out, err := images.Thumbnail(tc.src, 256, images.DefaultMaxPixels)
			got := want{err: err}
			if err == nil {
				cfg, derr := jpeg.DecodeConfig(bytes.NewReader(out))
				if derr != nil {
					t.Fatalf("output is not JPEG: %v", derr)
				}
				got.w, got.h = cfg.Width, cfg.Height
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) || errors.Is(b, a) })); diff != "" {
				t.Errorf("%s\nThumbnail: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestThumbnailPixelLimit(t *testing.T) {
	t.Parallel()
	_, err := images.Thumbnail(imagestest.PNG(100, 100), 256, 100*100-1)
	if !errors.Is(err, images.ErrUndecodable) {
		t.Errorf("Thumbnail over the pixel limit: err = %v, want ErrUndecodable", err)
	}
}

func TestThumbnailFlattensTransparency(t *testing.T) {
	t.Parallel()
	out, err := images.Thumbnail(imagestest.TransparentPNG(10, 10), 256, images.DefaultMaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	r, g, b, _ := img.At(128, 128).RGBA()
	if r>>8 < 250 || g>>8 < 250 || b>>8 < 250 {
		t.Errorf("transparent pixel became (%d,%d,%d), want white", r>>8, g>>8, b>>8)
	}
}

func TestIDs(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		id := images.NewID()
		if got, err := images.ParseID(id); err != nil || got != id {
			t.Fatalf("ParseID(NewID()=%q) = %q, %v", id, got, err)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 36), "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5bxd9cb-469f-a165-70867728950e"} {
		if _, err := images.ParseID(bad); !errors.Is(err, images.ErrMalformedID) {
			t.Errorf("ParseID(%q) = %v, want ErrMalformedID", bad, err)
		}
	}
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
