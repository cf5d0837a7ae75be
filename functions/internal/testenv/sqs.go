package testenv

// goaws v0.4.5 is the SQS-compatible server here, run in-process. It differs from SQS
// in three ways that matter, and this file bridges each one openly:
//
//  1. Protocol. goaws speaks only SQS's query protocol (form-encoded Action=..., XML
//     answers). aws-sdk-go-v2's SQS client (v1.53.0) speaks only the AWS JSON 1.0
//     protocol (X-Amz-Target: AmazonSQS.<Op>). goaws v0.5+ speaks JSON, but the module
//     proxy here does not serve it. The front server below translates each JSON request
//     into the query form of the same operation, runs it through goaws's own router, and
//     translates goaws's XML answer back. All queue behaviour (visibility timeouts,
//     redelivery, redrive to the dead-letter queue) is goaws's.
//  2. ApproximateReceiveCount. goaws always reports 1 (its Message.NumberOfReceives is
//     never incremented). It does count returns to the queue in Message.Retry (a message
//     whose visibility timeout expires, or whose visibility is set to 0, gets Retry+1),
//     so the front reports Retry+1, read from goaws's state under its lock: the number
//     of times the message has been received, which is what SQS reports.
//  3. Redrive threshold. goaws moves a message to the dead-letter queue when it returns
//     to the queue with Retry > maxReceiveCount, i.e. after maxReceiveCount+1 receives;
//     SQS moves it after maxReceiveCount receives. CreateQueue here takes SQS's meaning
//     (QueueOptions.MaxReceiveCount) and gives goaws maxReceiveCount-1, so a message is
//     received exactly MaxReceiveCount times before it lands in the dead-letter queue.
//     (goaws's value must be at least 1, so MaxReceiveCount must be at least 2.)
//
// goaws keeps its queues in package-level state and reads its queue map without a lock
// in several handlers, so there is one goaws per test process, and operations that
// change the set of queues run alone (an RWMutex in the front).

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Admiral-Piett/goaws/app"
	"github.com/Admiral-Piett/goaws/app/gosqs"
	"github.com/Admiral-Piett/goaws/app/router"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/sirupsen/logrus"
)

// Account and region of the queues goaws serves.
const (
	AccountID = "000000000000"
	Region    = "us-east-1"
)

// SQS is the process's goaws, behind the JSON front server.
type SQS struct {
	// Endpoint is the base URL to give the SDK (AWS_ENDPOINT_URL_SQS).
	Endpoint string
}

// Queue is a queue created for a test.
type Queue struct {
	Name string
	URL  string
	ARN  string
	// DLQ is the dead-letter queue, when the queue has a redrive policy.
	DLQ *Queue
}

// QueueOptions configure CreateQueue.
type QueueOptions struct {
	// VisibilityTimeout in whole seconds (goaws's unit); 0 means 30.
	VisibilityTimeout int
	// MaxReceiveCount, with SQS's meaning: the number of receives after which the
	// message moves to the dead-letter queue. 0 means no dead-letter queue; otherwise
	// it must be at least 2 (see the file comment).
	MaxReceiveCount int
}

var goaws struct {
	once     sync.Once
	endpoint string
	err      error
	router   http.Handler
	// topology is held exclusively by operations that add or remove queues.
	topology sync.RWMutex
}

var queueSeq atomic.Int64

// StartSQS returns the process's goaws, starting it on first use.
func StartSQS(t testing.TB) *SQS {
	t.Helper()
	goaws.once.Do(func() {
		logrus.SetLevel(logrus.ErrorLevel) // goaws logs every message at info level
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			goaws.err = err
			return
		}
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		app.CurrentEnvironment = app.Environment{
			Host:      "127.0.0.1",
			Port:      port,
			AccountID: AccountID,
			QueueAttributeDefaults: app.EnvQueueAttributes{
				VisibilityTimeout:  30,
				MaximumMessageSize: 262144,
			},
		}
		goaws.router = router.New()
		// goaws returns expired in-flight messages to their queue (and redrives them)
		// on this tick; it bounds how late after its visibility timeout a message shows.
		go gosqs.PeriodicTasks(100*time.Millisecond, make(chan struct{}))
		srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(serveJSON)}}
		srv.Start()
		goaws.endpoint = srv.URL
	})
	if goaws.err != nil {
		t.Fatalf("cannot start goaws: %v", goaws.err)
	}
	return &SQS{Endpoint: goaws.endpoint}
}

