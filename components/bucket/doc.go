// Package bucket stores objects (uploaded originals, thumbnails).
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:bucket:Bucket`
// component. Every cloud guarantees: no public access of any kind; encryption at rest; TLS-only
// access; objects expire after ExpireDays when set; incomplete multipart uploads are cleaned up
// after 7 days; [Bucket.Grant] hands a consumer exactly read or write on exactly one key prefix;
// read includes listing under that prefix, so a missing object is "not found", not "forbidden".
//
// AWS (NewAWSBucket): an S3 bucket with all four public access blocks, bucket-owner-enforced
// ownership (no ACLs), SSE-S3 encryption, a bucket policy denying requests without TLS, and a
// lifecycle configuration. Read is s3:GetObject on BUCKET/PREFIX* and s3:ListBucket on the bucket
// with the condition StringLike s3:prefix PREFIX* (S3 answers a GET of a missing key with 404
// only to a caller allowed to list the bucket, else 403); write is s3:PutObject on
// BUCKET/PREFIX*, all in the grant's link.AWSBinding (BUCKET, the env value, is plain). ForceDestroy lets `pulumi destroy` delete a bucket that still holds
// objects (dev stacks); leave it off where the objects matter.
package bucket
