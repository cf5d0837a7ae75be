package topic

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"time"

	"cloud.google.com/go/pubsub/v2"
	"google.golang.org/api/option"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// Publish bounds and the message's attributes.
const (
	// PublishTimeout bounds one Publish, the client's own retries included, as the Broker's and
	// SQS's publishers are bounded.
	PublishTimeout = 5 * time.Second
	// PublishDelay is how long the client waits to batch messages; the API publishes one per
	// request and waits for it, so batching only adds latency.
	PublishDelay = time.Millisecond
	// AttrType and AttrImageID are the attributes of a job message.
	AttrType    = "type"
	AttrImageID = "imageId"
	// JobType is AttrType's value, the CloudEvents type the Broker's events carry too.
	JobType = "dev.nimbus.images.job"
)

var topicName = regexp.MustCompile(`^projects/([a-z][a-z0-9:.-]{4,61}[a-z0-9])/topics/([A-Za-z][A-Za-z0-9._~+%-]{2,254})$`)

// ParseTopic checks a full topic name projects/PROJECT/topics/TOPIC and returns its project.
func ParseTopic(name string) (project string, err error) {
	m := topicName.FindStringSubmatch(name)
	if m == nil {
		return "", fmt.Errorf("topic must be projects/PROJECT/topics/TOPIC (a project id of 6 to 30 lower-case letters, digits or hyphens; a topic id of 3 to 255 characters starting with a letter), got %q", name)
	}
	return m[1], nil
}

// Publisher is the images.JobPublisher on a Pub/Sub topic. Its client is created on the first
// Publish (Application Default Credentials, or the emulator at PUBSUB_EMULATOR_HOST), with
// Options appended.
type Publisher struct {
	Topic   string
	Options []option.ClientOption

	mu  sync.Mutex
	pub *pubsub.Publisher
}

var _ images.JobPublisher = (*Publisher)(nil)

// NewPublisher returns the publisher to topic (projects/P/topics/T); it does no I/O.
func NewPublisher(topic string, opts ...option.ClientOption) (*Publisher, error) {
	if _, err := ParseTopic(topic); err != nil {
		return nil, err
	}
	return &Publisher{Topic: topic, Options: opts}, nil
}

func (p *Publisher) publisher(ctx context.Context) (*pubsub.Publisher, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pub != nil {
		return p.pub, nil
	}
	project, err := ParseTopic(p.Topic)
	if err != nil {
		return nil, err
	}
	// The client lives as long as the process; ctx only bounds its creation.
	c, err := pubsub.NewClient(context.WithoutCancel(ctx), project, p.Options...)
	if err != nil {
		return nil, fmt.Errorf("cannot create the Pub/Sub client of project %q: %w", project, err)
	}
	pub := c.Publisher(p.Topic)
	pub.PublishSettings.DelayThreshold = PublishDelay
	pub.PublishSettings.Timeout = PublishTimeout
	p.pub = pub
	return pub, nil
}

// Publish implements images.JobPublisher: the job's JSON as data, waiting for the server's ack.
func (p *Publisher) Publish(ctx context.Context, job images.Job) error {
	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()
	data, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("cannot encode job %q: %w", job.ID, err)
	}
	pub, err := p.publisher(ctx)
	if err != nil {
		return fmt.Errorf("cannot publish job %q to %s: %w", job.ID, p.Topic, err)
	}
	res := pub.Publish(ctx, &pubsub.Message{Data: data, Attributes: map[string]string{AttrType: JobType, AttrImageID: job.ID}})
	if _, err := res.Get(ctx); err != nil {
		return fmt.Errorf("cannot publish job %q to %s: %w", job.ID, p.Topic, err)
	}
	return nil
}
