package awsadapter_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
)

// seen is what an http.Handler saw of a request.
type seen struct {
	Method, Path, RawQuery, Host, RemoteAddr string
	Headers                                  map[string]string
	Body                                     []byte
	ContentLength                            int64
}

func echo(got *seen) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		*got = seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Host: r.Host, RemoteAddr: r.RemoteAddr,
			Headers: map[string]string{"Content-Type": r.Header.Get("Content-Type"), "Cookie": r.Header.Get("Cookie"), "X-Custom": r.Header.Get("X-Custom")},
			Body:    body, ContentLength: r.ContentLength}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
}

func TestAPIGatewayConversion(t *testing.T) {
	t.Parallel()
	binary := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xFF}
	withStage := testenv.APIGatewayRequest("GET", "/prod/images/x", nil, nil)
	withStage.RequestContext.Stage = "prod"
	withCookies := testenv.APIGatewayRequest("GET", "/healthz", map[string]string{"X-Custom": "v"}, nil)
	withCookies.Cookies = []string{"c=1", "d=2"}

	type want struct {
		seen   seen
		status int
	}
	cases := map[string]struct {
		reason string
		event  events.APIGatewayV2HTTPRequest
		want   want
	}{
		"BinaryBody": {
			reason: "A base64-encoded body reaches the handler as the original bytes, with its length.",
			event:  testenv.APIGatewayRequest("POST", "/images", map[string]string{"Content-Type": "image/png"}, binary),
			want: want{status: 418, seen: seen{Method: "POST", Path: "/images", Host: "abcdef1234.execute-api.us-east-1.amazonaws.com", RemoteAddr: "198.51.100.7",
				Headers: map[string]string{"Content-Type": "image/png"}, Body: binary, ContentLength: int64(len(binary))}},
		},
		"TextBodyAndQuery": {
			reason: "A plain body and the raw query string pass unchanged.",
			event:  testenv.APIGatewayRequest("PUT", "/a%20b/c?x=1&y=%2F", map[string]string{"Content-Type": "text/plain"}, []byte("hello")),
			want: want{status: 418, seen: seen{Method: "PUT", Path: "/a b/c", RawQuery: "x=1&y=%2F", Host: "abcdef1234.execute-api.us-east-1.amazonaws.com", RemoteAddr: "198.51.100.7",
				Headers: map[string]string{"Content-Type": "text/plain"}, Body: []byte("hello"), ContentLength: 5}},
		},
		"NamedStage": {
			reason: "With a named stage the stage prefix of rawPath is removed.",
			event:  withStage,
			want: want{status: 418, seen: seen{Method: "GET", Path: "/images/x", Host: "abcdef1234.execute-api.us-east-1.amazonaws.com", RemoteAddr: "198.51.100.7",
				Headers: map[string]string{}, Body: []byte{}}},
		},
		"CookiesAndHeaders": {
			reason: "Cookies become one Cookie header; other headers pass.",
			event:  withCookies,
			want: want{status: 418, seen: seen{Method: "GET", Path: "/healthz", Host: "abcdef1234.execute-api.us-east-1.amazonaws.com", RemoteAddr: "198.51.100.7",
				Headers: map[string]string{"Cookie": "c=1; d=2", "X-Custom": "v"}, Body: []byte{}}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var got seen
			var resp events.APIGatewayV2HTTPResponse
			if err := testenv.Invoke(context.Background(), awsadapter.NewHTTPHandler(echo(&got)), tc.event, &resp); err != nil {
				t.Fatal(err)
			}
			for k, v := range got.Headers {
				if v == "" {
					delete(got.Headers, k)
				}
			}
			if diff := cmp.Diff(tc.want, want{seen: got, status: resp.StatusCode}, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
			wantResp := events.APIGatewayV2HTTPResponse{StatusCode: 418, Body: `{"ok":true}`, Cookies: []string{"a=1", "b=2"},
				Headers: map[string]string{"Content-Type": "application/json", "Vary": "Origin,Accept"}}
			if diff := cmp.Diff(wantResp, resp); diff != "" {
				t.Errorf("response: -want +got:\n%s", diff)
			}
		})
	}
}

func TestAPIGatewayBadEvents(t *testing.T) {
	t.Parallel()
	badBase64 := testenv.APIGatewayRequest("POST", "/images", nil, []byte{0xFF})
	badBase64.Body = "%%% not base64"
	noMethod := testenv.APIGatewayRequest("GET", "/x", nil, nil)
	noMethod.RequestContext.HTTP.Method = ""
	for name, ev := range map[string]events.APIGatewayV2HTTPRequest{"BadBase64": badBase64, "NoMethod": noMethod} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			called := false
			h := awsadapter.NewHTTPHandler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
			var resp events.APIGatewayV2HTTPResponse
			if err := testenv.Invoke(context.Background(), h, ev, &resp); err != nil {
				t.Fatalf("the adapter returned a Lambda error (API Gateway would answer an opaque 500): %v", err)
			}
			var body map[string]string
			_ = json.Unmarshal([]byte(resp.Body), &body)
			if resp.StatusCode != 400 || body["error"] == "" || called {
				t.Errorf("status %d, body %q, handler called %v; want 400 with a JSON error and no call", resp.StatusCode, resp.Body, called)
			}
		})
	}
}

func TestAPIGatewayBinaryResponse(t *testing.T) {
	t.Parallel()
	img := []byte{0xFF, 0xD8, 0xFF, 0x00, 0x10}
	h := awsadapter.NewHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write(img)
	}))
	var resp events.APIGatewayV2HTTPResponse
	if err := testenv.Invoke(context.Background(), h, testenv.APIGatewayRequest("GET", "/t.jpg", nil, nil), &resp); err != nil {
		t.Fatal(err)
	}
	got, _ := base64.StdEncoding.DecodeString(resp.Body)
	if !resp.IsBase64Encoded || string(got) != string(img) || resp.StatusCode != 200 {
		t.Errorf("binary response: base64 %v, status %d, body %x; want base64 of %x", resp.IsBase64Encoded, resp.StatusCode, got, img)
	}
}
