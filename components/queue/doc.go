// Package queue decouples producers from consumers: the API puts a job on a queue and answers at
// once; a worker is invoked with batches of jobs, retries what fails, and a job that keeps failing
// moves to a dead-letter queue instead of blocking or vanishing.
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:queue:Queue`
// component. Every cloud guarantees: messages encrypted at rest; a dead-letter queue after
// MaxReceiveCount deliveries, that only this queue may feed; an alarm when the dead-letter queue
// holds anything, notifying the queue's Alerts (package alerts) when it fires and when it clears;
// [Queue.Publish] grants sending only, [Queue.Subscribe] grants receiving and
// deleting only and makes the queue invoke the consumer with partial-batch failure reporting, so
// one bad job never fails its batch.
//
// AWS (NewAWSQueue): SQS queues with SSE-SQS, a redrive policy on the source, a redrive allow
// policy on the DLQ naming the source (byQueue), a CloudWatch alarm on the DLQ's visible messages
// whose alarm and OK actions are the SNS topic of a child alerts component (NewAWSAlerts).
// The visibility timeout must be at least 6 x the consumer's timeout plus its batching window (AWS's
// advice for Lambda consumers); subscribing a consumer with a longer timeout is an error.
// Grants carry a link.AWSBinding: Publish is sqs:SendMessage on the queue; Subscribe is
// sqs:ReceiveMessage, DeleteMessage and GetQueueAttributes plus an EventSource the function turns
// into its event source mapping. Env values are plain.
// Defaults: MaxReceiveCount 5, retention 4 days, DLQ retention 14 days, visibility 180 s.
package queue
