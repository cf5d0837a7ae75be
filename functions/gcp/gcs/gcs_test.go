package gcs_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
	"google.golang.org/api/option"

	"github.com/nimbus-iac/nimbus/functions/gcp/gcs"
	"github.com/nimbus-iac/nimbus/functions/images"
)

// server is fake-gcs-server in-process (its HTTP handler behind an httptest server, so that the
// official client speaks its JSON and upload APIs over real HTTP), with one bucket.
func server(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	fs, err := fakestorage.NewServerWithOptions(fakestorage.Options{NoListener: true, InitialObjects: []fakestorage.Object{{ObjectAttrs: fakestorage.ObjectAttrs{BucketName: "nimbus-images", Name: "seed"}, Content: []byte("x")}}})
	if err != nil {
		t.Fatal(err)
	}
	var uploads atomic.Int32
	h := fs.HTTPHandler()
	srv := httptest.NewServer(httpFunc(func(w httpWriter, r *httpRequest) {
		if r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/upload/") {
			uploads.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(fs.Stop)
	return srv.URL, &uploads
}

func TestBlobs(t *testing.T) {
	t.Parallel()
	url, uploads := server(t)
	b := gcs.NewBlobs("nimbus-images", option.WithEndpoint(url+"/storage/v1/"), option.WithoutAuthentication())
	ctx := context.Background()
	body := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 1000)
	if err := b.Put(ctx, "originals/a", body, images.TypePNG); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, "originals/a")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("got %d bytes back, want the %d put", len(got), len(body))
	}
	if n := uploads.Load(); n != 1 {
		t.Errorf("%d upload requests, want 1 (a single-request upload)", n)
	}
	// A second write of the key (a retried job) is done already: objectCreator may not
	// overwrite, so it is conditioned on the object not existing and a precondition failure
	// is success; the object keeps its bytes.
	if err := b.Put(ctx, "originals/a", []byte("other"), images.TypePNG); err != nil {
		t.Errorf("a second put of the same key: %v, want done", err)
	}
	if got, err := b.Get(ctx, "originals/a"); err != nil || !bytes.Equal(got, body) {
		t.Errorf("after a second put the object is %d bytes (%v), want the first %d", len(got), err, len(body))
	}
	if _, err := b.Get(ctx, "originals/missing"); !errors.Is(err, images.ErrNotFound) {
		t.Errorf("a missing object: got %v, want images.ErrNotFound", err)
	}
	b.MaxGetBytes = 100
	if _, err := b.Get(ctx, "originals/a"); err == nil || !strings.Contains(err.Error(), "larger than 100 bytes") {
		t.Errorf("over the read limit: got %v", err)
	}
	other := gcs.NewBlobs("no-such-bucket", option.WithEndpoint(url+"/storage/v1/"), option.WithoutAuthentication())
	if err := other.Put(ctx, "k", []byte("x"), "text/plain"); err == nil {
		t.Error("a put to a missing bucket succeeded")
	}
}
