package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// DefaultMaxUploadBytes is the largest upload accepted when APIConfig.MaxUploadBytes is 0.
const DefaultMaxUploadBytes = 10 << 20

// multipartOverhead is how many bytes of a multipart body beyond MaxUploadBytes are
// read (boundaries and part headers) before the body counts as too large.
const multipartOverhead = 64 << 10

// APIConfig holds what NewAPI needs.
type APIConfig struct {
	Blobs BlobStore
	Jobs  JobPublisher
	Meta  MetadataStore
	// MaxUploadBytes is the largest accepted upload in bytes; 0 means DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// NewID makes image ids; nil means NewID.
	NewID func() string
	// Logger receives one line per failed dependency call; nil means slog.Default().
	Logger *slog.Logger
}

type api struct {
	blobs BlobStore
	jobs  JobPublisher
	meta  MetadataStore
	max   int64
	newID func() string
	log   *slog.Logger
}

// NewAPI returns the HTTP API described in the package documentation.
func NewAPI(cfg APIConfig) (http.Handler, error) {
	var errs []error
	if cfg.Blobs == nil {
		errs = append(errs, errors.New("images: APIConfig.Blobs is required"))
	}
	if cfg.Jobs == nil {
		errs = append(errs, errors.New("images: APIConfig.Jobs is required"))
	}
	if cfg.Meta == nil {
		errs = append(errs, errors.New("images: APIConfig.Meta is required"))
	}
	if cfg.MaxUploadBytes < 0 {
		errs = append(errs, fmt.Errorf("images: APIConfig.MaxUploadBytes must be 0 (default) or positive, got %d", cfg.MaxUploadBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	a := &api{blobs: cfg.Blobs, jobs: cfg.Jobs, meta: cfg.Meta, max: cfg.MaxUploadBytes, newID: cfg.NewID, log: cfg.Logger}
	if a.max == 0 {
		a.max = DefaultMaxUploadBytes
	}
	if a.newID == nil {
		a.newID = NewID
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a, nil
}

// Responses of the API, as JSON.
type (
	// UploadResponse answers POST /images.
	UploadResponse struct {
		ID        string `json:"id"`
		Status    Status `json:"status"`
		StatusURL string `json:"statusUrl"`
	}
	// StatusResponse answers GET /images/{id}.
	StatusResponse struct {
		ID           string `json:"id"`
		Status       Status `json:"status"`
		ThumbnailKey string `json:"thumbnailKey,omitempty"`
		Error        string `json:"error,omitempty"`
	}
	// ErrorResponse is the body of every error.
	ErrorResponse struct {
		Error string `json:"error"`
	}
)

const routes = "the API serves POST /images, GET /images/{id} and GET /healthz"

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case path == "/healthz":
		if !allow(w, r, http.MethodGet) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case path == "/images":
		if !allow(w, r, http.MethodPost) {
			return
		}
		a.upload(w, r)
	case strings.HasPrefix(path, "/images/"):
		if !allow(w, r, http.MethodGet) {
			return
		}
		a.status(w, r, strings.TrimPrefix(path, "/images/"))
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route for %s %s: %s", r.Method, truncate(path, 200), routes))
	}
}

func allow(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use %s", truncate(r.Method, 20), r.URL.Path, method))
	return false
}

func (a *api) upload(w http.ResponseWriter, r *http.Request) {
	body, status, msg := a.readUpload(r)
	if status != 0 {
		writeError(w, status, msg)
		return
	}
	contentType, ok := SniffImage(body)
	if !ok {
		writeError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("unsupported content %q: upload a JPEG, PNG or GIF image (%s)", contentType, strings.Join(AllowedTypes, ", ")))
		return
	}

	ctx := r.Context()
	id := a.newID()
	key := OriginalKey(id)
	if err := a.blobs.Put(ctx, key, body, contentType); err != nil {
		a.unavailable(ctx, w, "cannot store original", id, err)
		return
	}
	if err := a.meta.Create(ctx, Image{ID: id, Status: StatusPending, OriginalKey: key, ContentType: contentType, SizeBytes: int64(len(body))}); err != nil {
		a.unavailable(ctx, w, "cannot record image", id, err)
		return
	}
	if err := a.jobs.Publish(ctx, Job{ID: id, Key: key}); err != nil {
		// The publisher has already retried. The record stays pending and is not marked
		// failed: a failed publish may still have queued the job (an answer lost after the
		// queue took it), in which case the worker finishes it, and an upload refused with
		// 503 is the client's to send again, so nothing is lost. A pending record whose job
		// was really never queued is found by its age (index images_pending_created_at)
		// and finished by publishing its job again.
		a.unavailable(ctx, w, "cannot queue job", id, err)
		return
	}
	statusURL := "/images/" + id
	w.Header().Set("Location", statusURL)
	writeJSON(w, http.StatusAccepted, UploadResponse{ID: id, Status: StatusPending, StatusURL: statusURL})
}

// readUpload returns the uploaded bytes, or an HTTP status and message for the client.
func (a *api) readUpload(r *http.Request) (body []byte, status int, msg string) {
	tooLarge := fmt.Sprintf("image too large: the limit is %d bytes", a.max)
	if r.ContentLength > a.max+multipartOverhead {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	src := io.Reader(r.Body)
	limited := &limitedReader{r: r.Body, n: a.max + multipartOverhead}
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		part, status, msg := filePart(limited, params["boundary"])
		if limited.exceeded {
			return nil, http.StatusRequestEntityTooLarge, tooLarge
		}
		if status != 0 {
			return nil, status, msg
		}
		src = part
	} else if r.ContentLength > a.max {
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(src, a.max+1))
	switch {
	case limited.exceeded:
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Sprintf("cannot read upload: %v", err)
	case int64(len(body)) > a.max:
		return nil, http.StatusRequestEntityTooLarge, tooLarge
	case len(body) == 0:
		return nil, http.StatusBadRequest, fmt.Sprintf("empty upload: send a JPEG, PNG or GIF image of at most %d bytes as the request body or as the \"file\" part of a multipart/form-data body", a.max)
	}
	return body, 0, ""
}

// filePart returns the reader of the part named "file" of a multipart/form-data body.
func filePart(body io.Reader, boundary string) (io.Reader, int, string) {
	if boundary == "" {
		return nil, http.StatusBadRequest, "multipart/form-data upload without a boundary parameter in Content-Type"
	}
	mr := multipart.NewReader(body, boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, http.StatusBadRequest, "multipart/form-data upload has no \"file\" part: send the image as the part named \"file\""
		}
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Sprintf("malformed multipart/form-data upload: %v", err)
		}
		if p.FormName() == "file" {
			return p, 0, ""
		}
	}
}

// limitedReader reads at most n bytes and remembers whether the source had more.
type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

var errTooLarge = errors.New("upload too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		// Probe for one more byte: only a source that has it is too large.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.exceeded = true
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func (a *api) status(w http.ResponseWriter, r *http.Request, rawID string) {
	id, err := ParseID(rawID)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	img, err := a.meta.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("image %q not found: upload it with POST /images first", id))
		return
	}
	if err != nil {
		a.unavailable(r.Context(), w, "cannot read image record", id, err)
		return
	}
	resp := StatusResponse{ID: img.ID, Status: img.Status, Error: img.Error}
	if img.Status == StatusDone {
		resp.ThumbnailKey = img.ThumbnailKey
	}
	writeJSON(w, http.StatusOK, resp)
}

func (a *api) unavailable(ctx context.Context, w http.ResponseWriter, what, id string, err error) {
	a.log.ErrorContext(ctx, what, "id", id, "err", err)
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusServiceUnavailable, what+": a backing service is unavailable, try again")
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, ErrorResponse{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing left to tell it
}
