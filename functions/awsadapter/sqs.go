package awsadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/nimbus-iac/nimbus/functions/images"
)

var _ images.JobPublisher = (*SQSPublisher)(nil)

// SQSSender is the SQS call the publisher makes; *sqs.Client is the production one.
type SQSSender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

// NewSQSClient returns the SDK's SQS client for cfg: the standard retryer, and the endpoint the
// SDK resolves (AWS_ENDPOINT_URL_SQS, else AWS_ENDPOINT_URL, else the regional one; see AWSConfig).
func NewSQSClient(cfg aws.Config) *sqs.Client { return sqs.NewFromConfig(cfg) }

// SQSPublisher is the SQS images.JobPublisher: one message per job, its body the
// job's JSON.
type SQSPublisher struct {
	client   SQSSender
	queueURL string
	// Timeout bounds each publish, retries included; 0 means SendTimeout.
	Timeout time.Duration
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
	timeout := p.Timeout
	if timeout == 0 {
		timeout = SendTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out, err := p.client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(p.queueURL), MessageBody: aws.String(string(body))})
	if err != nil {
		return fmt.Errorf("cannot send job %q to %s: %w", job.ID, p.queueURL, err)
	}
	if aws.ToString(out.MessageId) == "" {
		return fmt.Errorf("cannot send job %q to %s: the answer has no MessageId", job.ID, p.queueURL)
	}
	return nil
}
