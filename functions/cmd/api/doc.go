// Command api is the API Lambda function: it serves POST /images, GET /images/{id} and
// GET /healthz behind API Gateway's HTTP API (payload format 2.0), through
// awsadapter.NewAPIFunction.
//
// Environment (docs/function-contract.md): IMAGES_BUCKET, JOBS_QUEUE_URL,
// MAX_UPLOAD_BYTES, DB_*. It does no network or database work before its first
// invocation.
package main
