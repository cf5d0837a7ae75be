package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var _ images.MetadataStore = (*Store)(nil)

// Store is the PostgreSQL images.MetadataStore. The schema comes from Migrate.
type Store struct {
	pool *Pool
}

// NewStore returns a Store on pool.
func NewStore(pool *Pool) *Store { return &Store{pool: pool} }

// Parameters are sent as text (QueryExecModeExec types a Go string as text), hence the
// explicit casts to uuid.

// Create implements images.MetadataStore.
func (s *Store) Create(ctx context.Context, img images.Image) error {
	if img.Status != images.StatusPending {
		return fmt.Errorf("cannot create image %q with status %q: new images are pending", img.ID, img.Status)
	}
	db, err := s.pool.Get(ctx)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx,
		`INSERT INTO images (id, status, original_key, content_type, size_bytes) VALUES ($1::uuid, 'pending', $2, $3, $4)`,
		img.ID, img.OriginalKey, img.ContentType, img.SizeBytes)
	if err != nil {
		return fmt.Errorf("cannot insert image %q: %w", img.ID, err)
	}
	return nil
}

// Get implements images.MetadataStore.
func (s *Store) Get(ctx context.Context, id string) (images.Image, error) {
	db, err := s.pool.Get(ctx)
	if err != nil {
		return images.Image{}, err
	}
	var img images.Image
	var status string
	err = db.QueryRow(ctx,
		`SELECT id::text, status, original_key, content_type, size_bytes, coalesce(thumbnail_key, ''), coalesce(error, ''), created_at, updated_at
		   FROM images WHERE id = $1::uuid`, id).
		Scan(&img.ID, &status, &img.OriginalKey, &img.ContentType, &img.SizeBytes, &img.ThumbnailKey, &img.Error, &img.CreatedAt, &img.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return images.Image{}, fmt.Errorf("image %q: %w", id, images.ErrNotFound)
	}
	if err != nil {
		return images.Image{}, fmt.Errorf("cannot read image %q: %w", id, err)
	}
	img.Status = images.Status(status)
	return img, nil
}

// MarkDone implements images.MetadataStore.
func (s *Store) MarkDone(ctx context.Context, id, thumbnailKey string) (bool, error) {
	return s.transition(ctx, id, "done",
		`UPDATE images SET status = 'done', thumbnail_key = $2, updated_at = now() WHERE id = $1::uuid AND status = 'pending'`,
		id, thumbnailKey)
}

// MarkFailed implements images.MetadataStore.
func (s *Store) MarkFailed(ctx context.Context, id, reason string) (bool, error) {
	return s.transition(ctx, id, "failed",
		`UPDATE images SET status = 'failed', error = $2, updated_at = now() WHERE id = $1::uuid AND status = 'pending'`,
		id, reason)
}

func (s *Store) transition(ctx context.Context, id, to, sql string, args ...any) (bool, error) {
	db, err := s.pool.Get(ctx)
	if err != nil {
		return false, err
	}
	tag, err := db.Exec(ctx, sql, args...)
	if err != nil {
		return false, fmt.Errorf("cannot mark image %q %s: %w", id, to, err)
	}
	return tag.RowsAffected() == 1, nil
}
