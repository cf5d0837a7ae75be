package azure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// DefaultMaxGetBytes bounds what Blobs.Get reads into memory, as the S3 and Cloud Storage
// stores do.
const DefaultMaxGetBytes = 64 << 20

// Blobs is the Azure Blob Storage images.BlobStore over one container. Its client is made on
// first use by NewClient (NewBlobs: a token credential for the account's blob endpoint).
type Blobs struct {
	AccountURL string // the account's blob endpoint, https://ACCOUNT.blob.core.windows.net
	Container  string
	// MaxGetBytes bounds the size of blobs Get reads; 0 means DefaultMaxGetBytes.
	MaxGetBytes int64
	// NewClient makes the client of AccountURL; it is called once, on first use.
	NewClient func(accountURL string) (*azblob.Client, error)

	mu     sync.Mutex
	client *azblob.Client
}

var _ images.BlobStore = (*Blobs)(nil)

// NewBlobs returns the blob store of container at accountURL, authenticated with cred (on
// Container Apps the managed identity, which needs a data role such as Storage Blob Data
// Contributor on the container). It does no I/O.
func NewBlobs(accountURL, container string, cred azcore.TokenCredential) *Blobs {
	return &Blobs{AccountURL: accountURL, Container: container, NewClient: func(u string) (*azblob.Client, error) {
		return azblob.NewClient(u, cred, nil)
	}}
}

func (b *Blobs) get() (*azblob.Client, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.client == nil {
		if b.NewClient == nil {
			return nil, errors.New("azure: Blobs.NewClient is not set")
		}
		c, err := b.NewClient(b.AccountURL)
		if err != nil {
			return nil, fmt.Errorf("cannot create the Blob Storage client of %s: %w", b.AccountURL, err)
		}
		b.client = c
	}
	return b.client, nil
}

func (b *Blobs) where(key string) string {
	return strings.TrimSuffix(b.AccountURL, "/") + "/" + b.Container + "/" + key
}

// Put implements images.BlobStore in one Put Blob request, only if the blob does not exist yet
// (If-None-Match: *). A key always names the same bytes (an original's id is new per upload, a
// thumbnail is made the same from its original), so a blob already there, from an earlier
// attempt of the same job or a duplicate delivery, is this write done: the service's 409
// BlobAlreadyExists (or 412 ConditionNotMet) is taken as success, and the blob is never
// overwritten.
func (b *Blobs) Put(ctx context.Context, key string, body []byte, contentType string) error {
	c, err := b.get()
	if err != nil {
		return err
	}
	absent := azcore.ETagAny
	_, err = c.UploadBuffer(ctx, b.Container, key, body, &azblob.UploadBufferOptions{
		HTTPHeaders:      &blob.HTTPHeaders{BlobContentType: &contentType},
		AccessConditions: &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &absent}},
	})
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
			return nil
		}
		return fmt.Errorf("cannot put %s: %w", b.where(key), err)
	}
	return nil
}

// Get implements images.BlobStore.
func (b *Blobs) Get(ctx context.Context, key string) ([]byte, error) {
	c, err := b.get()
	if err != nil {
		return nil, err
	}
	resp, err := c.DownloadStream(ctx, b.Container, key, nil)
	if err != nil {
		if bloberror.HasCode(err, bloberror.BlobNotFound) {
			return nil, fmt.Errorf("%s: %w", b.where(key), images.ErrNotFound)
		}
		return nil, fmt.Errorf("cannot get %s: %w", b.where(key), err)
	}
	defer resp.Body.Close()
	limit := b.MaxGetBytes
	if limit == 0 {
		limit = DefaultMaxGetBytes
	}
	if resp.ContentLength != nil && *resp.ContentLength > limit {
		return nil, fmt.Errorf("%s is %d bytes, larger than %d", b.where(key), *resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", b.where(key), err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", b.where(key), limit)
	}
	return body, nil
}
