package imagestest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var (
	_ images.BlobStore     = (*Blobs)(nil)
	_ images.JobPublisher  = (*Jobs)(nil)
	_ images.MetadataStore = (*Meta)(nil)
)

// Blobs is an in-memory BlobStore.
type Blobs struct {
	mu      sync.Mutex
	objects map[string]Object
	puts    map[string]int
	// PutErr and GetErr, when set, are returned by every Put or Get.
	PutErr, GetErr error
}

// Object is a stored blob.
type Object struct {
	Body        []byte
	ContentType string
}

// Put implements images.BlobStore.
func (b *Blobs) Put(_ context.Context, key string, body []byte, contentType string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.PutErr != nil {
		return b.PutErr
	}
	if b.objects == nil {
		b.objects, b.puts = map[string]Object{}, map[string]int{}
	}
	b.objects[key] = Object{Body: append([]byte(nil), body...), ContentType: contentType}
	b.puts[key]++
	return nil
}

// Get implements images.BlobStore.
func (b *Blobs) Get(_ context.Context, key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.GetErr != nil {
		return nil, b.GetErr
	}
	o, ok := b.objects[key]
	if !ok {
		return nil, fmt.Errorf("object %q: %w", key, images.ErrNotFound)
	}
	return append([]byte(nil), o.Body...), nil
}

// Objects returns a copy of what is stored.
func (b *Blobs) Objects() map[string]Object {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]Object, len(b.objects))
	for k, v := range b.objects {
		out[k] = v
	}
	return out
}

// Puts returns how many times each key was written.
func (b *Blobs) Puts() map[string]int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]int, len(b.puts))
	for k, v := range b.puts {
		out[k] = v
	}
	return out
}

// Jobs is an in-memory JobPublisher.
type Jobs struct {
	mu        sync.Mutex
	published []images.Job
	// Err, when set, is returned by every Publish.
	Err error
}

// Publish implements images.JobPublisher.
func (j *Jobs) Publish(_ context.Context, job images.Job) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.Err != nil {
		return j.Err
	}
	j.published = append(j.published, job)
	return nil
}

// Published returns the jobs published so far.
func (j *Jobs) Published() []images.Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]images.Job(nil), j.published...)
}

// Meta is an in-memory MetadataStore with the same conditional transitions as the
// PostgreSQL store. Timestamps come from Now (time.Now when nil).
type Meta struct {
	mu          sync.Mutex
	images      map[string]images.Image
	transitions int
	// Errors returned by every call of the named method, when set.
	CreateErr, GetErr, MarkDoneErr, MarkFailedErr error
	Now                                           func() time.Time
}

func (m *Meta) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Create implements images.MetadataStore.
func (m *Meta) Create(_ context.Context, img images.Image) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.CreateErr != nil {
		return m.CreateErr
	}
	if img.Status != images.StatusPending {
		return fmt.Errorf("image %q must be created pending, got %q", img.ID, img.Status)
	}
	if m.images == nil {
		m.images = map[string]images.Image{}
	}
	if _, ok := m.images[img.ID]; ok {
		return fmt.Errorf("image %q already exists", img.ID)
	}
	img.CreatedAt, img.UpdatedAt = m.now(), m.now()
	m.images[img.ID] = img
	return nil
}

// Put stores img as is, for setting up a test.
func (m *Meta) Put(img images.Image) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.images == nil {
		m.images = map[string]images.Image{}
	}
	m.images[img.ID] = img
}

// Get implements images.MetadataStore.
func (m *Meta) Get(_ context.Context, id string) (images.Image, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.GetErr != nil {
		return images.Image{}, m.GetErr
	}
	img, ok := m.images[id]
	if !ok {
		return images.Image{}, fmt.Errorf("image %q: %w", id, images.ErrNotFound)
	}
	return img, nil
}

// MarkDone implements images.MetadataStore.
func (m *Meta) MarkDone(_ context.Context, id, thumbnailKey string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.MarkDoneErr != nil {
		return false, m.MarkDoneErr
	}
	return m.transition(id, func(img *images.Image) {
		img.Status, img.ThumbnailKey = images.StatusDone, thumbnailKey
	}), nil
}

// MarkFailed implements images.MetadataStore.
func (m *Meta) MarkFailed(_ context.Context, id, reason string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.MarkFailedErr != nil {
		return false, m.MarkFailedErr
	}
	return m.transition(id, func(img *images.Image) {
		img.Status, img.Error = images.StatusFailed, reason
	}), nil
}

func (m *Meta) transition(id string, apply func(*images.Image)) bool {
	img, ok := m.images[id]
	if !ok || img.Status != images.StatusPending {
		return false
	}
	apply(&img)
	img.UpdatedAt = m.now()
	m.images[id] = img
	m.transitions++
	return true
}

// Images returns a copy of the records.
func (m *Meta) Images() map[string]images.Image {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]images.Image, len(m.images))
	for k, v := range m.images {
		out[k] = v
	}
	return out
}

// Transitions returns how many state transitions happened.
func (m *Meta) Transitions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.transitions
}
