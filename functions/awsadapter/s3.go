package awsadapter

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/nimbus-iac/nimbus/functions/awss3"
)

// S3Blobs is the S3 images.BlobStore over one bucket (package awss3, shared with the container
// servers).
type S3Blobs = awss3.Blobs

// DefaultMaxGetBytes bounds what S3Blobs.Get reads into memory.
const DefaultMaxGetBytes = awss3.DefaultMaxGetBytes

// NewS3Client returns the SDK's S3 client for cfg (awss3.NewClient: path-style addressing when
// the endpoint is overridden).
func NewS3Client(cfg aws.Config) *s3.Client { return awss3.NewClient(cfg) }

// NewS3Blobs returns the blob store for bucket.
func NewS3Blobs(client *s3.Client, bucket string) *S3Blobs { return awss3.NewBlobs(client, bucket) }
