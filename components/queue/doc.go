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
//
// Kubernetes (Knative.New): two Knative Eventing Brokers in the namespace, NAME and NAME-dlq, of
// class Kafka by default. Kafka rather than RabbitMQ because Knative's Kafka broker keeps events
// as records of a replicated topic for the topic's retention whether or not they were delivered
// (so the dead-letter Broker keeps failed jobs for inspection and replay), it is maintained in
// the Knative project itself (eventing-kafka-broker), and it needs no per-broker exchange and queue
// topology. Its ConfigMap (KafkaConfig, default knative-eventing/kafka-broker-config) sets the
// bootstrap servers, partitions, replication and retention. BrokerInMemory (the
// MTChannelBasedBroker over the cluster's default InMemoryChannel) only when a stack asks for it:
// a dispatcher restart loses its events. Address and DeadLetterAddress are the Brokers' ingress
// URLs: status.address.url once Knative's controller has set it, else the URL Knative documents
// for the class (http://kafka-broker-ingress.knative-eventing.svc.cluster.local/NS/NAME, or
// broker-ingress for the in-memory class), because with no controller running (a plan, an API
// server alone) the status stays empty. Grants carry a link.KubernetesBinding: Publish adds
// BROKER_URL (JOBS_BROKER_URL for the container api server); Subscribe carries a
// link.Subscription the consumer turns into its Trigger: filter type dev.nimbus.images.job,
// delivery.retry MaxReceiveCount-1 (Knative counts retries after the first delivery, SQS counts
// deliveries), backoffPolicy exponential from BackoffDelay (default PT0.5S), deadLetterSink the
// NAME-dlq Broker, and the consumer's /deadletter path subscribed to that Broker so the worker
// marks the job failed (docs/function-contract.md). SubscribeArgs' batching does not apply:
// Knative delivers one event per request; MaxConcurrency caps the consumer's concurrent events. There is no alarm yet: Alerts must be empty.
//
// GCP (PubSub.New): a Pub/Sub topic, a dead-letter topic NAME-dlq retaining messages
// DeadLetterRetentionSeconds, a pull subscription on it that keeps them (retention at most 7
// days, never expiring) for inspection, an alert policy on that subscription's
// num_undelivered_messages > 0 notifying the alerts' email channels (alerts.NewGCPAlerts), and a
// service account NAME-push the push subscriptions authenticate as. MaxReceiveCount must be 5 to
// 100 (Pub/Sub's maxDeliveryAttempts; a smaller count is an error, never raised silently),
// RetentionSeconds 600 to 604800. Grants carry a link.GCPBinding: Publish has TOPIC and a Grant of
// roles/pubsub.publisher on the topic for the consumer; Subscribe has DELIVERY pubsub-push,
// PUSH_AUDIENCE (the topic's id, the OIDC token's audience: known before the consumer's URL) and
// PUSH_SERVICE_ACCOUNT, its MaxConcurrency, and a Delivery the Cloud Run function applies once
// its service exists: roles/run.invoker on that service only for the push identity, the push
// subscription (ackDeadlineSeconds VisibilityTimeoutSeconds within 10..600, retry backoff
// MinBackoff..MaxBackoff, default 10s..600s, deadLetterPolicy NAME-dlq with MaxReceiveCount
// attempts, push endpoint URL + "/", OIDC token), and the Pub/Sub service agent's
// roles/pubsub.publisher on NAME-dlq and roles/pubsub.subscriber on the subscription (its number
// from organizations.getProject), without which dead-lettering silently does nothing; and a
// second push subscription CONSUMER-dlq-push on NAME-dlq (same identity, audience and backoff,
// no dead-letter policy, retention as the pull subscription's) to URL + "/deadletter", where the
// worker marks failed the jobs Pub/Sub dead-lettered without a last attempt it answered.
//
// Azure (ServiceBus.New, ResourceGroupName, Location and SubscriptionID required, Sku Standard
// or Premium): a Service Bus namespace with local (SAS key) authentication off and TLS 1.2 at
// least, and a queue in it with maxDeliveryCount MaxReceiveCount, lockDuration
// VisibilityTimeoutSeconds (5 s to Service Bus's 5 minutes: a longer job renews its lock),
// defaultMessageTimeToLive RetentionSeconds and dead-lettering on expiry. Dead letters go to the
// queue's own dead-letter subqueue (DeadLetterAddress QUEUE/$deadletterqueue), which only the
// queue feeds; Service Bus does not expire them, so DeadLetterRetentionSeconds has no effect. A
// metric alert on the namespace's DeadletteredMessages for the queue (> 0, 5-minute window,
// auto-mitigating) notifies an action group (alerts.AzureAlerts). Grants carry a
// link.AzureBinding: Publish has QUEUE_NAME and NAMESPACE (the namespace's host name) and a role
// assignment of Azure Service Bus Data Sender on the queue for the consumer's identity;
// Subscribe the same with Data Receiver, DELIVERY servicebus (the worker's receive loop), its
// MaxConcurrency, and a KEDA azure-servicebus scale rule (namespace, queueName, messageCount
// BatchSize) for the consumer's app.
package queue
