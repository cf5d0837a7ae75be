package testenv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Invoke calls a Lambda handler function the way the Lambda runtime does: event is
// marshalled to a JSON payload, passed through aws-lambda-go's handler wrapper
// (lambda.NewHandler), and the JSON answer is unmarshalled into out.
func Invoke(ctx context.Context, handler any, event any, out any) error {
	payload, err := json.Marshal(event)
	if err != nil {
		return fmt.Errorf("cannot marshal event: %w", err)
	}
	resp, err := lambda.NewHandler(handler).Invoke(ctx, payload)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("handler answered %s, which does not unmarshal into %T: %w", resp, out, err)
	}
	return nil
}

var requestSeq atomic.Int64

// APIGatewayRequest returns the event API Gateway's HTTP API (payload format 2.0,
// $default stage and route) sends for a request. target is a path with an optional
// query. Bodies that are not UTF-8 text, or whose Content-Type is not textual, are
// base64-encoded, as API Gateway does for binary media.
func APIGatewayRequest(method, target string, headers map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	path, query, _ := strings.Cut(target, "?")
	h := map[string]string{
		"host":              "abcdef1234.execute-api.us-east-1.amazonaws.com",
		"user-agent":        "nimbus-tests",
		"x-forwarded-for":   "198.51.100.7",
		"x-forwarded-port":  "443",
		"x-forwarded-proto": "https",
		"x-amzn-trace-id":   "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c",
	}
	for k, v := range headers {
		h[strings.ToLower(k)] = v
	}
	if len(body) > 0 {
		h["content-length"] = strconv.Itoa(len(body))
	}
	var qs map[string]string
	if query != "" {
		values, _ := url.ParseQuery(query)
		qs = map[string]string{}
		for k, v := range values {
			qs[k] = strings.Join(v, ",")
		}
	}
	now := time.Now()
	ev := events.APIGatewayV2HTTPRequest{
		Version:               "2.0",
		RouteKey:              "$default",
		RawPath:               path,
		RawQueryString:        query,
		Headers:               h,
		QueryStringParameters: qs,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     "$default",
			AccountID:    AccountID,
			Stage:        "$default",
			RequestID:    fmt.Sprintf("req-%d", requestSeq.Add(1)),
			APIID:        "abcdef1234",
			DomainName:   "abcdef1234.execute-api.us-east-1.amazonaws.com",
			DomainPrefix: "abcdef1234",
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    method,
				Path:      path,
				Protocol:  "HTTP/1.1",
				SourceIP:  "198.51.100.7",
				UserAgent: "nimbus-tests",
			},
		},
	}
	if len(body) > 0 {
		ct := strings.ToLower(h["content-type"])
		text := strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json")
		if text && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// EventSourceMapping does what Lambda's SQS event source mapping does with
// ReportBatchItemFailures: it receives a batch, invokes the handler with an
// events.SQSEvent payload, and deletes the messages that the answer's
// BatchItemFailures does not list. When the handler fails, or its answer names a
// message that was not in the batch, nothing is deleted. Undeleted messages come back
// after the queue's visibility timeout.
type EventSourceMapping struct {
	Client *sqs.Client
	Queue  *Queue
	// Handler is the Lambda handler function, invoked through Invoke.
	Handler any
	// BatchSize is the most messages per invocation; 0 means 10.
	BatchSize int32
}

// Batch is what one poll did.
type Batch struct {
	Records []events.SQSMessage
	// Failed are the message ids the handler reported as failed.
	Failed []string
	// InvokeErr is the handler's error, if it returned one.
	InvokeErr error
}

// PollOnce receives one batch (long-polling up to a second) and, if it got any
// messages, invokes the handler and deletes what succeeded.
func (m *EventSourceMapping) PollOnce(ctx context.Context) (Batch, error) {
	size := m.BatchSize
	if size == 0 {
		size = 10
	}
	out, err := m.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(m.Queue.URL),
		MaxNumberOfMessages:         size,
		WaitTimeSeconds:             1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		return Batch{}, fmt.Errorf("cannot receive from %s: %w", m.Queue.Name, err)
	}
	var b Batch
	if len(out.Messages) == 0 {
		return b, nil
	}
	ev := events.SQSEvent{}
	for _, msg := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId:         aws.ToString(msg.MessageId),
			ReceiptHandle:     aws.ToString(msg.ReceiptHandle),
			Body:              aws.ToString(msg.Body),
			Md5OfBody:         aws.ToString(msg.MD5OfBody),
			Attributes:        msg.Attributes,
			MessageAttributes: map[string]events.SQSMessageAttribute{},
			EventSourceARN:    m.Queue.ARN,
			EventSource:       "aws:sqs",
			AWSRegion:         Region,
		})
	}
	b.Records = ev.Records
	var resp events.SQSEventResponse
	if err := Invoke(ctx, m.Handler, ev, &resp); err != nil {
		b.InvokeErr = err
		return b, nil
	}
	inBatch := map[string]string{}
	for _, r := range ev.Records {
		inBatch[r.MessageId] = r.ReceiptHandle
	}
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		if _, ok := inBatch[f.ItemIdentifier]; !ok {
			b.InvokeErr = fmt.Errorf("batchItemFailures names %q, which is not in the batch: the whole batch counts as failed", f.ItemIdentifier)
			return b, nil
		}
		failed[f.ItemIdentifier] = true
		b.Failed = append(b.Failed, f.ItemIdentifier)
	}
	for id, rh := range inBatch {
		if failed[id] {
			continue
		}
		if _, err := m.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(m.Queue.URL), ReceiptHandle: aws.String(rh)}); err != nil {
			return b, fmt.Errorf("cannot delete message %s: %w", id, err)
		}
	}
	return b, nil
}

// Run polls until done reports true (checked after every poll) or ctx ends, and
// returns every batch.
func (m *EventSourceMapping) Run(ctx context.Context, done func() bool) ([]Batch, error) {
	var batches []Batch
	for !done() {
		if err := ctx.Err(); err != nil {
			return batches, fmt.Errorf("event source mapping on %s stopped before done: %w", m.Queue.Name, err)
		}
		b, err := m.PollOnce(ctx)
		if err != nil {
			return batches, err
		}
		if len(b.Records) > 0 {
			batches = append(batches, b)
		}
	}
	return batches, nil
}
