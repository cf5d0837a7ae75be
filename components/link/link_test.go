package link_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/link"
)

// kubeBinding stands for another cloud's binding type.
type kubeBinding struct{ ServiceAccount string }

func (kubeBinding) Cloud() string { return "kubernetes" }

func TestAs(t *testing.T) {
	aws := link.AWSBinding{Reach: []link.Reach{{Description: "Postgres", Port: 5432}}}
	cases := map[string]struct {
		reason  string
		binding link.Binding
		want    link.AWSBinding
		wantErr string
	}{
		"own cloud": {
			reason:  "a consumer takes its own cloud's binding as it was handed out",
			binding: aws,
			want:    aws,
		},
		"other cloud": {
			reason:  "a binding of another cloud is refused, naming both clouds",
			binding: kubeBinding{ServiceAccount: "worker"},
			wantErr: "link DB (connect database db) is bound for kubernetes, but this consumer runs on aws: link it to a resource on aws",
		},
		"none": {
			reason:  "a grant without a binding is refused rather than applied as nothing",
			wantErr: "link DB (connect database db) has no binding, but this consumer runs on aws and needs a binding for aws",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := link.Named("DB", link.Grant{Resource: "database db", Access: link.Connect, Binding: tc.binding})
			got, err := link.As[link.AWSBinding](l)
			var gotErr string
			if err != nil {
				gotErr = err.Error()
			}
			if diff := cmp.Diff(tc.wantErr, gotErr); diff != "" {
				t.Errorf("%s: error (-want +got):\n%s", tc.reason, diff)
			}
			if diff := cmp.Diff(tc.want.Reach, got.Reach, cmp.Comparer(func(a, b pulumi.StringInput) bool { return a == b })); diff != "" {
				t.Errorf("%s: binding (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	plain := link.Plain(pulumi.String("x"))
	cases := map[string]struct {
		reason string
		links  []link.Link
		want   string
	}{
		"plain and secret": {
			reason: "plain values and secret references are both environment values",
			links: []link.Link{
				link.Named("JOBS", link.Grant{Resource: "queue jobs", Env: map[string]link.Value{"QUEUE_URL": plain}}),
				link.Named("DB", link.Grant{Resource: "database db", Env: map[string]link.Value{"PASSWORD": link.SecretRef{Name: pulumi.String("db-app"), Key: "password"}}}),
			},
		},
		"lower-case name": {
			reason: "link names prefix environment variables, so they are upper-case identifiers",
			links:  []link.Link{link.Named("jobs", link.Grant{Resource: "queue jobs"})},
			want:   `link name "jobs" must match ^[A-Z][A-Z0-9_]*$`,
		},
		"collision": {
			reason: "two links must not set the same variable",
			links: []link.Link{
				link.Named("A", link.Grant{Resource: "queue a", Env: map[string]link.Value{"B_URL": plain}}),
				link.Named("A_B", link.Grant{Resource: "queue b", Env: map[string]link.Value{"URL": plain}}),
			},
			want: `links "queue a" and "queue b" both set A_B_URL`,
		},
		"nil value": {
			reason: "a value must say whether it is plain or a secret reference",
			links:  []link.Link{link.Named("DB", link.Grant{Resource: "database db", Env: map[string]link.Value{"HOST": nil}})},
			want:   "link DB sets DB_HOST to nil; want link.Plain(...) or a link.SecretRef",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got string
			if err := link.Validate(tc.links); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestEnvironment(t *testing.T) {
	ref := link.SecretRef{Name: pulumi.String("db-app"), Key: "password"}
	links := []link.Link{
		link.Named("JOBS", link.Grant{Env: map[string]link.Value{"QUEUE_URL": link.Plain(pulumi.String("u"))}}),
		link.Named("DB", link.Grant{Env: map[string]link.Value{"PASSWORD": ref}}),
	}
	env := link.Environment(links)
	if diff := cmp.Diff([]string{"DB_PASSWORD", "JOBS_QUEUE_URL"}, link.Keys(links)); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if got, ok := env["DB_PASSWORD"].(link.SecretRef); !ok || got.Key != "password" {
		t.Errorf("a secret reference must stay a secret reference, got %#v", env["DB_PASSWORD"])
	}
	if _, ok := env["JOBS_QUEUE_URL"].(link.PlainValue); !ok {
		t.Errorf("a plain value must stay plain, got %#v", env["JOBS_QUEUE_URL"])
	}
}
