package azure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azservicebus"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// The message of a job.
const (
	// JobType is the Subject and the "type" application property of every job, the CloudEvents
	// type the Broker's events and the Pub/Sub attributes carry too.
	JobType = "dev.nimbus.images.job"
	// PropType and PropImageID are the application properties of a job message.
	PropType    = "type"
	PropImageID = "imageId"
	// PublishTimeout bounds one Publish with the SDK's retries, as the SQS, Broker and Pub/Sub
	// publishers are bounded.
	PublishTimeout = 5 * time.Second
)

// Sender is the part of *azservicebus.Sender that Publisher uses.
type Sender interface {
	SendMessage(ctx context.Context, message *azservicebus.Message, options *azservicebus.SendMessageOptions) error
}

var _ Sender = (*azservicebus.Sender)(nil)

// Publisher puts jobs on a Service Bus queue.
type Publisher struct {
	queue  string
	sender Sender
}

var _ images.JobPublisher = (*Publisher)(nil)

// NewPublisher returns the publisher to queue through sender.
func NewPublisher(queue string, sender Sender) *Publisher {
	return &Publisher{queue: queue, sender: sender}
}

// JobMessage returns the Service Bus message of job: the body the job's JSON {"id","key"}
// (content type application/json), MessageID the image id (so a retried publish is the same
// message, which a queue with duplicate detection drops and which the worker otherwise handles
// once), Subject JobType, application properties type and imageId.
func JobMessage(job images.Job) (*azservicebus.Message, error) {
	body, err := json.Marshal(job)
	if err != nil {
		return nil, fmt.Errorf("cannot encode job %q: %w", job.ID, err)
	}
	id, subject, ct := job.ID, JobType, "application/json"
	return &azservicebus.Message{
		Body:                  body,
		MessageID:             &id,
		Subject:               &subject,
		ContentType:           &ct,
		ApplicationProperties: map[string]any{PropType: JobType, PropImageID: job.ID},
	}, nil
}

// Publish implements images.JobPublisher within PublishTimeout. A failed send is returned, and
// the API answers 503 with the record left pending, as with SQS, the Broker and Pub/Sub.
func (p *Publisher) Publish(ctx context.Context, job images.Job) error {
	msg, err := JobMessage(job)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()
	if err := p.sender.SendMessage(ctx, msg, nil); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("cannot send job %q to Service Bus queue %q within %s: %w", job.ID, p.queue, PublishTimeout, err)
		}
		return fmt.Errorf("cannot send job %q to Service Bus queue %q: %w", job.ID, p.queue, err)
	}
	return nil
}
