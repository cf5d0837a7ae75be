package awsadapter

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// jsonService calls one AWS service over its JSON protocol, signed with the SDK's SigV4 signer.
//
// The functions make exactly two AWS calls themselves: SQS SendMessage (api) and Secrets Manager
// GetSecretValue (when the database is reached with a secret). The SDK's clients for those two
// services (their operations, types, schemas and endpoint rules) cost about 1.2 ms of package
// initialisation on every cold start, which put the api over its cold-start budget
// (bench/coldstart.sh, docs/benchmarks.md). So those two calls go through this small client; the
// signing, credentials and S3 stay the SDK's.
type jsonService struct {
	Config aws.Config
	// Service is the signing name and endpoint prefix ("sqs", "secretsmanager").
	Service string
	// Version is the JSON protocol version: "1.0" (SQS) or "1.1" (Secrets Manager).
	Version string
	// TargetPrefix prefixes the operation in X-Amz-Target ("AmazonSQS", "secretsmanager").
	TargetPrefix string
	// Endpoint overrides https://SERVICE.REGION.amazonaws.com (local servers, tests).
	Endpoint string
	// HTTP is the client used; nil means http.DefaultClient.
	HTTP *http.Client
	// Now is the signing clock; nil means time.Now.
	Now func() time.Time
}

// call sends op with in as its JSON body and decodes the answer into out. Errors carry the HTTP
// status and the service's error type and message.
func (s jsonService) call(ctx context.Context, op string, in, out any) error {
	region := s.Config.Region
	if region == "" {
		return errors.New("AWS_REGION not set")
	}
	url := s.Endpoint
	if url == "" {
		domain := "amazonaws.com"
		if strings.HasPrefix(region, "cn-") {
			domain = "amazonaws.com.cn"
		}
		url = "https://" + s.Service + "." + region + "." + domain + "/"
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("cannot encode %s: %w", op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-"+s.Version)
	req.Header.Set("X-Amz-Target", s.TargetPrefix+"."+op)
	if s.Config.Credentials == nil {
		return fmt.Errorf("%s: no AWS credentials", op)
	}
	creds, err := s.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), s.Service, region, now()); err != nil {
		return fmt.Errorf("cannot sign %s: %w", op, err)
	}
	client := s.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		if i := strings.LastIndex(e.Type, "#"); i >= 0 {
			e.Type = e.Type[i+1:] // "com.amazonaws.sqs#QueueDoesNotExist"
		}
		return fmt.Errorf("%s: %s %s: %s", op, resp.Status, e.Type, e.Message)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: malformed answer: %w", op, err)
	}
	return nil
}
