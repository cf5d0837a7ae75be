package awsadapter

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var _ images.JobPublisher = (*SQSPublisher)(nil)

// SQSSender is the part of the SQS client that SQSPublisher uses.
type SQSSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
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
	if _, err := p.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.queueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("cannot send job %q to %s: %w", job.ID, p.queueURL, err)
	}
	return nil
}
