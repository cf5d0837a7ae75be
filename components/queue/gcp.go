package queue

import (
	"fmt"
	"regexp"
	"time"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/monitoring"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/gcprun"
	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = PubSub{}.New
	_ granter     = pubsubGrants{}
)

// Pub/Sub's limits the neutral arguments map onto.
const (
	// MinDeliveryAttempts and MaxDeliveryAttempts bound a dead-letter policy's
	// maxDeliveryAttempts, which MaxReceiveCount becomes.
	MinDeliveryAttempts = 5
	MaxDeliveryAttempts = 100
	// maxSubscriptionRetention is the longest a subscription keeps unacknowledged messages.
	maxSubscriptionRetention = 7 * 24 * 3600
	// A topic keeps messages up to 31 days, more than the neutral DeadLetterRetentionSeconds'
	// most (14 days): the dead-letter topic takes it as it is.
	// Ack deadline bounds, which VisibilityTimeoutSeconds becomes: for a push subscription it is
	// how long Pub/Sub waits for the consumer's answer.
	minAckDeadline = 10
	maxAckDeadline = 600
)

// PushPath is the worker's path Pub/Sub pushes jobs to, DeadLetterPath the one it pushes dead
// letters to (docs/function-contract.md).
const (
	PushPath       = "/"
	DeadLetterPath = "/deadletter"
)

// PubSub makes queues of Pub/Sub topics with push subscriptions. Its New is a [Constructor].
type PubSub struct {
	// MinBackoff and MaxBackoff bound the retry delay of a failed push, which Pub/Sub grows
	// exponentially between them: Go durations of 0s to 600s, default 10s and 600s.
	MinBackoff, MaxBackoff string
}

var durationSeconds = regexp.MustCompile(`^[0-9]+s$`)

func (g PubSub) withDefaults(name string, a QueueArgs) (PubSub, error) {
	check.Default(&g.MinBackoff, "10s")
	check.Default(&g.MaxBackoff, "600s")
	p := check.For("queue", name)
	if a.MaxReceiveCount < MinDeliveryAttempts || a.MaxReceiveCount > MaxDeliveryAttempts {
		p.Add("MaxReceiveCount must be %d to %d on gcp (Pub/Sub's maxDeliveryAttempts), got %d: a smaller count is not raised silently, set at least %d",
			MinDeliveryAttempts, MaxDeliveryAttempts, a.MaxReceiveCount, MinDeliveryAttempts)
	}
	if a.RetentionSeconds > maxSubscriptionRetention {
		p.Add("RetentionSeconds must be at most %d (7 days) on gcp (a Pub/Sub subscription's retention), got %d", maxSubscriptionRetention, a.RetentionSeconds)
	}
	if a.RetentionSeconds < 600 {
		p.Add("RetentionSeconds must be at least 600 (10 minutes) on gcp, got %d", a.RetentionSeconds)
	}
	var minB, maxB time.Duration
	for _, b := range []struct {
		field, v string
		d        *time.Duration
	}{{"MinBackoff", g.MinBackoff, &minB}, {"MaxBackoff", g.MaxBackoff, &maxB}} {
		d, err := time.ParseDuration(b.v)
		if !durationSeconds.MatchString(b.v) || err != nil || d > 600*time.Second {
			p.Add("%s must be whole seconds from 0s to 600s like 10s, got %q", b.field, b.v)
		}
		*b.d = d
	}
	if minB > maxB {
		p.Add("MinBackoff (%s) must not exceed MaxBackoff (%s)", g.MinBackoff, g.MaxBackoff)
	}
	return g, p.Err()
}

// seconds is a Pub/Sub duration.
func seconds(n int) pulumi.String { return pulumi.String(fmt.Sprintf("%ds", n)) }

