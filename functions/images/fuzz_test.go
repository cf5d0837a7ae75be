package images_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/images/imagestest"
)

// FuzzUpload sends arbitrary bodies and Content-Types to POST /images with working
// fakes behind it. Whatever the input, the handler must not panic, must answer one of
// 202, 400, 413 or 415 with a JSON body, and must accept exactly the bodies that sniff
// as JPEG, PNG or GIF and fit the limit (or, for multipart, whose file part does).
func FuzzUpload(f *testing.F) {
	const limit = 2048
	f.Add("image/png", imagestest.PNG(4, 4))
	f.Add("image/jpeg", imagestest.JPEG(4, 4))
	f.Add("", imagestest.GIF(2, 2))
	f.Add("image/png", imagestest.CorruptPNG())
	f.Add("image/png", []byte{})
	f.Add("text/plain", []byte("hello"))
	f.Add("application/octet-stream", []byte{0xFF, 0xD8})
	f.Add("image/gif", []byte("GIF89"))
	f.Add("image/png", bytes.Repeat([]byte{0x89}, limit+1))
	f.Add("image/png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, limit)...))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nGIF89a\r\n--X--\r\n"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nGIF89a\r\n--X--\r\n"))
	f.Add("multipart/form-data", []byte("--X\r\n"))
	f.Add("multipart/form-data; boundary=X", []byte("garbage"))
	f.Add("multipart/form-data; boundary=\"", []byte("--\"\r\n"))

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		p := newPorts()
		h := newAPI(t, p, limit)
		req := httptest.NewRequest(http.MethodPost, "/images", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		switch rec.Code {
		case 202, 400, 413, 415:
		default:
			t.Fatalf("status %d for Content-Type %q and %d bytes: %s", rec.Code, contentType, len(body), rec.Body)
		}
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d with a body that is no JSON object: %q", rec.Code, rec.Body)
		}
		if rec.Code != 202 {
			if msg, _ := m["error"].(string); msg == "" {
				t.Fatalf("status %d without an error message: %s", rec.Code, rec.Body)
			}
			if len(p.blobs.Objects()) != 0 || len(p.jobs.Published()) != 0 || len(p.meta.Images()) != 0 {
				t.Fatalf("status %d but something was stored, recorded or queued", rec.Code)
			}
			return
		}
		objs := p.blobs.Objects()
		stored, ok := objs[images.OriginalKey(testID)]
		if !ok || len(objs) != 1 {
			t.Fatalf("202 but the original is not stored alone: %v", keys(objs))
		}
		if _, isImage := images.SniffImage(stored.Body); !isImage || len(stored.Body) == 0 || len(stored.Body) > limit {
			t.Fatalf("202 for %d stored bytes that are no allowed image within the limit", len(stored.Body))
		}
		if len(p.jobs.Published()) != 1 || p.meta.Images()[testID].Status != images.StatusPending {
			t.Fatalf("202 without exactly one job and a pending record")
		}
		if _, isImage := images.SniffImage(body); isImage && len(body) <= limit && !bytes.Equal(stored.Body, body) {
			if mt := contentType; len(mt) < 9 || mt[:9] != "multipart" {
				t.Fatalf("raw upload stored %d bytes, sent %d", len(stored.Body), len(body))
			}
		}
	})
}

// TestUploadAcceptsExactlyImages checks the converse of the fuzz property on raw bodies:
// every allowed image within the limit is accepted.
func TestUploadAcceptsExactlyImages(t *testing.T) {
	t.Parallel()
	for _, body := range [][]byte{imagestest.PNG(1, 1), imagestest.JPEG(1, 1), imagestest.GIF(1, 1), []byte("GIF87a"), []byte{0xFF, 0xD8, 0xFF}} {
		p := newPorts()
		rec := httptest.NewRecorder()
		newAPI(t, p, 4096).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/images", bytes.NewReader(body)))
		if rec.Code != 202 {
			t.Errorf("upload of %q...: status %d, want 202: %s", body[:min(6, len(body))], rec.Code, rec.Body)
		}
	}
}
