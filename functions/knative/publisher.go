package knative

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// The CloudEvent of a job.
const (
	// JobEventType is the ce-type of every job; the Trigger filters on it.
	JobEventType = "dev.nimbus.images.job"
	// DefaultEventSource is the ce-source of jobs when JOBS_EVENT_SOURCE is not set.
	DefaultEventSource = "/nimbus/images/api"
)

// Publish bounds.
const (
	// PublishTimeout bounds one Publish with all of its attempts, as awsadapter.SendTimeout does
	// an SQS send.
	PublishTimeout = 5 * time.Second
	// PublishAttempts is how many POSTs one Publish makes at most.
	PublishAttempts = 3
	// PublishBackoff is the wait before the second attempt; it doubles after each.
	PublishBackoff = 50 * time.Millisecond
)

// JobEvent returns the CloudEvent of job: binary-mode attributes id (the image id, so a
// retried publish of the same job is the same event, which the worker handles once), source,
// type JobEventType, datacontenttype application/json, and data the job's JSON.
func JobEvent(source string, job images.Job) (event.Event, error) {
	ev := event.New(event.CloudEventsVersionV1)
	ev.SetID(job.ID)
	ev.SetSource(source)
	ev.SetType(JobEventType)
	ev.SetSubject(job.ID)
	if err := ev.SetData(event.ApplicationJSON, job); err != nil {
		return event.Event{}, fmt.Errorf("cannot encode job %q: %w", job.ID, err)
	}
	if err := ev.Validate(); err != nil {
		return event.Event{}, fmt.Errorf("invalid event of job %q: %w", job.ID, err)
	}
	return ev, nil
}

// BrokerPublisher is the images.JobPublisher that POSTs each job as a binary-mode CloudEvent to a
// Knative Broker's ingress. A 2xx answer means the Broker took the event; any other answer, a
// transport error or PublishTimeout is a failed publish, retried up to PublishAttempts times
// (the event id is the same every time) and then returned, which the API answers with 503 and a
// record left pending.
type BrokerPublisher struct {
	URL    string
	Source string
	Client *http.Client
}

var _ images.JobPublisher = (*BrokerPublisher)(nil)

// NewBrokerPublisher returns the publisher to the Broker ingress at url.
func NewBrokerPublisher(url, source string) *BrokerPublisher {
	return &BrokerPublisher{URL: url, Source: source, Client: &http.Client{Timeout: PublishTimeout}}
}

// Publish implements images.JobPublisher.
func (p *BrokerPublisher) Publish(ctx context.Context, job images.Job) error {
	ev, err := JobEvent(p.Source, job)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
	defer cancel()
	wait := PublishBackoff
	var errs []error
	for attempt := 1; ; attempt++ {
		err := p.post(ctx, ev)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("attempt %d: %w", attempt, err))
		if attempt == PublishAttempts || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
		}
		wait *= 2
	}
	return fmt.Errorf("cannot publish job %q to the broker at %s: %w", job.ID, p.URL, errors.Join(errs...))
}

func (p *BrokerPublisher) post(ctx context.Context, ev event.Event) error {
	req, err := cehttp.NewHTTPRequestFromEvent(ctx, p.URL, ev)
	if err != nil {
		return fmt.Errorf("cannot make the request: %w", err)
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the broker answered %s: %q", resp.Status, body)
	}
	return nil
}

// jobFromEvent returns the job an event carries, or an error wrapping images.ErrMalformedJob.
func jobFromEvent(ev *event.Event) (images.Job, error) {
	if ev.Type() != JobEventType {
		return images.Job{}, fmt.Errorf("%w: event type %q is not %q", images.ErrMalformedJob, ev.Type(), JobEventType)
	}
	if ct := ev.DataMediaType(); ct != "" && ct != event.ApplicationJSON {
		return images.Job{}, fmt.Errorf("%w: datacontenttype %q is not %s", images.ErrMalformedJob, ev.DataContentType(), event.ApplicationJSON)
	}
	return images.ParseJob(ev.Data())
}
