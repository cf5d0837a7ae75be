package images_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
)

const testID = "0f8fad5b-d9cb-469f-a165-70867728950e"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type ports struct {
	blobs *imagestest.Blobs
	jobs  *imagestest.Jobs
	meta  *imagestest.Meta
}

func newPorts() ports {
	return ports{blobs: &imagestest.Blobs{}, jobs: &imagestest.Jobs{}, meta: &imagestest.Meta{}}
}

func newAPI(t testing.TB, p ports, maxUpload int64) http.Handler {
	t.Helper()
	h, err := images.NewAPI(images.APIConfig{
		Blobs: p.blobs, Jobs: p.jobs, Meta: p.meta,
		MaxUploadBytes: maxUpload,
		NewID:          func() string { return testID },
		Logger:         quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func multipartBody(t *testing.T, field string, content []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile(field, "upload.bin")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

func TestAPIUpload(t *testing.T) {
	t.Parallel()
	pngBytes := imagestest.PNG(8, 4)
	mpType, mpBody := multipartBody(t, "file", imagestest.GIF(3, 3))
	otherType, otherBody := multipartBody(t, "picture", imagestest.GIF(3, 3))
	boom := errors.New("boom")

	type args struct {
		contentType string
		body        []byte
		maxUpload   int64
		break_      func(p ports)
	}
	type want struct {
		status        int
		body          map[string]any // exact, when set
		errorMentions []string       // substrings of the "error" field, when set
		published     []images.Job
		stored        map[string]string // key -> content type
		records       map[string]images.Status
	}
	pending := map[string]images.Status{testID: images.StatusPending}
	accepted := map[string]any{"id": testID, "status": "pending", "statusUrl": "/images/" + testID}
	job := []images.Job{{ID: testID, Key: "originals/" + testID}}

	cases := map[string]struct {
		reason string
		args   args
		want   want
	}{
		"PNG": {
			reason: "A PNG body is stored, recorded pending, queued, and answered 202 with id and status URL.",
			args:   args{contentType: "image/png", body: pngBytes},
			want:   want{status: 202, body: accepted, published: job, stored: map[string]string{"originals/" + testID: "image/png"}, records: pending},
		},
		"JPEGWithWrongContentType": {
			reason: "The type comes from the bytes, not from the Content-Type header.",
			args:   args{contentType: "text/plain", body: imagestest.JPEG(4, 4)},
			want:   want{status: 202, body: accepted, published: job, stored: map[string]string{"originals/" + testID: "image/jpeg"}, records: pending},
		},
		"MultipartGIF": {
			reason: "A multipart/form-data upload takes the part named file.",
			args:   args{contentType: mpType, body: mpBody},
			want:   want{status: 202, body: accepted, published: job, stored: map[string]string{"originals/" + testID: "image/gif"}, records: pending},
		},
		"MultipartWithoutFilePart": {
			reason: "A multipart body without a file part is a client error that names the part.",
			args:   args{contentType: otherType, body: otherBody},
			want:   want{status: 400, errorMentions: []string{`"file"`}},
		},
		"Empty": {
			reason: "An empty body is 400 and says what to send.",
			args:   args{contentType: "image/png"},
			want:   want{status: 400, errorMentions: []string{"empty upload", "JPEG, PNG or GIF"}},
		},
		"Text": {
			reason: "Bytes that are no allowed image are 415, naming what was found and what is allowed.",
			args:   args{contentType: "image/png", body: []byte("hello, world")},
			want:   want{status: 415, errorMentions: []string{"text/plain", "image/jpeg, image/png, image/gif"}},
		},
		"WebP": {
			reason: "Other image formats are 415 too.",
			args:   args{body: []byte("RIFF\x00\x00\x00\x00WEBPVP8 ")},
			want:   want{status: 415, errorMentions: []string{"image/webp"}},
		},
		"TooLarge": {
			reason: "A body over MaxUploadBytes is 413 and states the limit; nothing is stored.",
			args:   args{contentType: "image/png", body: append(append([]byte{}, pngBytes...), make([]byte, 100)...), maxUpload: int64(len(pngBytes)) + 99},
			want:   want{status: 413, errorMentions: []string{"limit is " + strconv.Itoa(len(pngBytes)+99) + " bytes"}},
		},
		"ExactlyAtLimit": {
			reason: "A body of exactly MaxUploadBytes is accepted.",
			args:   args{contentType: "image/png", body: pngBytes, maxUpload: int64(len(pngBytes))},
			want:   want{status: 202, body: accepted, published: job, stored: map[string]string{"originals/" + testID: "image/png"}, records: pending},
		},
		"BlobStoreDown": {
			reason: "A failing blob store is 503 and nothing is recorded or queued.",
			args:   args{body: pngBytes, break_: func(p ports) { p.blobs.PutErr = boom }},
			want:   want{status: 503, errorMentions: []string{"try again"}},
		},
		"MetadataDown": {
			reason: "A failing metadata store is 503 and nothing is queued.",
			args:   args{body: pngBytes, break_: func(p ports) { p.meta.CreateErr = boom }},
			want:   want{status: 503, errorMentions: []string{"try again"}, stored: map[string]string{"originals/" + testID: "image/png"}},
		},
		"QueueDown": {
			reason: "A failing queue (after the publisher's own retries) is 503 with Retry-After, and the record stays pending, never failed for good: the job may have been queued all the same.",
			args:   args{body: pngBytes, break_: func(p ports) { p.jobs.Err = boom }},
			want: want{status: 503, errorMentions: []string{"try again"}, stored: map[string]string{"originals/" + testID: "image/png"},
				records: pending},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPorts()
			if tc.args.break_ != nil {
				tc.args.break_(p)
			}
			req := httptest.NewRequest(http.MethodPost, "/images", bytes.NewReader(tc.args.body))
			if tc.args.contentType != "" {
				req.Header.Set("Content-Type", tc.args.contentType)
			}
			rec := httptest.NewRecorder()
			newAPI(t, p, tc.args.maxUpload).ServeHTTP(rec, req)

			got := want{status: rec.Code, published: p.jobs.Published(), stored: map[string]string{}, records: map[string]images.Status{}}
			for k, o := range p.blobs.Objects() {
				got.stored[k] = o.ContentType
			}
			for k, img := range p.meta.Images() {
				got.records[k] = img.Status
			}
			body := decodeJSON(t, rec)
			if tc.want.body != nil {
				got.body = body
			}
			if len(tc.want.errorMentions) > 0 {
				msg, _ := body["error"].(string)
				for _, s := range tc.want.errorMentions {
					if strings.Contains(msg, s) {
						got.errorMentions = append(got.errorMentions, s)
					}
				}
			}
			if tc.want.stored == nil {
				tc.want.stored = map[string]string{}
			}
			if tc.want.records == nil {
				tc.want.records = map[string]images.Status{}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\nPOST /images: -want +got:\n%s\nbody: %s", tc.reason, diff, rec.Body.String())
			}
			if rec.Code == 202 && rec.Header().Get("Location") != "/images/"+testID {
				t.Errorf("Location = %q, want /images/%s", rec.Header().Get("Location"), testID)
			}
			if rec.Code == 503 && rec.Header().Get("Retry-After") == "" {
				t.Errorf("%s\n503 without Retry-After", tc.reason)
			}
		})
	}
}

// TestAPIPublishFailsThenClientRetries injects a transient queue failure: the first upload is
// refused with 503 and Retry-After and its record stays pending (never marked failed); the
// client's retry of the same upload is accepted and queued.
func TestAPIPublishFailsThenClientRetries(t *testing.T) {
	t.Parallel()
	p := newPorts()
	ids := []string{"11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"}
	var n int
	api, err := images.NewAPI(images.APIConfig{Blobs: p.blobs, Jobs: p.jobs, Meta: p.meta, Logger: quiet,
		NewID: func() string { n++; return ids[n-1] }})
	if err != nil {
		t.Fatal(err)
	}
	upload := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/images", bytes.NewReader(imagestest.PNG(4, 4))))
		return rec
	}
	p.jobs.Err = errors.New("ThrottlingException: rate exceeded")
	first := upload()
	p.jobs.Err = nil
	second := upload()
	type result struct {
		Codes      []int
		RetryAfter string
		Records    map[string]images.Status
		Published  []images.Job
	}
	got := result{Codes: []int{first.Code, second.Code}, RetryAfter: first.Header().Get("Retry-After"), Records: map[string]images.Status{}, Published: p.jobs.Published()}
	for id, img := range p.meta.Images() {
		got.Records[id] = img.Status
	}
	want := result{Codes: []int{503, 202}, RetryAfter: "1",
		Records:   map[string]images.Status{ids[0]: images.StatusPending, ids[1]: images.StatusPending},
		Published: []images.Job{{ID: ids[1], Key: images.OriginalKey(ids[1])}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if p.meta.Transitions() != 0 {
		t.Errorf("%d state transitions, want none: a failed publish must not mark the upload failed", p.meta.Transitions())
	}
}

func TestAPIStatusAndRoutes(t *testing.T) {
	t.Parallel()
	type want struct {
		status        int
		body          map[string]any
		errorMentions []string
		allow         string
	}
	cases := map[string]struct {
		reason string
		method string
		path   string
		want   want
	}{
		"Pending": {
			reason: "A pending image reports pending and no thumbnail.",
			method: "GET", path: "/images/11111111-1111-4111-8111-111111111111",
			want: want{status: 200, body: map[string]any{"id": "11111111-1111-4111-8111-111111111111", "status": "pending"}},
		},
		"Done": {
			reason: "A done image reports its thumbnail's key.",
			method: "GET", path: "/images/22222222-2222-4222-8222-222222222222",
			want: want{status: 200, body: map[string]any{"id": "22222222-2222-4222-8222-222222222222", "status": "done", "thumbnailKey": "thumbnails/22222222-2222-4222-8222-222222222222.jpg"}},
		},
		"Failed": {
			reason: "A failed image reports why.",
			method: "GET", path: "/images/33333333-3333-4333-8333-333333333333",
			want: want{status: 200, body: map[string]any{"id": "33333333-3333-4333-8333-333333333333", "status": "failed", "error": "could not be decoded"}},
		},
		"UppercaseID": {
			reason: "Ids are case-insensitive, as UUIDs are.",
			method: "GET", path: "/images/AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA",
			want: want{status: 200, body: map[string]any{"id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", "status": "pending"}},
		},
		"Unknown": {
			reason: "An unknown but well-formed id is 404.",
			method: "GET", path: "/images/44444444-4444-4444-8444-444444444444",
			want: want{status: 404, errorMentions: []string{"not found"}},
		},
		"Malformed": {
			reason: "A malformed id is 400 and shows the expected form.",
			method: "GET", path: "/images/not-a-uuid",
			want: want{status: 400, errorMentions: []string{`"not-a-uuid"`, "UUID"}},
		},
		"Nested": {
			reason: "A path below an id is a malformed id.",
			method: "GET", path: "/images/11111111-1111-4111-8111-111111111111/x",
			want: want{status: 400, errorMentions: []string{"UUID"}},
		},
		"Healthz": {
			reason: "The health check answers without dependencies.",
			method: "GET", path: "/healthz",
			want: want{status: 200, body: map[string]any{"status": "ok"}},
		},
		"NoRoute": {
			reason: "Unknown paths are 404 and list the routes.",
			method: "GET", path: "/nope",
			want: want{status: 404, errorMentions: []string{"POST /images", "GET /images/{id}"}},
		},
		"WrongMethodUpload": {
			reason: "GET /images is 405 with Allow: POST.",
			method: "GET", path: "/images",
			want: want{status: 405, errorMentions: []string{"use POST"}, allow: "POST"},
		},
		"WrongMethodStatus": {
			reason: "DELETE /images/{id} is 405 with Allow: GET.",
			method: "DELETE", path: "/images/11111111-1111-4111-8111-111111111111",
			want: want{status: 405, errorMentions: []string{"use GET"}, allow: "GET"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPorts()
			p.meta.Put(images.Image{ID: "11111111-1111-4111-8111-111111111111", Status: images.StatusPending})
			p.meta.Put(images.Image{ID: "22222222-2222-4222-8222-222222222222", Status: images.StatusDone, ThumbnailKey: "thumbnails/22222222-2222-4222-8222-222222222222.jpg"})
			p.meta.Put(images.Image{ID: "33333333-3333-4333-8333-333333333333", Status: images.StatusFailed, Error: "could not be decoded"})
			p.meta.Put(images.Image{ID: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", Status: images.StatusPending})
			path := tc.path
			rec := httptest.NewRecorder()
			newAPI(t, p, 0).ServeHTTP(rec, httptest.NewRequest(tc.method, path, nil))
			body := decodeJSON(t, rec)
			got := want{status: rec.Code, allow: rec.Header().Get("Allow")}
			if tc.want.body != nil {
				got.body = body
			}
			msg, _ := body["error"].(string)
			for _, s := range tc.want.errorMentions {
				if strings.Contains(msg, s) {
					got.errorMentions = append(got.errorMentions, s)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n%s %s: -want +got:\n%s\nbody: %s", tc.reason, tc.method, path, diff, rec.Body.String())
			}
		})
	}
}

func TestAPIStatusStoreDown(t *testing.T) {
	t.Parallel()
	p := newPorts()
	p.meta.GetErr = errors.New("connection refused")
	rec := httptest.NewRecorder()
	newAPI(t, p, 0).ServeHTTP(rec, httptest.NewRequest("GET", "/images/"+testID, nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("GET with the store down: status = %d, want 503; body %s", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "connection refused") {
		t.Errorf("the answer leaks the internal error: %s", rec.Body)
	}
}

func TestNewAPIValidates(t *testing.T) {
	t.Parallel()
	_, err := images.NewAPI(images.APIConfig{MaxUploadBytes: -1})
	if err == nil {
		t.Fatal("NewAPI with no ports: want an error")
	}
	for _, s := range []string{"Blobs", "Jobs", "Meta", "MaxUploadBytes"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("NewAPI error %q does not name %s", err, s)
		}
	}
}

// TestUploadThenStatus runs one upload and reads it back through the same handler.
func TestUploadThenStatus(t *testing.T) {
	t.Parallel()
	p := newPorts()
	h, err := images.NewAPI(images.APIConfig{Blobs: p.blobs, Jobs: p.jobs, Meta: p.meta, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/images", bytes.NewReader(imagestest.PNG(2, 2))))
	var up images.UploadResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &up); err != nil || rec.Code != 202 {
		t.Fatalf("upload: %d %s (%v)", rec.Code, rec.Body, err)
	}
	if _, err := images.ParseID(up.ID); err != nil {
		t.Errorf("generated id: %v", err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", up.StatusURL, nil))
	var st images.StatusResponse
	_ = json.Unmarshal(rec.Body.Bytes(), &st)
	if diff := cmp.Diff(images.StatusResponse{ID: up.ID, Status: images.StatusPending}, st); diff != "" {
		t.Errorf("status after upload: -want +got:\n%s", diff)
	}
}

func decodeJSON(t *testing.T, rec *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", rec.Body.String(), err)
	}
	return m
}
