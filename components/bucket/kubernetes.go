package bucket

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = S3Compatible{}.New
	_ granter     = s3CompatibleGrants{}
)

// The keys a credentials Secret of an S3-compatible store holds (S3Compatible.CredentialsSecret).
const (
	AccessKeyIDKey     = "AWS_ACCESS_KEY_ID"
	SecretAccessKeyKey = "AWS_SECRET_ACCESS_KEY"
)

// S3Compatible is an existing bucket of an S3-compatible object store (MinIO, Ceph RGW, a cloud's
// S3 API) used from Kubernetes. Its New is a [Constructor].
type S3Compatible struct {
	// Endpoint is the store's URL: https://, or http:// to an in-cluster Service
	// (HOST.svc or HOST.svc.cluster.local). Required.
	Endpoint string
	// Bucket is the existing bucket's name. Required.
	Bucket string
	// Region is the store's region, for request signing: default us-east-1.
	Region string
	// CredentialsSecret is the Secret (in the consumers' namespace) holding the access key under
	// AccessKeyIDKey and SecretAccessKeyKey. Required.
	CredentialsSecret string
}

var (
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	secretName = regexp.MustCompile(`^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$`)
)

func (s S3Compatible) withDefaults(name string) (S3Compatible, error) {
	check.Default(&s.Region, "us-east-1")
	p := check.For("bucket", name)
	u, err := url.Parse(s.Endpoint)
	switch {
	case s.Endpoint == "":
		p.Add("Endpoint is required on kubernetes: the URL of the S3-compatible store")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		p.Add("Endpoint must be an http(s):// URL, got %q", s.Endpoint)
	case u.Scheme == "http" && !strings.HasSuffix(u.Hostname(), ".svc") && !strings.HasSuffix(u.Hostname(), ".svc.cluster.local"):
		p.Add("Endpoint must be https:// outside the cluster (http:// only to an in-cluster Service, HOST.svc.cluster.local), got %q", s.Endpoint)
	}
	if !bucketName.MatchString(s.Bucket) {
		p.Add("Bucket must be an S3 bucket name (3 to 63 lower-case letters, digits, . and -), got %q", s.Bucket)
	}
	if !secretName.MatchString(s.CredentialsSecret) {
		p.Add("CredentialsSecret must name a Secret (a DNS subdomain) with keys %s and %s, got %q", AccessKeyIDKey, SecretAccessKeyKey, s.CredentialsSecret)
	}
	return s, p.Err()
}

// New uses the existing bucket: it creates nothing in the cluster (the store, the bucket and its
// lifecycle rules are managed where the store is), and hands consumers the endpoint and
// references to the credentials Secret.
func (s S3Compatible) New(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	s, err := s.withDefaults(name)
	if err != nil {
		return nil, err
	}
	b, _, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	b.Name = pulumi.String(s.Bucket).ToStringOutput()
	b.grants = s3CompatibleGrants{s: s}
	return b, b.finish(ctx)
}

type s3CompatibleGrants struct{ s S3Compatible }

// bind hands the S3 SDK its settings under the names it reads; the access key's own policy in the
// store decides what it may do, so give each stack a key limited to its bucket.
func (g s3CompatibleGrants) bind([]Use) link.Binding {
	secret := pulumi.String(g.s.CredentialsSecret)
	return link.KubernetesBinding{SharedEnv: map[string]link.Value{
		"AWS_ENDPOINT_URL_S3":   link.Plain(pulumi.String(g.s.Endpoint)),
		"AWS_REGION":            link.Plain(pulumi.String(g.s.Region)),
		"AWS_ACCESS_KEY_ID":     link.SecretRef{Name: secret, Key: AccessKeyIDKey},
		"AWS_SECRET_ACCESS_KEY": link.SecretRef{Name: secret, Key: SecretAccessKeyKey},
	}}
}
