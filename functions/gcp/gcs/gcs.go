package gcs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// DefaultMaxGetBytes bounds what Blobs.Get reads into memory, as awss3's does.
const DefaultMaxGetBytes = 64 << 20

// Blobs is the Cloud Storage images.BlobStore over one bucket. Its client is created on first
// use (Application Default Credentials, or the server at STORAGE_EMULATOR_HOST), with Options.
type Blobs struct {
	Bucket  string
	Options []option.ClientOption
	// MaxGetBytes bounds the size of objects Get reads; 0 means DefaultMaxGetBytes.
	MaxGetBytes int64

	mu     sync.Mutex
	client *storage.Client
}

var _ images.BlobStore = (*Blobs)(nil)

// NewBlobs returns the blob store for bucket; it does no I/O.
func NewBlobs(bucket string, opts ...option.ClientOption) *Blobs {
	return &Blobs{Bucket: bucket, Options: opts}
}

func (b *Blobs) object(ctx context.Context, key string) (*storage.ObjectHandle, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client == nil {
		// JSON API reads: one API for reads and writes, which fake-gcs-server serves too.
		opts := append([]option.ClientOption{storage.WithJSONReads()}, b.Options...)
		c, err := storage.NewClient(context.WithoutCancel(ctx), opts...)
		if err != nil {
			return nil, fmt.Errorf("cannot create the Cloud Storage client: %w", err)
		}
		b.client = c
	}
	// A Put writes the same bytes for the same key (originals by image id, thumbnails by
	// image id), so retrying it is safe although it has no precondition.
	return b.client.Bucket(b.Bucket).Object(key).Retryer(storage.WithPolicy(storage.RetryAlways)), nil
}

// Put implements images.BlobStore, in one request (the objects are small).
func (b *Blobs) Put(ctx context.Context, key string, body []byte, contentType string) error {
	obj, err := b.object(ctx, key)
	if err != nil {
		return err
	}
	// Only if the object does not exist yet: the grant on a prefix is objectCreator, which may
	// not overwrite. A key always names the same bytes (an original's id is new per upload, a
	// thumbnail is made the same from its original), so an object already there, from an
	// earlier attempt of the same job, is this write done.
	w := obj.If(storage.Conditions{DoesNotExist: true}).NewWriter(ctx)
	w.ContentType = contentType
	w.ChunkSize = 0
	if _, err := w.Write(body); err != nil {
		_ = w.Close()
		return fmt.Errorf("cannot put gs://%s/%s: %w", b.Bucket, key, err)
	}
	if err := w.Close(); err != nil {
		var gerr *googleapi.Error
		if errors.As(err, &gerr) && gerr.Code == http.StatusPreconditionFailed {
			return nil
		}
		return fmt.Errorf("cannot put gs://%s/%s: %w", b.Bucket, key, err)
	}
	return nil
}

// Get implements images.BlobStore.
func (b *Blobs) Get(ctx context.Context, key string) ([]byte, error) {
	obj, err := b.object(ctx, key)
	if err != nil {
		return nil, err
	}
	r, err := obj.NewReader(ctx)
	if err != nil {
		if errors.Is(err, storage.ErrObjectNotExist) {
			return nil, fmt.Errorf("gs://%s/%s: %w", b.Bucket, key, images.ErrNotFound)
		}
		return nil, fmt.Errorf("cannot get gs://%s/%s: %w", b.Bucket, key, err)
	}
	defer r.Close()
	limit := b.MaxGetBytes
	if limit == 0 {
		limit = DefaultMaxGetBytes
	}
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read gs://%s/%s: %w", b.Bucket, key, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("gs://%s/%s is larger than %d bytes", b.Bucket, key, limit)
	}
	return body, nil
}
