package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/queue/queuetest"
)

func TestAWSQueueConformance(t *testing.T) {
	queuetest.Run(t, queue.NewAWSQueue, queuetest.Cloud{
		DeadLetter: func(t *testing.T, r componenttest.Result, maxReceiveCount int) {
			main := r.Named(t, "aws:sqs/queue:Queue", "jobs")
			dlq := r.Named(t, "aws:sqs/queue:Queue", "jobs-dlq")
			var redrive struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     int    `json:"maxReceiveCount"`
			}
			if err := json.Unmarshal([]byte(componenttest.Str(main.Inputs, "redrivePolicy")), &redrive); err != nil {
				t.Fatalf("redrivePolicy: %v", err)
			}
			want := struct {
				DeadLetterTargetArn string `json:"deadLetterTargetArn"`
				MaxReceiveCount     int    `json:"maxReceiveCount"`
			}{componenttest.Str(dlq.Outputs, "arn"), maxReceiveCount}
			if diff := cmp.Diff(want, redrive); diff != "" {
				t.Errorf("redrive policy (-want +got):\n%s", diff)
			}
			allow := r.One(t, "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy")
			if got, want := componenttest.Str(allow.Inputs, "queueUrl"), componenttest.Str(dlq.Outputs, "url"); got != want {
				t.Errorf("redrive allow policy is on %q, want the DLQ %q", got, want)
			}
			var allowPolicy map[string]any
			_ = json.Unmarshal([]byte(componenttest.Str(allow.Inputs, "redriveAllowPolicy")), &allowPolicy)
			wantAllow := map[string]any{"redrivePermission": "byQueue", "sourceQueueArns": []any{componenttest.Str(main.Outputs, "arn")}}
			if diff := cmp.Diff(wantAllow, allowPolicy); diff != "" {
				t.Errorf("redrive allow policy (-want +got):\n%s", diff)
			}
			alarm := r.One(t, "aws:cloudwatch/metricAlarm:MetricAlarm")
			gotAlarm := map[string]any{
				"metric":    componenttest.Str(alarm.Inputs, "metricName"),
				"queue":     componenttest.Str(alarm.Inputs, "dimensions.QueueName"),
				"op":        componenttest.Str(alarm.Inputs, "comparisonOperator"),
				"threshold": componenttest.Prop(alarm.Inputs, "threshold"),
			}
			wantAlarm := map[string]any{"metric": "ApproximateNumberOfMessagesVisible", "queue": componenttest.Str(dlq.Outputs, "name"), "op": "GreaterThanThreshold", "threshold": 0.0}
			if diff := cmp.Diff(wantAlarm, gotAlarm); diff != "" {
				t.Errorf("DLQ alarm (-want +got):\n%s", diff)
			}
		},
		Encrypted: func(t *testing.T, r componenttest.Result) {
			for _, q := range r.ByType("aws:sqs/queue:Queue") {
				if componenttest.Prop(q.Inputs, "sqsManagedSseEnabled") != true {
					t.Errorf("queue %s is not encrypted (sqsManagedSseEnabled)", q.Name)
				}
			}
		},
		Grants: func(t *testing.T, publish, subscribe link.Grant) {
			if diff := cmp.Diff([]string{"sqs:SendMessage"}, actions(publish)); diff != "" {
				t.Errorf("publish actions (-want +got):\n%s", diff)
			}
			want := []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}
			if diff := cmp.Diff(want, actions(subscribe)); diff != "" {
				t.Errorf("subscribe actions (-want +got):\n%s", diff)
			}
			es := componenttest.Binding[link.AWSBinding](t, subscribe).EventSource
			if es == nil {
				t.Fatal("subscribe grant has no event source")
			}
			got := []int{es.BatchSize, es.MaxConcurrency, es.VisibilityTimeoutSeconds}
			if diff := cmp.Diff([]int{5, 4, 180}, got); diff != "" {
				t.Errorf("event source batch size, max concurrency, visibility (-want +got):\n%s", diff)
			}
			if componenttest.Binding[link.AWSBinding](t, publish).EventSource != nil {
				t.Error("publishing must not subscribe")
			}
		},
	})
}

func actions(g link.Grant) []string {
	var out []string
	b, _ := g.Binding.(link.AWSBinding)
	for _, s := range b.Statements {
		out = append(out, s.Actions...)
	}
	return out
}

// TestAWSQueueAlarmNotifies checks that the dead-letter alarm notifies the alert target when it
// fires and when it clears: the topic the queue creates, or the existing one it is given.
func TestAWSQueueAlarmNotifies(t *testing.T) {
	const existing = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
	cases := map[string]struct {
		reason string
		alerts alerts.AlertsArgs
		topics int
	}{
		"created":  {reason: "by default the queue creates an encrypted topic, subscribing the emails", alerts: alerts.AlertsArgs{Emails: []string{"ops@example.com"}}, topics: 1},
		"existing": {reason: "an existing topic is used as it is", alerts: alerts.AlertsArgs{Existing: existing}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var target string
			r := componenttest.Run(t, func(ctx *pulumi.Context) error {
				q, err := queue.NewAWSQueue(ctx, "jobs", &queue.QueueArgs{Alerts: tc.alerts})
				if err != nil {
					return err
				}
				target, _ = componenttest.Await(t, pulumi.Map{"t": q.AlertTarget})["t"].(string)
				return nil
			})
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			r.AssertContained(t, queue.Type, "jobs")
			if n := len(r.ByType("aws:sns/topic:Topic")); n != tc.topics {
				t.Errorf("%s: want %d topics, got %d", tc.reason, tc.topics, n)
			}
			if tc.topics == 1 {
				if want := componenttest.Str(r.One(t, "aws:sns/topic:Topic").Outputs, "arn"); target != want {
					t.Errorf("%s: alert target %q is not the topic %q", tc.reason, target, want)
				}
			} else if target != existing {
				t.Errorf("%s: alert target %q, want %q", tc.reason, target, existing)
			}
			alarm := r.One(t, "aws:cloudwatch/metricAlarm:MetricAlarm")
			got := map[string]any{"alarm": componenttest.Prop(alarm.Inputs, "alarmActions"), "ok": componenttest.Prop(alarm.Inputs, "okActions")}
			want := map[string]any{"alarm": []any{target}, "ok": []any{target}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: the DLQ alarm notifies the target (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := queue.NewAWSQueue(ctx, "jobs", &queue.QueueArgs{Alerts: alerts.AlertsArgs{Emails: []string{"not an address"}}})
		return err
	}, `queue "jobs": Alerts: alerts "jobs-alerts": Emails[0] must be a plain email address`)
	componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
		_, err := queue.NewAWSQueue(ctx, "jobs", &queue.QueueArgs{Alerts: alerts.AlertsArgs{Existing: "ops-alarms"}})
		return err
	}, `queue "jobs": alerts "jobs-alerts": Existing must be an SNS topic ARN`)
}
