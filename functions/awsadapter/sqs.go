package awsadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var _ images.JobPublisher = (*SQSPublisher)(nil)

// SQSSender sends one message to a queue; *SQS is the production one.
type SQSSender interface {
	SendMessage(ctx context.Context, queueURL, body string) error
}

// SQS sends messages with SQS's SendMessage over its JSON protocol (see jsonService for why not
// the SDK's client).
type SQS struct {
	Config aws.Config
	// Endpoint overrides the regional endpoint (AWS_ENDPOINT_URL_SQS: local servers, tests).
	Endpoint string
	HTTP     *http.Client
	Now      func() time.Time
}

// SendMessage implements SQSSender.
func (s *SQS) SendMessage(ctx context.Context, queueURL, body string) error {
	api := jsonService{Config: s.Config, Service: "sqs", Version: "1.0", TargetPrefix: "AmazonSQS", Endpoint: s.Endpoint, HTTP: s.HTTP, Now: s.Now}
	var out struct{ MessageId string }
	if err := api.call(ctx, "SendMessage", map[string]string{"QueueUrl": queueURL, "MessageBody": body}, &out); err != nil {
		return err
	}
	if out.MessageId == "" {
		return fmt.Errorf("SendMessage: the answer has no MessageId")
	}
	return nil
}

// SQSPublisher is the SQS images.JobPublisher: one message per job, its body the
// job's JSON.
type SQSPublisher struct {
	client   SQSSender
	queueURL string
}

// NewSQSPublisher returns a publisher to the queue at queueURL.
func NewSQSPublisher(client SQSSender, queueURL string) *SQSPublisher {
	return &SQSPublisher{client: client, queueURL: queueURL}
}

// Publish implements images.JobPublisher.
func (p *SQSPublisher) Publish(ctx context.Context, job images.Job) error {
	body, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("cannot encode job %q: %w", job.ID, err)
	}
	if err := p.client.SendMessage(ctx, p.queueURL, string(body)); err != nil {
		return fmt.Errorf("cannot send job %q to %s: %w", job.ID, p.queueURL, err)
	}
	return nil
}