// Client returns an SDK client for this server with static test credentials.
func (s *SQS) Client() *sqs.Client {
	return sqs.New(sqs.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

var unsafeQueueChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// CreateQueue creates a queue (and its dead-letter queue) with a name unique in the
// process, and deletes them when the test ends.
func (s *SQS) CreateQueue(t testing.TB, opts QueueOptions) *Queue {
	t.Helper()
	if opts.MaxReceiveCount == 1 || opts.MaxReceiveCount < 0 {
		t.Fatalf("QueueOptions.MaxReceiveCount must be 0 or at least 2, got %d", opts.MaxReceiveCount)
	}
	if opts.VisibilityTimeout == 0 {
		opts.VisibilityTimeout = 30
	}
	base := unsafeQueueChars.ReplaceAllString(t.Name(), "-")
	if len(base) > 50 {
		base = base[len(base)-50:]
	}
	name := fmt.Sprintf("q%d-%s", queueSeq.Add(1), strings.Trim(base, "-"))
	ctx := context.Background()
	client := s.Client()
	attrs := map[string]string{"VisibilityTimeout": strconv.Itoa(opts.VisibilityTimeout)}
	var dlq *Queue
	if opts.MaxReceiveCount > 0 {
		dlq = s.create(t, client, name+"-dlq", nil)
		policy, _ := json.Marshal(map[string]string{
			"maxReceiveCount":     strconv.Itoa(opts.MaxReceiveCount - 1), // see the file comment
			"deadLetterTargetArn": dlq.ARN,
		})
		attrs["RedrivePolicy"] = string(policy)
	}
	q := s.create(t, client, name, attrs)
	q.DLQ = dlq
	t.Cleanup(func() {
		_, _ = client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(q.URL)})
		if dlq != nil {
			_, _ = client.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: aws.String(dlq.URL)})
		}
	})
	return q
}

func (s *SQS) create(t testing.TB, client *sqs.Client, name string, attrs map[string]string) *Queue {
	t.Helper()
	out, err := client.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("cannot create queue %s: %v", name, err)
	}
	return &Queue{Name: name, URL: aws.ToString(out.QueueUrl), ARN: "arn:aws:sqs:" + Region + ":" + AccountID + ":" + name}
}

// Counts returns the number of messages in a queue: visible and in flight.
func (s *SQS) Counts(t testing.TB, q *Queue) (visible, inFlight int) {
	t.Helper()
	goaws.topology.RLock()
	defer goaws.topology.RUnlock()
	app.SyncQueues.RLock()
	defer app.SyncQueues.RUnlock()
	gq, ok := app.SyncQueues.Queues[q.Name]
	if !ok {
		t.Fatalf("queue %s does not exist", q.Name)
	}
	for _, m := range gq.Messages {
		if m.ReceiptHandle != "" {
			inFlight++
		} else {
			visible++
		}
	}
	return visible, inFlight
}

// Bodies returns the bodies of all messages in a queue, visible or not, sorted.
func (s *SQS) Bodies(t testing.TB, q *Queue) []string {
	t.Helper()
	goaws.topology.RLock()
	defer goaws.topology.RUnlock()
	app.SyncQueues.RLock()
	defer app.SyncQueues.RUnlock()
	gq, ok := app.SyncQueues.Queues[q.Name]
	if !ok {
		t.Fatalf("queue %s does not exist", q.Name)
	}
	var out []string
	for _, m := range gq.Messages {
		out = append(out, string(m.MessageBody))
	}
	sort.Strings(out)
	return out
}

