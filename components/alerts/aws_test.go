package alerts_test

import (
	"encoding/json"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/componenttest"
)

const existing = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"

func run(t *testing.T, args *alerts.AlertsArgs) (componenttest.Result, string) {
	t.Helper()
	var target string
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		al, err := alerts.NewAWSAlerts(ctx, "jobs-alerts", args)
		if err != nil {
			return err
		}
		target, _ = componenttest.Await(t, pulumi.Map{"t": al.Target})["t"].(string)
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	r.AssertContained(t, alerts.Type, "jobs-alerts")
	return r, target
}

func TestAWSAlertsTopic(t *testing.T) {
	r, target := run(t, &alerts.AlertsArgs{Emails: []string{"ops@example.com", "oncall@example.com"}})
	topic := r.One(t, "aws:sns/topic:Topic")
	key := r.One(t, "aws:kms/key:Key")
	if target != componenttest.Str(topic.Outputs, "arn") {
		t.Errorf("target %q is not the topic's ARN %q", target, componenttest.Str(topic.Outputs, "arn"))
	}
	got := map[string]any{"topicKey": componenttest.Prop(topic.Inputs, "kmsMasterKeyId"), "rotation": componenttest.Prop(key.Inputs, "enableKeyRotation")}
	want := map[string]any{"topicKey": componenttest.Str(key.Outputs, "arn"), "rotation": true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("topic encrypted with its own rotating key, not alias/aws/sns (-want +got):\n%s", diff)
	}

	var policy struct {
		Statement []struct {
			Sid       string
			Principal map[string]string
			Action    any
		}
	}
	if err := json.Unmarshal([]byte(componenttest.Str(key.Inputs, "policy")), &policy); err != nil {
		t.Fatalf("key policy: %v", err)
	}
	principals := map[string]any{}
	for _, s := range policy.Statement {
		for kind, who := range s.Principal {
			principals[kind+" "+who] = s.Action
		}
	}
	wantPrincipals := map[string]any{
		"AWS arn:aws:iam::123456789012:root": "kms:*", // AWS's default: the account manages the key through IAM
		"Service cloudwatch.amazonaws.com":   []any{"kms:Decrypt", "kms:GenerateDataKey"},
	}
	if diff := cmp.Diff(wantPrincipals, principals); diff != "" {
		t.Errorf("key policy: the account, and CloudWatch to publish only (-want +got):\n%s", diff)
	}

	var subs [][2]any
	for _, s := range r.ByType("aws:sns/topicSubscription:TopicSubscription") {
		if componenttest.Str(s.Inputs, "topic") != target || componenttest.Str(s.Inputs, "protocol") != "email" {
			t.Errorf("subscription %s: want email on %s, got %v", s.Name, target, s.Inputs)
		}
		subs = append(subs, [2]any{s.Name, componenttest.Str(s.Inputs, "endpoint")})
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i][0].(string) < subs[j][0].(string) })
	if diff := cmp.Diff([][2]any{{"jobs-alerts-email-1", "ops@example.com"}, {"jobs-alerts-email-2", "oncall@example.com"}}, subs); diff != "" {
		t.Errorf("one email subscription per address (-want +got):\n%s", diff)
	}
}

func TestAWSAlertsExisting(t *testing.T) {
	r, target := run(t, &alerts.AlertsArgs{Existing: existing})
	if target != existing {
		t.Errorf("target %q, want the existing topic %q", target, existing)
	}
	if n := len(r.Resources); n != 1 {
		t.Errorf("an existing topic creates nothing but the component, got %d resources", n)
	}
}

func TestAWSAlertsInvalid(t *testing.T) {
	cases := map[string]struct {
		args alerts.AlertsArgs
		want []string
	}{
		"email": {
			args: alerts.AlertsArgs{Emails: []string{"Ops <ops@example.com>", "nobody"}},
			want: []string{
				`alerts "a": Emails[0] must be a plain email address like ops@example.com, got "Ops <ops@example.com>"`,
				`alerts "a": Emails[1] must be a plain email address like ops@example.com, got "nobody"`,
			},
		},
		"both": {
			args: alerts.AlertsArgs{Existing: existing, Emails: []string{"ops@example.com"}},
			want: []string{`alerts "a": Emails must be empty with Existing (` + existing + `)`},
		},
		"not a topic": {
			args: alerts.AlertsArgs{Existing: "arn:aws:sqs:eu-west-1:123456789012:q"},
			want: []string{`alerts "a": Existing must be an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alarms on AWS, got "arn:aws:sqs:eu-west-1:123456789012:q"`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := alerts.NewAWSAlerts(ctx, "a", &tc.args)
				return err
			}, tc.want...)
		})
	}
}
