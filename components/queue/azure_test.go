package queue_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/queue"
	"github.com/nimbus-iac/nimbus/components/queue/queuetest"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

const (
	sbNamespaceType = "azure-native:servicebus:Namespace"
	sbQueueType     = "azure-native:servicebus:Queue"
	metricAlertType = "azure-native:monitor:MetricAlert"
	roleType        = "azure-native:authorization:RoleAssignment"
)

var serviceBus = queue.ServiceBus{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope", SubscriptionID: pulumi.String(fakecloud.AzureSubscription)}

func TestServiceBusQueueConformance(t *testing.T) {
	queuetest.Run(t, serviceBus.New, queuetest.Cloud{
		DeadLetter: func(t *testing.T, r componenttest.Result, maxReceiveCount int) {
			q := r.One(t, sbQueueType)
			got := map[string]any{
				"maxDeliveryCount": componenttest.Prop(q.Inputs, "maxDeliveryCount"),
				"onExpiration":     componenttest.Prop(q.Inputs, "deadLetteringOnMessageExpiration"),
				"lock":             componenttest.Prop(q.Inputs, "lockDuration"),
				"ttl":              componenttest.Prop(q.Inputs, "defaultMessageTimeToLive"),
			}
			want := map[string]any{"maxDeliveryCount": float64(maxReceiveCount), "onExpiration": true, "lock": "PT180S", "ttl": "PT345600S"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("dead-lettering after maxReceiveCount deliveries and on expiry, the lock from the visibility timeout (-want +got):\n%s", diff)
			}
			alert := r.One(t, metricAlertType)
			ns := r.One(t, sbNamespaceType)
			got = map[string]any{
				"scopes":    componenttest.Prop(alert.Inputs, "scopes"),
				"metric":    componenttest.Prop(alert.Inputs, "criteria.allOf.0.metricName"),
				"entity":    componenttest.Prop(alert.Inputs, "criteria.allOf.0.dimensions.0.values"),
				"threshold": componenttest.Prop(alert.Inputs, "criteria.allOf.0.threshold"),
			}
			want = map[string]any{"scopes": []any{ns.ID}, "metric": "DeadletteredMessages", "entity": []any{componenttest.Str(q.Outputs, "name")}, "threshold": 0.0}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("an alert on the queue's dead-lettered messages (-want +got):\n%s", diff)
			}
		},
		Encrypted: func(t *testing.T, r componenttest.Result) {
			// Service Bus encrypts at rest with Microsoft-managed keys; no setting. In transit:
			// TLS 1.2 at least, and no keys.
			ns := r.One(t, sbNamespaceType)
			got := map[string]any{"tls": componenttest.Prop(ns.Inputs, "minimumTlsVersion"), "local auth off": componenttest.Prop(ns.Inputs, "disableLocalAuth")}
			if diff := cmp.Diff(map[string]any{"tls": "1.2", "local auth off": true}, got); diff != "" {
				t.Errorf("namespace (-want +got):\n%s", diff)
			}
			if g := r.Cloud.Generic(); len(g) > 0 {
				t.Errorf("every Azure type has a fake cloud model, these used the generic one: %v", g)
			}
		},
		Grants: func(t *testing.T, publish, subscribe link.Grant) {
			p := componenttest.Binding[link.AzureBinding](t, publish)
			if len(p.Grants) != 1 || p.Scale != nil {
				t.Errorf("publish: want one grant and no scale rule, got %d and %v", len(p.Grants), p.Scale)
			}
			s := componenttest.Binding[link.AzureBinding](t, subscribe)
			if len(s.Grants) != 1 || s.Scale == nil || s.Scale.Type != "azure-servicebus" || s.MaxConcurrency != 4 {
				t.Errorf("subscribe: want one grant, an azure-servicebus scale rule and MaxConcurrency 4, got %d, %v and %d", len(s.Grants), s.Scale, s.MaxConcurrency)
			}
		},
	})
}