// jsonInput holds the members of the SQS JSON requests the front translates.
type jsonInput struct {
	QueueName                   string
	QueueUrl                    string
	Attributes                  map[string]string
	AttributeNames              []string
	MessageSystemAttributeNames []string
	MessageAttributeNames       []string
	MessageBody                 string
	MessageAttributes           map[string]json.RawMessage
	DelaySeconds                *int32
	MaxNumberOfMessages         *int32
	WaitTimeSeconds             *int32
	VisibilityTimeout           *int32
	ReceiptHandle               string
}

// exclusive operations change goaws's queue map.
var exclusive = map[string]bool{"CreateQueue": true, "DeleteQueue": true, "SetQueueAttributes": true}

func serveJSON(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	if !ok {
		jsonError(w, http.StatusBadRequest, "UnsupportedProtocol", "this test server speaks the SQS JSON protocol only (X-Amz-Target: AmazonSQS.<Operation>)")
		return
	}
	var in jsonInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil && err != io.EOF {
		jsonError(w, http.StatusBadRequest, "InvalidParameterValue", "request body is not JSON: "+err.Error())
		return
	}
	form, err := queryForm(op, in)
	if err != nil {
		jsonError(w, http.StatusBadRequest, "UnsupportedOperation", err.Error())
		return
	}
	if exclusive[op] {
		goaws.topology.Lock()
		defer goaws.topology.Unlock()
	} else {
		goaws.topology.RLock()
		defer goaws.topology.RUnlock()
	}
	rec := httptest.NewRecorder()
	func() {
		defer func() {
			if p := recover(); p != nil {
				rec = httptest.NewRecorder()
				rec.Code = http.StatusInternalServerError
				fmt.Fprintf(rec.Body, "<ErrorResponse><Error><Type>InternalError</Type><Message>goaws panicked: %v</Message></Error></ErrorResponse>", p)
			}
		}()
		greq := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode())).WithContext(r.Context())
		greq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		goaws.router.ServeHTTP(rec, greq)
	}()
	if r.Context().Err() != nil {
		return // the client is gone (for example a worker killed mid long-poll)
	}
	if rec.Code >= 300 {
		var e app.ErrorResponse
		_ = xml.Unmarshal(rec.Body.Bytes(), &e)
		typ := e.Result.Code
		if typ == "AWS.SimpleQueueService.NonExistentQueue" {
			typ = "QueueDoesNotExist"
		}
		if typ == "" {
			typ = strings.ReplaceAll(e.Result.Type, " ", "")
		}
		jsonError(w, rec.Code, typ, e.Result.Message+" "+strings.TrimSpace(rec.Body.String()))
		return
	}
	out, err := jsonOutput(op, in, rec.Body.Bytes())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "InternalError", err.Error())
		return
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-RequestId", "00000000-0000-0000-0000-000000000000")
	_, _ = w.Write(b)
}

