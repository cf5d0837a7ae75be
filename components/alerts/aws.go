package alerts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var _ Constructor = NewAWSAlerts

// NewAWSAlerts creates an encrypted SNS topic CloudWatch alarms can publish to, with email
// subscriptions, or uses an existing topic.
func NewAWSAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args != nil {
		if err := CheckAWS(name, *args); err != nil {
			return nil, err
		}
	}
	al, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	if a.Existing != "" {
		al.Target = pulumi.String(a.Existing).ToStringOutput()
		return al, al.finish(ctx)
	}
	parent := pulumi.Parent(al)

	caller, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot read the account of alerts %q: %w", name, err)
	}
	partition, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot read the partition of alerts %q: %w", name, err)
	}
	policy, err := keyPolicy(partition.Partition, caller.AccountId)
	if err != nil {
		return nil, err
	}
	key, err := kms.NewKey(ctx, name, &kms.KeyArgs{
		Description:       pulumi.Sprintf("Encrypts the alarm topic %s; CloudWatch may use it to publish", name),
		EnableKeyRotation: pulumi.Bool(true),
		Policy:            pulumi.String(policy),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the key of alerts %q: %w", name, err)
	}
	topic, err := sns.NewTopic(ctx, name, &sns.TopicArgs{
		DisplayName:    pulumi.String(displayName(name)),
		KmsMasterKeyId: key.Arn,
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the topic of alerts %q: %w", name, err)
	}
	for i, email := range a.Emails {
		if _, err := sns.NewTopicSubscription(ctx, fmt.Sprintf("%s-email-%d", name, i+1), &sns.TopicSubscriptionArgs{
			Topic:    topic.Arn,
			Protocol: pulumi.String("email"),
			Endpoint: pulumi.String(email),
		}, parent); err != nil {
			return nil, fmt.Errorf("cannot subscribe %s to alerts %q: %w", email, name, err)
		}
	}
	al.Target = topic.Arn
	return al, al.finish(ctx)
}

// CheckAWS rejects what AWS cannot use: an Existing target that is not an SNS topic ARN.
// Components that create alerts on AWS call it before registering anything.
func CheckAWS(name string, a AlertsArgs) error {
	if a.Existing != "" && !snsTopicARN.MatchString(a.Existing) {
		return fmt.Errorf("alerts %q: Existing must be an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms on AWS, got %q", name, a.Existing)
	}
	return nil
}

// keyPolicy is AWS's default key policy (the account administers the key through IAM) plus the
// use CloudWatch makes of it when an alarm publishes to the topic.
func keyPolicy(partition, account string) (string, error) {
	doc := map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{
				"Sid":       "AccountAdministersTheKey",
				"Effect":    "Allow",
				"Principal": map[string]string{"AWS": fmt.Sprintf("arn:%s:iam::%s:root", partition, account)},
				"Action":    "kms:*",
				"Resource":  "*", // in a key policy, "*" is this key
			},
			{
				"Sid":       "CloudWatchPublishesAlarms",
				"Effect":    "Allow",
				"Principal": map[string]string{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey"},
				"Resource":  "*",
			},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("cannot write the key policy: %w", err)
	}
	return string(b), nil
}

// displayName is the sender name of the topic's emails (at most 100 characters).
func displayName(name string) string {
	n := "nimbus alarms: " + strings.TrimSuffix(name, "-alerts")
	if len(n) > 100 {
		n = n[:100]
	}
	return n
}
