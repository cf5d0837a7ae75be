package azure_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// TestBlobs runs the store against Azurite: a put and a get, a missing blob, and the
// conditional create that makes a retried or duplicate thumbnail write a no-op.
func TestBlobs(t *testing.T) {
	az := startAzurite(t, "images")
	ctx := context.Background()
	b := az.blobs(t)

	if err := b.Put(ctx, "thumbnails/a.jpg", []byte("first"), images.TypeJPEG); err != nil {
		t.Fatal(err)
	}
	// A second write of the key (a retried job) succeeds without replacing the blob.
	if err := b.Put(ctx, "thumbnails/a.jpg", []byte("second"), images.TypeJPEG); err != nil {
		t.Fatalf("a second put of the same key: %v, want it taken as done", err)
	}
	got, err := b.Get(ctx, "thumbnails/a.jpg")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff("first", string(got)); diff != "" {
		t.Errorf("blob after two puts: -want +got:\n%s", diff)
	}
	if n := az.Puts("thumbnails/a.jpg"); n != 1 {
		t.Errorf("%d successful Put Blob requests, want 1", n)
	}
	props, err := mustClient(t, az).ServiceClient().NewContainerClient("images").NewBlobClient("thumbnails/a.jpg").GetProperties(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if props.ContentType == nil || *props.ContentType != images.TypeJPEG {
		t.Errorf("content type %v, want %s", props.ContentType, images.TypeJPEG)
	}

	if _, err := b.Get(ctx, "originals/missing"); !errors.Is(err, images.ErrNotFound) {
		t.Errorf("get of a missing blob: %v, want images.ErrNotFound", err)
	}

	b.MaxGetBytes = 3
	if _, err := b.Get(ctx, "thumbnails/a.jpg"); err == nil || !strings.Contains(err.Error(), "larger than 3") {
		t.Errorf("get over MaxGetBytes: %v, want it refused", err)
	}
}

// TestBlobsErrors: a failure other than "already exists" is returned, naming the blob.
func TestBlobsErrors(t *testing.T) {
	az := startAzurite(t, "images")
	f := &failing{match: func(r *http.Request) bool { return true }}
	b := az.blobs(t, f)
	f.set(true)
	err := b.Put(context.Background(), "originals/x", []byte("x"), "image/png")
	if !errors.Is(err, errInjected) || !strings.Contains(err.Error(), az.URL+"/images/originals/x") {
		t.Errorf("put through a failing transport: %v, want the failure, naming the blob", err)
	}
	_, err = b.Get(context.Background(), "originals/x")
	if !errors.Is(err, errInjected) || errors.Is(err, images.ErrNotFound) {
		t.Errorf("get through a failing transport: %v, want the failure, not ErrNotFound", err)
	}
}
