package queue

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = NewAWSQueue
	_ granter     = awsGrants{}
)

// NewAWSQueue creates an SQS queue with its dead-letter queue and alarm.
func NewAWSQueue(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	if args != nil {
		if err := alerts.CheckAWS(name+"-alerts", args.Alerts); err != nil {
			return nil, fmt.Errorf("queue %q: %w", name, err)
		}
	}
	q, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)

	dlq, err := sqs.NewQueue(ctx, name+"-dlq", &sqs.QueueArgs{
		MessageRetentionSeconds: pulumi.Int(a.DeadLetterRetentionSeconds),
		SqsManagedSseEnabled:    pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create dead-letter queue %q: %w", name+"-dlq", err)
	}
	main, err := sqs.NewQueue(ctx, name, &sqs.QueueArgs{
		MessageRetentionSeconds:  pulumi.Int(a.RetentionSeconds),
		VisibilityTimeoutSeconds: pulumi.Int(a.VisibilityTimeoutSeconds),
		SqsManagedSseEnabled:     pulumi.Bool(true),
		RedrivePolicy: dlq.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]any{"deadLetterTargetArn": arn, "maxReceiveCount": a.MaxReceiveCount})
			return string(b), err
		}).(pulumi.StringOutput),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create queue %q: %w", name, err)
	}
	if _, err := sqs.NewRedriveAllowPolicy(ctx, name+"-dlq", &sqs.RedriveAllowPolicyArgs{
		QueueUrl: dlq.Url,
		RedriveAllowPolicy: main.Arn.ApplyT(func(arn string) (string, error) {
			b, err := json.Marshal(map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []string{arn}})
			return string(b), err
		}).(pulumi.StringOutput),
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot limit dead-letter queue %q to its source: %w", name+"-dlq", err)
	}
	notify, err := alerts.NewAWSAlerts(ctx, name+"-alerts", &a.Alerts, parent)
	if err != nil {
		return nil, err
	}
	// Notified when jobs land in the DLQ and again when it is empty: whoever drains it learns
	// the alarm is over without looking.
	actions := pulumi.Array{notify.Target}
	if _, err := cloudwatch.NewMetricAlarm(ctx, name+"-dlq-not-empty", &cloudwatch.MetricAlarmArgs{
		AlarmDescription:   pulumi.Sprintf("Jobs of queue %s failed %d times and wait in its dead-letter queue", name, a.MaxReceiveCount),
		Namespace:          pulumi.String("AWS/SQS"),
		MetricName:         pulumi.String("ApproximateNumberOfMessagesVisible"),
		Dimensions:         pulumi.StringMap{"QueueName": dlq.Name},
		Statistic:          pulumi.String("Maximum"),
		Period:             pulumi.Int(60),
		EvaluationPeriods:  pulumi.Int(1),
		Threshold:          pulumi.Float64(0),
		ComparisonOperator: pulumi.String("GreaterThanThreshold"),
		TreatMissingData:   pulumi.String("notBreaching"),
		AlarmActions:       actions,
		OkActions:          actions,
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot create alarm for dead-letter queue %q: %w", name+"-dlq", err)
	}

	q.Name = main.Name
	q.Address = main.Url
	q.DeadLetterAddress = dlq.Url
	q.AlertTarget = notify.Target
	q.grants = awsGrants{arn: main.Arn, visibility: a.VisibilityTimeoutSeconds}
	return q, q.finish(ctx)
}

type awsGrants struct {
	arn        pulumi.StringOutput
	visibility int
}

func (g awsGrants) publish() link.Binding {
	return link.AWSBinding{Statements: []link.Statement{{
		Actions:   []string{"sqs:SendMessage"},
		Resources: pulumi.StringArray{g.arn},
	}}}
}

func (g awsGrants) subscribe(a SubscribeArgs) link.Binding {
	return link.AWSBinding{
		Statements: []link.Statement{{
			// What a Lambda event source mapping needs of its consumer's role, and no more: the
			// worker itself never calls SQS (failures go back through partial batch responses).
			Actions:   []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
			Resources: pulumi.StringArray{g.arn},
		}},
		EventSource: &link.EventSource{
			SourceARN:                g.arn,
			BatchSize:                a.BatchSize,
			BatchWindowSeconds:       a.BatchWindowSeconds,
			MaxConcurrency:           a.MaxConcurrency,
			VisibilityTimeoutSeconds: g.visibility,
		},
	}
}
