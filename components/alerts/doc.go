// Package alerts is where alarms go: a notification target that alarms notify when they fire and
// when they clear, and the people subscribed to it.
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:alerts:Alerts`
// component. Every cloud guarantees: Target is what an alarm's actions name; Emails, when given,
// are subscribed to it (each address confirms once, through the message the cloud sends it; until
// then it receives nothing); with Existing, that target is used as it is and nothing is created
// (its subscriptions are managed where it lives, so Emails must be empty).
//
// A component that owns alarms takes [AlertsArgs] and creates the target as its child with its
// own cloud's constructor (today the queue, the only component with an alarm). A second owner of
// alarms would share one target made by the stack through the cloud selection instead.
//
// AWS (NewAWSAlerts): an SNS topic encrypted with a customer managed KMS key (rotation on) whose
// key policy lets CloudWatch use it: CloudWatch alarms cannot publish to a topic encrypted with
// the AWS managed key alias/aws/sns, whose policy cannot be changed, and an unencrypted topic
// would break the rule that everything is encrypted at rest. The key policy is AWS's default
// statement (the account administers the key through IAM, without which the key could not be
// managed at all) plus kms:Decrypt and kms:GenerateDataKey for cloudwatch.amazonaws.com. The
// topic keeps SNS's default policy (publishing and subscribing by the owner account only), which
// lets the account's alarms publish. Emails become `email` subscriptions. Existing is an SNS topic
// ARN; if that topic is encrypted, its key must let CloudWatch use it (the alarms-notify
// guardrail catches alias/aws/sns).
//
// GCP (NewGCPAlerts): a Cloud Monitoring email notification channel per email; Target is their
// names joined by commas (alert policies take GCPChannels). Existing is a channel's name.
//
// Azure (AzureAlerts.New, ResourceGroupName required): an Azure Monitor action group (location
// Global, short name the first 12 characters of the name) with an email receiver per email, on
// the common alert schema; Target is its ARM id, which metric alerts name in their actions.
// Existing is an action group's id.
package alerts
