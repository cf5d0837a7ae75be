package queue

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
)

// Type is the component's type token.
const Type = "nimbus:queue:Queue"

// Constructor creates a queue on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error)

// QueueArgs describe a queue. Zero values take the documented defaults.
type QueueArgs struct {
	// MaxReceiveCount is how many deliveries a message gets before it is dead-lettered: 1 to
	// 1000, default 5.
	MaxReceiveCount int
	// RetentionSeconds keeps unprocessed messages: 60 to 1209600 (14 days), default 345600 (4 days).
	RetentionSeconds int
	// DeadLetterRetentionSeconds keeps dead-lettered messages: 60 to 1209600, default 1209600.
	DeadLetterRetentionSeconds int
	// VisibilityTimeoutSeconds hides a received message from other consumers: 0 to 43200,
	// default 180. It must cover 6 x the consumer's timeout plus its batching window.
	VisibilityTimeoutSeconds int
	// Alerts say who hears the queue's alarm (the dead-letter queue holds messages, and it has
	// cleared): the queue creates that target as its child (see package alerts). Default: a
	// target nobody is subscribed to yet.
	Alerts alerts.AlertsArgs
}

// SubscribeArgs tune how a consumer is fed.
type SubscribeArgs struct {
	// BatchSize is the most messages per invocation: 1 to 10, default 10.
	BatchSize int
	// BatchWindowSeconds gathers a batch for up to this long: 0 to 300, default 0.
	BatchWindowSeconds int
	// MaxConcurrency caps concurrent invocations: 2 to 1000, default 5, so consumers cannot flood
	// the database.
	MaxConcurrency int
}

// Queue is a work queue with its dead-letter queue.
type Queue struct {
	pulumi.ResourceState

	// Name is the cloud's name of the queue.
	Name pulumi.StringOutput `pulumi:"name"`
	// Address is what producers send to (on AWS the queue URL).
	Address pulumi.StringOutput `pulumi:"address"`
	// DeadLetterAddress is the dead-letter queue's address.
	DeadLetterAddress pulumi.StringOutput `pulumi:"deadLetterAddress"`
	// AlertTarget is where the queue's alarm notifies (see package alerts).
	AlertTarget pulumi.StringOutput `pulumi:"alertTarget"`

	name string
	args QueueArgs
	// grants makes the cloud's bindings; set by the constructor.
	grants granter
}

type granter interface {
	publish() link.Binding
	subscribe(SubscribeArgs) link.Binding
}

func (a QueueArgs) withDefaults(name string) (QueueArgs, error) {
	check.Default(&a.MaxReceiveCount, 5)
	check.Default(&a.RetentionSeconds, 4*24*3600)
	check.Default(&a.DeadLetterRetentionSeconds, 14*24*3600)
	check.Default(&a.VisibilityTimeoutSeconds, 180)
	p := check.For("queue", name)
	p.Between("MaxReceiveCount", a.MaxReceiveCount, 1, 1000)
	p.Between("RetentionSeconds", a.RetentionSeconds, 60, 1209600)
	p.Between("DeadLetterRetentionSeconds", a.DeadLetterRetentionSeconds, 60, 1209600)
	p.Between("VisibilityTimeoutSeconds", a.VisibilityTimeoutSeconds, 0, 43200)
	p.Wrap("Alerts", a.Alerts.Validate(name+"-alerts"))
	if a.DeadLetterRetentionSeconds < a.RetentionSeconds {
		// A dead-lettered message keeps its original enqueue time, so a shorter DLQ retention
		// would delete it on arrival.
		p.Add("DeadLetterRetentionSeconds must be at least RetentionSeconds (%d), got %d", a.RetentionSeconds, a.DeadLetterRetentionSeconds)
	}
	return a, p.Err()
}

func (a SubscribeArgs) withDefaults(name string) (SubscribeArgs, error) {
	check.Default(&a.BatchSize, 10)
	check.Default(&a.MaxConcurrency, 5)
	p := check.For("queue", name)
	p.Between("subscription BatchSize", a.BatchSize, 1, 10)
	p.Between("subscription BatchWindowSeconds", a.BatchWindowSeconds, 0, 300)
	p.Between("subscription MaxConcurrency", a.MaxConcurrency, 2, 1000)
	return a, p.Err()
}

// Publish grants sending messages to the queue. Env: QUEUE_URL.
func (q *Queue) Publish() link.Grant {
	return link.Grant{
		Resource: "queue " + q.name,
		Access:   link.Publish,
		Env:      map[string]link.Value{"QUEUE_URL": link.Plain(q.Address)},
		Binding:  q.grants.publish(),
	}
}

// Subscribe grants consuming the queue and makes it invoke the consumer. Env: MAX_RECEIVE_COUNT
// (the consumer marks a job failed on its last delivery).
func (q *Queue) Subscribe(args SubscribeArgs) (link.Grant, error) {
	a, err := args.withDefaults(q.name)
	if err != nil {
		return link.Grant{}, err
	}
	return link.Grant{
		Resource: "queue " + q.name,
		Access:   link.Subscribe,
		Env:      map[string]link.Value{"MAX_RECEIVE_COUNT": link.Plain(pulumi.Sprintf("%d", q.args.MaxReceiveCount))},
		Binding:  q.grants.subscribe(a),
	}, nil
}

func register(ctx *pulumi.Context, name string, args *QueueArgs, opts []pulumi.ResourceOption) (*Queue, QueueArgs, error) {
	if args == nil {
		args = &QueueArgs{}
	}
	a, err := args.withDefaults(name)
	if err != nil {
		return nil, a, err
	}
	q := &Queue{name: name, args: a}
	if err := ctx.RegisterComponentResource(Type, name, q, opts...); err != nil {
		return nil, a, fmt.Errorf("cannot register queue %q: %w", name, err)
	}
	return q, a, nil
}

func (q *Queue) finish(ctx *pulumi.Context) error {
	return ctx.RegisterResourceOutputs(q, pulumi.Map{
		"name":              q.Name,
		"address":           q.Address,
		"deadLetterAddress": q.DeadLetterAddress,
		"alertTarget":       q.AlertTarget,
	})
}