func queryForm(op string, in jsonInput) (url.Values, error) {
	f := url.Values{"Action": {op}, "Version": {"2012-11-05"}}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	setInt := func(k string, v *int32) {
		if v != nil {
			f.Set(k, strconv.Itoa(int(*v)))
		}
	}
	attrs := func() {
		names := make([]string, 0, len(in.Attributes))
		for k := range in.Attributes {
			names = append(names, k)
		}
		sort.Strings(names)
		for i, k := range names {
			f.Set(fmt.Sprintf("Attribute.%d.Name", i+1), k)
			f.Set(fmt.Sprintf("Attribute.%d.Value", i+1), in.Attributes[k])
		}
	}
	switch op {
	case "CreateQueue":
		set("QueueName", in.QueueName)
		attrs()
	case "GetQueueUrl":
		set("QueueName", in.QueueName)
	case "SetQueueAttributes":
		set("QueueUrl", in.QueueUrl)
		attrs()
	case "GetQueueAttributes":
		set("QueueUrl", in.QueueUrl)
		for i, n := range in.AttributeNames {
			f.Set(fmt.Sprintf("AttributeName.%d", i+1), n)
		}
	case "SendMessage":
		if len(in.MessageAttributes) > 0 {
			return nil, fmt.Errorf("message attributes are not translated by this test server")
		}
		set("QueueUrl", in.QueueUrl)
		f.Set("MessageBody", in.MessageBody)
		setInt("DelaySeconds", in.DelaySeconds)
	case "ReceiveMessage":
		if in.VisibilityTimeout != nil {
			return nil, fmt.Errorf("goaws ignores ReceiveMessage's VisibilityTimeout; set it on the queue")
		}
		set("QueueUrl", in.QueueUrl)
		setInt("MaxNumberOfMessages", in.MaxNumberOfMessages)
		setInt("WaitTimeSeconds", in.WaitTimeSeconds)
	case "DeleteMessage":
		set("QueueUrl", in.QueueUrl)
		set("ReceiptHandle", in.ReceiptHandle)
	case "ChangeMessageVisibility":
		set("QueueUrl", in.QueueUrl)
		set("ReceiptHandle", in.ReceiptHandle)
		setInt("VisibilityTimeout", in.VisibilityTimeout)
	case "DeleteQueue", "PurgeQueue":
		set("QueueUrl", in.QueueUrl)
	default:
		return nil, fmt.Errorf("operation %s is not translated by this test server", op)
	}
	return f, nil
}

type jsonMessage struct {
	MessageId     string
	ReceiptHandle string
	MD5OfBody     string
	Body          string
	Attributes    map[string]string `json:",omitempty"`
}

func jsonOutput(op string, in jsonInput, body []byte) (any, error) {
	switch op {
	case "CreateQueue":
		var r app.CreateQueueResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		return map[string]string{"QueueUrl": r.Result.QueueUrl}, nil
	case "GetQueueUrl":
		var r app.GetQueueUrlResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		return map[string]string{"QueueUrl": r.Result.QueueUrl}, nil
	case "GetQueueAttributes":
		var r app.GetQueueAttributesResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		attrs := map[string]string{}
		for _, a := range r.Result.Attrs {
			attrs[a.Name] = a.Value
		}
		return map[string]any{"Attributes": attrs}, nil
	case "SendMessage":
		var r app.SendMessageResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		return map[string]string{"MessageId": r.Result.MessageId, "MD5OfMessageBody": r.Result.MD5OfMessageBody}, nil
	case "ReceiveMessage":
		var r app.ReceiveMessageResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			return nil, err
		}
		queue := in.QueueUrl[strings.LastIndex(in.QueueUrl, "/")+1:]
		msgs := []jsonMessage{}
		for _, m := range r.Result.Message {
			jm := jsonMessage{MessageId: m.MessageId, ReceiptHandle: m.ReceiptHandle, MD5OfBody: m.MD5OfBody, Body: string(m.Body), Attributes: map[string]string{}}
			for _, a := range m.Attributes {
				jm.Attributes[a.Name] = a.Value
			}
			if n, ok := receiveCount(queue, m.ReceiptHandle); ok {
				jm.Attributes["ApproximateReceiveCount"] = strconv.Itoa(n)
			}
			msgs = append(msgs, jm)
		}
		return map[string]any{"Messages": msgs}, nil
	default:
		if !bytes.Contains(body, []byte("Response")) {
			return nil, fmt.Errorf("unexpected goaws answer to %s: %s", op, body)
		}
		return map[string]string{}, nil
	}
}

// receiveCount is the number of times the in-flight message with receipt handle rh
// has been received: goaws's Retry (returns to the queue) plus this receive.
func receiveCount(queue, rh string) (int, bool) {
	app.SyncQueues.RLock()
	defer app.SyncQueues.RUnlock()
	q, ok := app.SyncQueues.Queues[queue]
	if !ok {
		return 0, false
	}
	for _, m := range q.Messages {
		if m.ReceiptHandle == rh {
			return m.Retry + 1, true
		}
	}
	return 0, false
}

func jsonError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", typ+";Sender")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"__type": "com.amazonaws.sqs#" + typ, "message": msg})
	_, _ = w.Write(b)
}
