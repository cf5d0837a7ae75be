package testenv

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// S3 is a gofakes3 server with one bucket, counting object writes and able to hold
// object reads.
type S3 struct {
	Endpoint string
	Bucket   string
	backend  *s3mem.Backend

	mu    sync.Mutex
	puts  map[string]int
	holds []*hold
}

type hold struct {
	prefix  string
	pass    int           // reads still let through
	waiting int           // reads held now
	release chan struct{} // closed by the release func
}

// StartS3 starts gofakes3 on an httptest server with bucket created, and stops it when
// the test ends. Clients must use path-style addressing.
func StartS3(t testing.TB, bucket string) *S3 {
	t.Helper()
	s := &S3{Bucket: bucket, backend: s3mem.New(), puts: map[string]int{}}
	if err := s.backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	faker := gofakes3.New(s.backend, gofakes3.WithLogger(gofakes3.DiscardLog()), gofakes3.WithAutoBucket(false))
	inner := faker.Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, isObject := strings.CutPrefix(r.URL.Path, "/"+bucket+"/")
		switch {
		case isObject && r.Method == http.MethodPut:
			// Count only writes that succeed.
			rec := &statusRecorder{ResponseWriter: w}
			inner.ServeHTTP(rec, r)
			if rec.status < 300 {
				s.mu.Lock()
				s.puts[key]++
				s.mu.Unlock()
			}
			return
		case isObject && r.Method == http.MethodGet:
			if h := s.holdFor(key); h != nil {
				select {
				case <-h.release:
				case <-r.Context().Done(): // the client died
				}
				s.mu.Lock()
				h.waiting--
				s.mu.Unlock()
				if r.Context().Err() != nil {
					return
				}
			}
		}
		inner.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.Endpoint = srv.URL
	return s
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *S3) holdFor(key string) *hold {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range s.holds {
		if !strings.HasPrefix(key, h.prefix) {
			continue
		}
		select {
		case <-h.release:
			continue
		default:
		}
		if h.pass > 0 {
			h.pass--
			return nil
		}
		h.waiting++
		return h
	}
	return nil
}

// HoldGets lets the next pass reads of objects under prefix through and holds every
// later one until release is called (or its client goes away). waiting reports how many
// reads are held now.
func (s *S3) HoldGets(prefix string, pass int) (waiting func() int, release func()) {
	h := &hold{prefix: prefix, pass: pass, release: make(chan struct{})}
	s.mu.Lock()
	s.holds = append(s.holds, h)
	s.mu.Unlock()
	var once sync.Once
	return func() int {
			s.mu.Lock()
			defer s.mu.Unlock()
			return h.waiting
		}, func() {
			once.Do(func() { close(h.release) })
		}
}

// Puts returns how many successful writes the object key has had.
func (s *S3) Puts(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.puts[key]
}

// Keys lists the objects under prefix, sorted.
func (s *S3) Keys(t testing.TB, prefix string) []string {
	t.Helper()
	p := gofakes3.Prefix{HasPrefix: true, Prefix: prefix}
	list, err := s.backend.ListBucket(s.Bucket, &p, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	sort.Strings(keys)
	return keys
}

// Object returns an object's bytes and content type.
func (s *S3) Object(t testing.TB, key string) ([]byte, string) {
	t.Helper()
	obj, err := s.backend.GetObject(s.Bucket, key, nil)
	if err != nil {
		t.Fatalf("cannot read s3://%s/%s: %v", s.Bucket, key, err)
	}
	defer obj.Contents.Close()
	b, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return b, obj.Metadata["Content-Type"]
}

// Client returns an SDK client for this server (path-style, static test credentials).
func (s *S3) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}
