package queue_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

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
			es := subscribe.AWS.EventSource
			if es == nil {
				t.Fatal("subscribe grant has no event source")
			}
			got := []int{es.BatchSize, es.MaxConcurrency, es.VisibilityTimeoutSeconds}
			if diff := cmp.Diff([]int{5, 4, 180}, got); diff != "" {
				t.Errorf("event source batch size, max concurrency, visibility (-want +got):\n%s", diff)
			}
			if publish.AWS.EventSource != nil {
				t.Error("publishing must not subscribe")
			}
		},
	})
}

func actions(g link.Grant) []string {
	var out []string
	for _, s := range g.AWS.Statements {
		out = append(out, s.Actions...)
	}
	return out
}
