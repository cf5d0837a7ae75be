// Command worker is the worker Lambda function: it makes thumbnails from the jobs queue,
// through awsadapter.NewWorkerFunction. It answers SQS events with partial batch
// responses, so the event source mapping must have ReportBatchItemFailures enabled, and
// finishes every batch before the invocation's deadline.
//
// Environment (docs/function-contract.md): IMAGES_BUCKET, JOBS_MAX_RECEIVE_COUNT, DB_*.
// It does no network or database work before its first invocation.
package main
