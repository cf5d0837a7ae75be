package kubetest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/kubetest"
)

// TestCRDsValidate checks that the installed CRDs make the API server validate the objects the
// local stack declares as a cluster with Knative and CloudNativePG would (a server-side dry run:
// nothing is stored).
func TestCRDsValidate(t *testing.T) {
	srv := kubetest.StartAPIServer(t)
	names := kubetest.InstallCRDs(t, srv)
	for _, want := range []string{
		"services.serving.knative.dev", "brokers.eventing.knative.dev", "triggers.eventing.knative.dev",
		"clusters.postgresql.cnpg.io", "poolers.postgresql.cnpg.io",
	} {
		if !contains(names, want) {
			t.Errorf("InstallCRDs installed no %s; it installed %v", want, names)
		}
	}
	const (
		services = "/apis/serving.knative.dev/v1/namespaces/default/services"
		brokers  = "/apis/eventing.knative.dev/v1/namespaces/default/brokers"
		triggers = "/apis/eventing.knative.dev/v1/namespaces/default/triggers"
		clusters = "/apis/postgresql.cnpg.io/v1/namespaces/default/clusters"
		poolers  = "/apis/postgresql.cnpg.io/v1/namespaces/default/poolers"
	)
	sink := `{"ref":{"apiVersion":"serving.knative.dev/v1","kind":"Service","name":"dlq"}}`
	tests := map[string]struct {
		reason  string
		path    string
		body    string
		status  int
		message string // in the rejection
	}{
		"ServiceValid": {
			reason: "a Knative Service with min-scale and a numeric containerConcurrency is accepted",
			path:   services,
			body:   `{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"api"},"spec":{"template":{"metadata":{"annotations":{"autoscaling.knative.dev/min-scale":"1"}},"spec":{"containerConcurrency":10,"containers":[{"image":"example/api"}]}}}}`,
			status: http.StatusCreated,
		},
		"ServiceContainerConcurrencyString": {
			reason:  "containerConcurrency is an integer in Knative's schema",
			path:    services,
			body:    `{"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"api"},"spec":{"template":{"spec":{"containerConcurrency":"ten","containers":[{"image":"example/api"}]}}}}`,
			status:  http.StatusUnprocessableEntity,
			message: "containerConcurrency",
		},
		"BrokerWithDeadLetterSink": {
			reason: "a Broker with a dead-letter sink is accepted",
			path:   brokers,
			body:   `{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","metadata":{"name":"default"},"spec":{"delivery":{"deadLetterSink":` + sink + `,"retry":3}}}`,
			status: http.StatusCreated,
		},
		"BrokerRetryString": {
			reason:  "delivery.retry is an integer",
			path:    brokers,
			body:    `{"apiVersion":"eventing.knative.dev/v1","kind":"Broker","metadata":{"name":"default"},"spec":{"delivery":{"retry":"three"}}}`,
			status:  http.StatusUnprocessableEntity,
			message: "retry",
		},
		"TriggerWithDeadLetterSink": {
			reason: "a Trigger of a broker, with a subscriber and a dead-letter sink, is accepted",
			path:   triggers,
			body:   `{"apiVersion":"eventing.knative.dev/v1","kind":"Trigger","metadata":{"name":"orders"},"spec":{"broker":"default","subscriber":` + sink + `,"delivery":{"deadLetterSink":` + sink + `}}}`,
			status: http.StatusCreated,
		},
		"ClusterValid": {
			reason: "a CloudNativePG Cluster of two instances is accepted",
			path:   clusters,
			body:   `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"db"},"spec":{"instances":2,"storage":{"size":"1Gi"}}}`,
			status: http.StatusCreated,
		},
		"ClusterNoInstances": {
			reason:  "a Cluster needs at least one instance",
			path:    clusters,
			body:    `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Cluster","metadata":{"name":"db"},"spec":{"instances":0}}`,
			status:  http.StatusUnprocessableEntity,
			message: "instances",
		},
		"PoolerValid": {
			reason: "a Pooler of a cluster, in transaction mode, is accepted",
			path:   poolers,
			body:   `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Pooler","metadata":{"name":"db-rw"},"spec":{"cluster":{"name":"db"},"type":"rw","pgbouncer":{"poolMode":"transaction"}}}`,
			status: http.StatusCreated,
		},
		"PoolerWithoutPgbouncer": {
			reason:  "a Pooler must say how PgBouncer pools",
			path:    poolers,
			body:    `{"apiVersion":"postgresql.cnpg.io/v1","kind":"Pooler","metadata":{"name":"db-rw"},"spec":{"cluster":{"name":"db"}}}`,
			status:  http.StatusUnprocessableEntity,
			message: "pgbouncer",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			status, body, err := srv.Do(context.Background(), http.MethodPost, tc.path+"?dryRun=All", "application/json", []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.status, status); diff != "" {
				t.Errorf("%s: status (-want +got):\n%s\n%s", tc.reason, diff, body)
			}
			if tc.message != "" && !strings.Contains(string(body), tc.message) {
				t.Errorf("%s: the rejection does not name %q: %s", tc.reason, tc.message, body)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
