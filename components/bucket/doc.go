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
//
// Kubernetes (S3Compatible.New): an existing bucket of an S3-compatible store (MinIO, Ceph RGW,
// a cloud's S3 API) named by config; nothing is created in the cluster. The store is where the
// guarantees above are kept: its bucket policy, encryption and lifecycle rules (ExpireDays and
// ForceDestroy are not applied by nimbus there), and the access key's policy, which should allow
// exactly the uses granted. Endpoint must be https://, except plain http:// to an in-cluster
// Service. Grants carry a link.KubernetesBinding whose SharedEnv are the S3 SDK's own variables
// (docs/function-contract.md): AWS_ENDPOINT_URL_S3 and AWS_REGION plain, AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY as secretKeyRefs to CredentialsSecret's keys of those names; BUCKET is
// the bucket's name. No key is in a manifest or the state.
//
// GCP (GCP.New, Location required: the stack's gcp:region or a multi-region): a Cloud Storage
// bucket with uniform bucket-level access (IAM only, no ACLs), public access prevention enforced,
// lifecycle rules aborting incomplete multipart uploads after 7 days and, with ExpireDays, deleting
// objects that age; ForceDestroy as on AWS. Cloud Storage encrypts every object at rest with
// Google-managed keys; it has no bucket policy that refuses plain HTTP as S3's does, so TLS rests
// on the clients (the official client libraries use HTTPS only), and with public access
// prevention no unauthenticated request reads anything. Grants carry a link.GCPBinding with one Grants entry per prefix, applied by
// the consumer (link.ApplyGCPGrants) once its service account exists: a BucketIAMMember
// (gcp:storage/bucketIAMMember) for its member of roles/storage.objectViewer (read), roles/storage.objectCreator (write: create
// only, it can neither overwrite nor delete an object) or roles/storage.objectUser (read and write
// on one prefix), with, for a prefix, the IAM condition
// resource.name.startsWith("projects/_/buckets/BUCKET/objects/PREFIX") (PrefixCondition), named
// CONSUMER-LINK-USE[-PREFIX]. Conditions match object names, and listing is checked on the bucket,
// so a read on a prefix gets objects under it but cannot list them (a missing object is then
// "not found", since the caller may get that name; not checked against a real bucket here); a
// read of the whole bucket lists too. BUCKET, the env value, is plain.
//
// Azure (AzureBlob.New, ResourceGroupName, Location and SubscriptionID required, Redundancy
// Standard_LRS or Standard_ZRS): a StorageV2 account of its own per bucket (its name from the
// bucket's and a hash of project, stack and bucket: AccountName), with public blob access off,
// shared key access off (Entra identities only), TLS 1.2 and HTTPS only, and a private container
// named after the bucket. ExpireDays is a lifecycle policy deleting block blobs that many days
// after their last write. Without ForceDestroy the account is retained on destroy, since Azure
// deletes an account's blobs with it. Grants carry a link.AzureBinding with ACCOUNT_URL (the
// account's blob endpoint) and a role assignment per prefix on the container only: Storage Blob
// Data Reader for read, Contributor for write (Azure has no write-only data role), narrowed with
// a condition (version 2.0, BlobCondition) to blob paths under the prefix, write alone denying
// reads.
package bucket