// New creates the queue's topic and its dead-letter topic, which keeps failed messages for
// DeadLetterRetentionSeconds and has a pull subscription holding them for inspection, an alert
// policy that fires when that subscription holds messages, and a service account the queue's
// push subscriptions authenticate to their consumer as. The push subscription itself is created
// by the consumer's Subscribe binding, once the consumer's service exists.
func (g PubSub) New(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	var in QueueArgs
	if args != nil {
		in = *args
	}
	if err := alerts.CheckGCP(name+"-alerts", in.Alerts); err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}
	defaulted, err := in.withDefaults(name)
	if err != nil {
		return nil, err
	}
	if g, err = g.withDefaults(name, defaulted); err != nil {
		return nil, err
	}
	q, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)

	dlt, err := pubsub.NewTopic(ctx, name+"-dlq", &pubsub.TopicArgs{
		MessageRetentionDuration: seconds(a.DeadLetterRetentionSeconds),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create dead-letter topic %q: %w", name+"-dlq", err)
	}
	kept, err := pubsub.NewSubscription(ctx, name+"-dlq", &pubsub.SubscriptionArgs{
		Topic:                    dlt.ID(),
		MessageRetentionDuration: seconds(min(a.DeadLetterRetentionSeconds, maxSubscriptionRetention)),
		// Never expires for inactivity: nobody pulls until something failed.
		ExpirationPolicy: &pubsub.SubscriptionExpirationPolicyArgs{Ttl: pulumi.String("")},
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the subscription that keeps %q: %w", name+"-dlq", err)
	}
	topic, err := pubsub.NewTopic(ctx, name, &pubsub.TopicArgs{}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create topic %q: %w", name, err)
	}
	invoker, err := serviceaccount.NewAccount(ctx, name+"-push", &serviceaccount.AccountArgs{
		AccountId:   pulumi.String(accountID(name + "-push")),
		DisplayName: pulumi.Sprintf("Pushes queue %s's messages to its consumer", name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the push identity of queue %q: %w", name, err)
	}
	notify, err := alerts.NewGCPAlerts(ctx, name+"-alerts", &a.Alerts, parent)
	if err != nil {
		return nil, err
	}
	if _, err := monitoring.NewAlertPolicy(ctx, name+"-dlq", &monitoring.AlertPolicyArgs{
		DisplayName: pulumi.Sprintf("Queue %s: dead-lettered messages", name),
		Combiner:    pulumi.String("OR"),
		Conditions: monitoring.AlertPolicyConditionArray{monitoring.AlertPolicyConditionArgs{
			DisplayName: pulumi.Sprintf("%s-dlq holds messages", name),
			ConditionThreshold: &monitoring.AlertPolicyConditionConditionThresholdArgs{
				Filter:         pulumi.Sprintf(`resource.type = "pubsub_subscription" AND resource.labels.subscription_id = "%s" AND metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages"`, kept.Name),
				Comparison:     pulumi.String("COMPARISON_GT"),
				ThresholdValue: pulumi.Float64(0),
				Duration:       pulumi.String("60s"),
				Aggregations: monitoring.AlertPolicyConditionConditionThresholdAggregationArray{monitoring.AlertPolicyConditionConditionThresholdAggregationArgs{
					AlignmentPeriod: pulumi.String("60s"), PerSeriesAligner: pulumi.String("ALIGN_MAX"),
				}},
			},
		}},
		NotificationChannels: alerts.GCPChannels(notify),
		// Closes itself once the dead letters were dealt with.
		AlertStrategy: &monitoring.AlertPolicyAlertStrategyArgs{AutoClose: pulumi.String("1800s")},
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot create the dead-letter alert of queue %q: %w", name, err)
	}

	q.Name = topic.Name
	q.Address = topic.ID().ToStringOutput()
	q.DeadLetterAddress = kept.ID().ToStringOutput()
	q.AlertTarget = notify.Target
	q.grants = pubsubGrants{name: name, args: a, cfg: g, topic: topic, dlt: dlt, invoker: invoker}
	return q, q.finish(ctx)
}

// accountID makes a service account id (6 to 30 lower-case letters, digits and hyphens) of s.
func accountID(s string) string {
	if len(s) > 30 {
		s = s[:30]
	}
	for len(s) < 6 {
		s += "-q"
	}
	return s
}

type pubsubGrants struct {
	name    string
	args    QueueArgs
	cfg     PubSub
	topic   *pubsub.Topic
	dlt     *pubsub.Topic
	invoker *serviceaccount.Account
}

// publish lets the consumer publish to the topic (roles/pubsub.publisher on it only).
func (g pubsubGrants) publish() link.Binding {
	return link.GCPBinding{
		Env: map[string]link.Value{"TOPIC": link.Plain(g.topic.ID().ToStringOutput())},
		Grants: []link.GCPApply{func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
			m, err := pubsub.NewTopicIAMMember(ctx, name+"-publish", &pubsub.TopicIAMMemberArgs{
				Topic: g.topic.Name, Role: pulumi.String("roles/pubsub.publisher"), Member: c.Member,
			}, opts...)
			if err != nil {
				return link.GCPApplied{}, fmt.Errorf("cannot let %q publish to queue %q: %w", name, g.name, err)
			}
			return link.GCPApplied{Ready: []pulumi.Resource{m}}, nil
		}},
	}
}

// subscribe pushes the topic's messages to the consumer's service: a push subscription
// authenticated with an OIDC token of the queue's push identity (which may invoke this service
// only), its retries and dead-letter policy, and what Pub/Sub's service agent needs for
// dead-lettering (without it a dead-letter policy silently does nothing): publisher on the
// dead-letter topic, subscriber on this subscription. A second push subscription, on the
// dead-letter topic, pushes dead letters to the consumer's DeadLetterPath.
func (g pubsubGrants) subscribe(s SubscribeArgs) link.Binding {
	deliver := func(ctx *pulumi.Context, name string, c link.GCPConsumer, opts ...pulumi.ResourceOption) (link.GCPApplied, error) {
		if c.Service == nil {
			return link.GCPApplied{}, fmt.Errorf("queue %q: consumer %q has no service to push to", g.name, name)
		}
		invoke, err := gcprun.NewServiceIamMember(ctx, name+"-invoke", &gcprun.ServiceIamMemberArgs{
			Name: c.Service.Name, Location: c.Service.Location, Project: c.Service.Project,
			Role: pulumi.String("roles/run.invoker"), Member: pulumi.Sprintf("serviceAccount:%s", g.invoker.Email),
		}, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot let queue %q invoke %q: %w", g.name, name, err)
		}
		project, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{})
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot read the project number for queue %q's dead-lettering: %w", g.name, err)
		}
		agent := pulumi.Sprintf("serviceAccount:service-%s@gcp-sa-pubsub.iam.gserviceaccount.com", project.Number)
		dlPublish, err := pubsub.NewTopicIAMMember(ctx, name+"-dead-letter", &pubsub.TopicIAMMemberArgs{
			Topic: g.dlt.Name, Role: pulumi.String("roles/pubsub.publisher"), Member: agent,
		}, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot let Pub/Sub dead-letter queue %q: %w", g.name, err)
		}
		sub, err := pubsub.NewSubscription(ctx, name, &pubsub.SubscriptionArgs{
			Topic:                    g.topic.ID(),
			AckDeadlineSeconds:       pulumi.Int(min(max(g.args.VisibilityTimeoutSeconds, minAckDeadline), maxAckDeadline)),
			MessageRetentionDuration: seconds(g.args.RetentionSeconds),
			ExpirationPolicy:         &pubsub.SubscriptionExpirationPolicyArgs{Ttl: pulumi.String("")},
			RetryPolicy: &pubsub.SubscriptionRetryPolicyArgs{
				MinimumBackoff: pulumi.String(g.cfg.MinBackoff), MaximumBackoff: pulumi.String(g.cfg.MaxBackoff),
			},
			DeadLetterPolicy: &pubsub.SubscriptionDeadLetterPolicyArgs{
				DeadLetterTopic: g.dlt.ID(), MaxDeliveryAttempts: pulumi.Int(g.args.MaxReceiveCount),
			},
			PushConfig: &pubsub.SubscriptionPushConfigArgs{
				PushEndpoint: pulumi.Sprintf("%s%s", c.Service.URL, PushPath),
				// The audience is the topic, known before the consumer's service (whose URL it
				// could not be told in its own environment).
				OidcToken: &pubsub.SubscriptionPushConfigOidcTokenArgs{
					ServiceAccountEmail: g.invoker.Email, Audience: g.topic.ID(),
				},
			},
		}, append(opts, pulumi.DependsOn([]pulumi.Resource{invoke, dlPublish}))...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot subscribe %q to queue %q: %w", name, g.name, err)
		}
		subscribe, err := pubsub.NewSubscriptionIAMMember(ctx, name+"-dead-letter", &pubsub.SubscriptionIAMMemberArgs{
			Subscription: sub.Name, Role: pulumi.String("roles/pubsub.subscriber"), Member: agent,
		}, opts...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot let Pub/Sub dead-letter from %q: %w", name, err)
		}
		// A job whose every push failed before the consumer answered (it was down or timed
		// out) reached no last attempt that records the failure: the dead letters are pushed
		// to the consumer's DeadLetterPath too, as Knative's -failed Trigger does. No
		// dead-letter policy of its own; the dead-letter pull subscription keeps a copy.
		failed, err := pubsub.NewSubscription(ctx, name+"-dlq-push", &pubsub.SubscriptionArgs{
			Topic:                    g.dlt.ID(),
			AckDeadlineSeconds:       pulumi.Int(min(max(g.args.VisibilityTimeoutSeconds, minAckDeadline), maxAckDeadline)),
			MessageRetentionDuration: seconds(min(g.args.DeadLetterRetentionSeconds, maxSubscriptionRetention)),
			ExpirationPolicy:         &pubsub.SubscriptionExpirationPolicyArgs{Ttl: pulumi.String("")},
			RetryPolicy: &pubsub.SubscriptionRetryPolicyArgs{
				MinimumBackoff: pulumi.String(g.cfg.MinBackoff), MaximumBackoff: pulumi.String(g.cfg.MaxBackoff),
			},
			PushConfig: &pubsub.SubscriptionPushConfigArgs{
				PushEndpoint: pulumi.Sprintf("%s%s", c.Service.URL, DeadLetterPath),
				OidcToken: &pubsub.SubscriptionPushConfigOidcTokenArgs{
					ServiceAccountEmail: g.invoker.Email, Audience: g.topic.ID(),
				},
			},
		}, append(opts, pulumi.DependsOn([]pulumi.Resource{invoke}))...)
		if err != nil {
			return link.GCPApplied{}, fmt.Errorf("cannot push queue %q's dead letters to %q: %w", g.name, name, err)
		}
		return link.GCPApplied{Ready: []pulumi.Resource{invoke, dlPublish, sub, subscribe, failed}}, nil
	}
	return link.GCPBinding{
		// The consumer accepts only pushes whose OIDC token is the push identity's, for the topic.
		Env: map[string]link.Value{
			"DELIVERY":             link.Plain(pulumi.String("pubsub-push")),
			"PUSH_AUDIENCE":        link.Plain(g.topic.ID().ToStringOutput()),
			"PUSH_SERVICE_ACCOUNT": link.Plain(g.invoker.Email),
		},
		Deliveries:     []link.GCPApply{deliver},
		MaxConcurrency: s.MaxConcurrency,
	}
}
