// Package awss3 is what the functions need of aws-sdk-go-v2 to reach S3 and nothing more, so that
// the container servers (package knative) do not link the Lambda, SQS and Secrets Manager code of
// package awsadapter:
//
//   - [Config]: the SDK configuration from the environment (region, static credentials, the SDK's
//     AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> overrides), without the SDK's config package
//     and its credential providers; no network call. A missing region or key is an error naming
//     the variables on first use.
//   - [NewClient]: the SDK's S3 client, with path-style addressing when the endpoint is
//     overridden (S3-compatible stores such as MinIO, gofakes3).
//   - [Blobs]: the images.BlobStore on one bucket; Get maps a missing key to images.ErrNotFound and
//     reads at most MaxGetBytes.
package awss3