// TestServiceBusBindings applies the queue's bindings as the Container Apps function will:
// publish is Data Sender on the queue, subscribe Data Receiver on the queue, a receive loop and
// a KEDA rule on the queue's length; both hand out the queue's name and namespace host.
func TestServiceBusBindings(t *testing.T) {
	var pubEnv, subEnv, scale map[string]any
	r := componenttest.Run(t, func(ctx *pulumi.Context) error {
		q, err := serviceBus.New(ctx, "jobs", &queue.QueueArgs{MaxReceiveCount: 5, Alerts: alerts.AlertsArgs{Emails: []string{"ops@example.com"}}})
		if err != nil {
			return err
		}
		sub, err := q.Subscribe(queue.SubscribeArgs{BatchSize: 5})
		if err != nil {
			return err
		}
		api := link.AzureConsumer{PrincipalID: pulumi.String("api-principal"), ClientID: pulumi.String("api-client"), Name: pulumi.String("api")}
		worker := link.AzureConsumer{PrincipalID: pulumi.String("worker-principal"), ClientID: pulumi.String("worker-client"), Name: pulumi.String("worker")}
		pb, err := link.As[link.AzureBinding](link.Named("JOBS", q.Publish()))
		if err != nil {
			return err
		}
		if _, err := link.ApplyAzureGrants(ctx, "api-jobs", pb, api); err != nil {
			return err
		}
		sb, err := link.As[link.AzureBinding](link.Named("JOBS", sub))
		if err != nil {
			return err
		}
		if _, err := link.ApplyAzureGrants(ctx, "worker-jobs", sb, worker); err != nil {
			return err
		}
		pubEnv, subEnv = componenttest.AwaitEnv(t, pb.Env), componenttest.AwaitEnv(t, sb.Env)
		meta := pulumi.Map{}
		for k, v := range sb.Scale.Metadata {
			meta[k] = v
		}
		scale = componenttest.Await(t, meta)
		return nil
	})
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	ns := r.One(t, sbNamespaceType)
	q := r.One(t, sbQueueType)
	nsName, qName := componenttest.Str(ns.Outputs, "name"), componenttest.Str(q.Outputs, "name")
	host := nsName + ".servicebus.windows.net"
	if diff := cmp.Diff(map[string]any{"QUEUE_NAME": qName, "NAMESPACE": host}, pubEnv); diff != "" {
		t.Errorf("publish env (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"QUEUE_NAME": qName, "NAMESPACE": host, "DELIVERY": "servicebus"}, subEnv); diff != "" {
		t.Errorf("subscribe env (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"namespace": nsName, "queueName": qName, "messageCount": "5"}, scale); diff != "" {
		t.Errorf("KEDA rule metadata (-want +got):\n%s", diff)
	}
	roles := map[string]string{}
	for _, ra := range r.ByType(roleType) {
		roles[ra.Name] = componenttest.Str(ra.Inputs, "principalId") + " " + componenttest.Str(ra.Inputs, "principalType") + " " +
			componenttest.Str(ra.Inputs, "roleDefinitionId") + " on " + componenttest.Str(ra.Inputs, "scope")
	}
	def := "/subscriptions/" + fakecloud.AzureSubscription + "/providers/Microsoft.Authorization/roleDefinitions/"
	want := map[string]string{
		"api-jobs-send":       "api-principal ServicePrincipal " + def + "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39 on " + q.ID,
		"worker-jobs-receive": "worker-principal ServicePrincipal " + def + "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0 on " + q.ID,
	}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("role assignments: a data role on the queue only (-want +got):\n%s", diff)
	}
	alert := r.One(t, metricAlertType)
	group := r.One(t, "azure-native:monitor:ActionGroup")
	if got := componenttest.Prop(alert.Inputs, "actions"); !cmp.Equal(got, []any{map[string]any{"actionGroupId": group.ID}}) {
		t.Errorf("the alert notifies the action group %s, got %v", group.ID, got)
	}
	if got := componenttest.Prop(group.Inputs, "emailReceivers.0.emailAddress"); got != "ops@example.com" {
		t.Errorf("the action group emails ops@example.com, got %v", got)
	}
}

func TestServiceBusInvalid(t *testing.T) {
	cases := map[string]struct {
		reason string
		sb     queue.ServiceBus
		args   *queue.QueueArgs
		want   string
	}{
		"basic": {reason: "Basic is not offered", sb: queue.ServiceBus{ResourceGroupName: pulumi.String("g"), SubscriptionID: pulumi.String("s"), Location: "westeurope", Sku: "Basic"},
			want: `Sku must be one of [Standard Premium], got "Basic"`},
		"location": {reason: "a display name is not a region", sb: queue.ServiceBus{ResourceGroupName: pulumi.String("g"), SubscriptionID: pulumi.String("s"), Location: "West Europe"},
			want: `Location must be an Azure region like westeurope`},
		"group": {reason: "the resource group is required", sb: queue.ServiceBus{SubscriptionID: pulumi.String("s"), Location: "westeurope"},
			want: "ResourceGroupName is required on azure"},
		"existing alerts": {reason: "an SNS topic is no action group", sb: serviceBus, args: &queue.QueueArgs{Alerts: alerts.AlertsArgs{Existing: "arn:aws:sns:us-east-1:123456789012:ops"}},
			want: "Existing must be an Azure Monitor action group's id"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.sb.New(ctx, "jobs", tc.args)
				return err
			}, tc.want)
		})
	}
}
