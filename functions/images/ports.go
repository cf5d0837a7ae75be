package images

import (
	"context"
	"errors"
	"time"
)

// BlobStore holds immutable objects by key.
type BlobStore interface {
	// Put stores body under key, replacing any object already there.
	Put(ctx context.Context, key string, body []byte, contentType string) error
	// Get returns the object stored under key, or an error wrapping ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
}

// JobPublisher puts jobs on the work queue that the worker consumes.
type JobPublisher interface {
	Publish(ctx context.Context, job Job) error
}

// MetadataStore records images and their processing state.
type MetadataStore interface {
	// Create records a new image; its Status must be StatusPending.
	Create(ctx context.Context, img Image) error
	// Get returns the image with the given id, or an error wrapping ErrNotFound.
	Get(ctx context.Context, id string) (Image, error)
	// MarkDone moves a pending image to done. It reports false, and changes nothing,
	// when the image is not pending (or does not exist).
	MarkDone(ctx context.Context, id, thumbnailKey string) (bool, error)
	// MarkFailed moves a pending image to failed with a reason shown to API clients.
	// It reports false, and changes nothing, when the image is not pending.
	MarkFailed(ctx context.Context, id, reason string) (bool, error)
}

// detachedTimeout bounds the calls that must finish even after the request's context
// is done (marking a record failed).
const detachedTimeout = 5 * time.Second

// ErrNotFound is wrapped by the ports' errors for an object or record that does not exist.
var ErrNotFound = errors.New("not found")

// Status is the processing state of an image.
type Status string

// The states of an image. Pending is the only state with a way out.
const (
	StatusPending Status = "pending"
	StatusDone    Status = "done"
	StatusFailed  Status = "failed"
)

// Image is the record of one upload.
type Image struct {
	ID           string
	Status       Status
	OriginalKey  string
	ContentType  string
	SizeBytes    int64
	ThumbnailKey string // set when done
	Error        string // set when failed; safe to show to clients
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Job is the body of a queue message, as JSON {"id":"<image id>","key":"originals/<image id>"}.
type Job struct {
	ID  string `json:"id"`
	Key string `json:"key"`
}

// OriginalKey is where the uploaded bytes of image id are stored.
func OriginalKey(id string) string { return "originals/" + id }

// ThumbnailKey is where the thumbnail of image id is stored.
func ThumbnailKey(id string) string { return "thumbnails/" + id + ".jpg" }
