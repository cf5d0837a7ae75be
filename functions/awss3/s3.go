package awss3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	awshttp "github.com/aws/smithy-go/transport/http"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var _ images.BlobStore = (*Blobs)(nil)

// DefaultMaxGetBytes bounds what S3Blobs.Get reads into memory.
const DefaultMaxGetBytes = 64 << 20

// NewClient returns the SDK's S3 client for cfg, at the endpoint the SDK resolves
// (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the regional one; see Config). When the
// endpoint is overridden it uses path-style addressing, which local S3-compatible servers need.
func NewClient(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Options run after the client resolved BaseEndpoint from cfg and the environment.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
	})
}

// Blobs is the S3 images.BlobStore over one bucket.
type Blobs struct {
	client *s3.Client
	bucket string
	// MaxGetBytes bounds the size of objects Get reads; 0 means DefaultMaxGetBytes.
	MaxGetBytes int64
}

// NewBlobs returns the blob store for bucket.
func NewBlobs(client *s3.Client, bucket string) *Blobs {
	return &Blobs{client: client, bucket: bucket}
}

// Put implements images.BlobStore.
func (b *Blobs) Put(ctx context.Context, key string, body []byte, contentType string) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(b.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
	})
	if err != nil {
		return fmt.Errorf("cannot put s3://%s/%s: %w", b.bucket, key, err)
	}
	return nil
}

// Get implements images.BlobStore.
func (b *Blobs) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		var re *awshttp.ResponseError
		if errors.As(err, &nsk) || errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound {
			return nil, fmt.Errorf("s3://%s/%s: %w", b.bucket, key, images.ErrNotFound)
		}
		return nil, fmt.Errorf("cannot get s3://%s/%s: %w", b.bucket, key, err)
	}
	defer out.Body.Close()
	limit := b.MaxGetBytes
	if limit == 0 {
		limit = DefaultMaxGetBytes
	}
	body, err := io.ReadAll(io.LimitReader(out.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read s3://%s/%s: %w", b.bucket, key, err)
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("s3://%s/%s is larger than %d bytes", b.bucket, key, limit)
	}
	return body, nil
}
