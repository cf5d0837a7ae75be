package queue

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/alerts"
	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/internal/azmonitor"
	"github.com/nimbus-iac/nimbus/components/internal/azservicebus"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
)

var _ Constructor = ServiceBus{}.New

// Service Bus limits.
const (
	// MaxLockSeconds is Service Bus's longest peek-lock (5 minutes): a longer job renews its lock.
	MaxLockSeconds = 300
	// MaxServiceBusDeliveryCount is the most maxDeliveryCount a queue takes.
	MaxServiceBusDeliveryCount = 2000
)

// ServiceBus places queues on Azure Service Bus. Its New is a [Constructor].
type ServiceBus struct {
	// ResourceGroupName is the stack's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the region (azure-native:location). Required.
	Location string
	// SubscriptionID is the subscription the role definitions are read in. Required.
	SubscriptionID pulumi.StringInput
	// Sku is the namespace's tier: Standard (default) or Premium (zone redundant, dedicated).
	// Basic has no dead-letter alerts by entity, so it is not offered.
	Sku string
}

var serviceBusLocation = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)

func (sb ServiceBus) withDefaults(name string) (ServiceBus, error) {
	check.Default(&sb.Sku, "Standard")
	p := check.For("queue", name)
	if sb.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required on azure: the resource group the namespace is created in")
	}
	if sb.SubscriptionID == nil {
		p.Add("SubscriptionID is required on azure: the subscription whose role definitions grants name")
	}
	if !serviceBusLocation.MatchString(sb.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", sb.Location)
	}
	p.OneOf("Sku", sb.Sku, "Standard", "Premium")
	return sb, p.Err()
}

// iso8601 is n seconds as an ISO 8601 duration, as Service Bus takes durations.
func iso8601(n int) pulumi.String { return pulumi.String(fmt.Sprintf("PT%dS", n)) }

// New creates a Service Bus namespace with local (SAS key) authentication off and TLS 1.2, and
// a queue in it: MaxReceiveCount deliveries (maxDeliveryCount, 1 to 1000), a lock of
// VisibilityTimeoutSeconds (at most 5 minutes: the worker renews the lock of a longer job),
// RetentionSeconds to live, dead-lettered on expiry too. Service Bus keeps dead letters in the
// queue's own dead-letter subqueue, which only the queue feeds; its messages do not expire, so
// DeadLetterRetentionSeconds is checked and has no effect. A metric alert fires while the
// subqueue holds messages, notifying an action group of the alerts' emails.
func (sb ServiceBus) New(ctx *pulumi.Context, name string, args *QueueArgs, opts ...pulumi.ResourceOption) (*Queue, error) {
	var in QueueArgs
	if args != nil {
		in = *args
	}
	if err := alerts.CheckAzure(name+"-alerts", in.Alerts); err != nil {
		return nil, fmt.Errorf("queue %q: %w", name, err)
	}
	sb, err := sb.withDefaults(name)
	if err != nil {
		return nil, err
	}
	q, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(q)
	ns, err := azservicebus.NewNamespace(ctx, name, &azservicebus.NamespaceArgs{
		ResourceGroupName: sb.ResourceGroupName,
		Location:          pulumi.String(sb.Location),
		Sku:               &azservicebus.SkuArgs{Name: pulumi.String(sb.Sku), Tier: pulumi.String(sb.Sku)},
		// Only Entra identities with a data role: no keys to leak or rotate.
		DisableLocalAuth:  pulumi.Bool(true),
		MinimumTlsVersion: pulumi.String("1.2"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the Service Bus namespace of queue %q: %w", name, err)
	}
	queue, err := azservicebus.NewQueue(ctx, name, &azservicebus.QueueArgs{
		ResourceGroupName:                sb.ResourceGroupName,
		NamespaceName:                    ns.Name,
		MaxDeliveryCount:                 pulumi.Int(a.MaxReceiveCount),
		LockDuration:                     iso8601(min(max(a.VisibilityTimeoutSeconds, 5), MaxLockSeconds)),
		DefaultMessageTimeToLive:         iso8601(a.RetentionSeconds),
		DeadLetteringOnMessageExpiration: pulumi.Bool(true),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create Service Bus queue %q: %w", name, err)
	}
	notify, err := alerts.AzureAlerts{ResourceGroupName: sb.ResourceGroupName}.New(ctx, name+"-alerts", &a.Alerts, parent)
	if err != nil {
		return nil, err
	}
	if _, err := azmonitor.NewMetricAlert(ctx, name+"-dlq", &azmonitor.MetricAlertArgs{
		ResourceGroupName:   sb.ResourceGroupName,
		Location:            pulumi.String("global"),
		Description:         pulumi.Sprintf("Queue %s: dead-lettered messages", name),
		Scopes:              pulumi.StringArray{ns.ID().ToStringOutput()},
		Severity:            pulumi.Int(2),
		Enabled:             pulumi.Bool(true),
		EvaluationFrequency: pulumi.String("PT1M"),
		WindowSize:          pulumi.String("PT5M"),
		// Resolves itself once the dead letters were dealt with.
		AutoMitigate: pulumi.Bool(true),
		Criteria: &azmonitor.MetricAlertCriteriaArgs{
			OdataType: pulumi.String(azmonitor.SingleResourceMultipleMetricCriteria),
			AllOf: []azmonitor.MetricCriteriaArgs{{
				CriterionType:   pulumi.String(azmonitor.StaticThresholdCriterion),
				Name:            pulumi.String("deadlettered"),
				MetricName:      pulumi.String("DeadletteredMessages"),
				MetricNamespace: pulumi.String("Microsoft.ServiceBus/namespaces"),
				Operator:        pulumi.String("GreaterThan"),
				Threshold:       pulumi.Float64(0),
				TimeAggregation: pulumi.String("Maximum"),
				Dimensions: []azmonitor.MetricDimensionArgs{{
					Name: pulumi.String("EntityName"), Operator: pulumi.String("Include"), Values: pulumi.StringArray{queue.Name},
				}},
			}},
		},
		Actions: []azmonitor.MetricAlertActionArgs{{ActionGroupId: notify.Target}},
	}, parent); err != nil {
		return nil, fmt.Errorf("cannot create the dead-letter alert of queue %q: %w", name, err)
	}

	host := ns.ServiceBusEndpoint.ApplyT(endpointHost).(pulumi.StringOutput)
	q.Name = queue.Name
	q.Address = queue.ID().ToStringOutput()
	q.DeadLetterAddress = pulumi.Sprintf("%s/$deadletterqueue", queue.Name)
	q.AlertTarget = notify.Target
	q.grants = serviceBusGrants{name: name, args: a, cfg: sb, namespace: ns, queue: queue, host: host}
	return q, q.finish(ctx)
}

// endpointHost is the host of a namespace's endpoint (https://NAME.servicebus.windows.net:443/),
// the fully qualified namespace clients connect to.
func endpointHost(endpoint string) string {
	h := strings.TrimPrefix(endpoint, "https://")
	h, _, _ = strings.Cut(h, "/")
	h, _, _ = strings.Cut(h, ":")
	return h
}

type serviceBusGrants struct {
	name      string
	args      QueueArgs
	cfg       ServiceBus
	namespace *azservicebus.Namespace
	queue     *azservicebus.Queue
	host      pulumi.StringOutput
}

// role grants the consumer's identity a built-in data role on the queue only.
func (g serviceBusGrants) role(suffix, role string) link.AzureApply {
	return func(ctx *pulumi.Context, name string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
		ra, err := azauthorization.NewRoleAssignment(ctx, name+"-"+suffix, &azauthorization.RoleAssignmentArgs{
			PrincipalId:      c.PrincipalID,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: azauthorization.RoleDefinitionID(g.cfg.SubscriptionID, role),
			Scope:            g.queue.ID().ToStringOutput(),
		}, opts...)
		if err != nil {
			return link.AzureApplied{}, fmt.Errorf("cannot grant %q %s on queue %q: %w", name, suffix, g.name, err)
		}
		return link.AzureApplied{Ready: []pulumi.Resource{ra}}, nil
	}
}

func (g serviceBusGrants) env() map[string]link.Value {
	return map[string]link.Value{"QUEUE_NAME": link.Plain(g.queue.Name), "NAMESPACE": link.Plain(g.host)}
}

// publish lets the consumer send to the queue: Azure Service Bus Data Sender on it.
func (g serviceBusGrants) publish() link.Binding {
	return link.AzureBinding{Env: g.env(), Grants: []link.AzureApply{g.role("send", azauthorization.ServiceBusDataSender)}}
}

// subscribe lets the consumer receive from the queue (Azure Service Bus Data Receiver on it),
// tells it to run a receive loop, and scales it with KEDA's azure-servicebus rule on the queue's
// length, authenticated with its identity.
func (g serviceBusGrants) subscribe(s SubscribeArgs) link.Binding {
	env := g.env()
	env["DELIVERY"] = link.Plain(pulumi.String("servicebus"))
	return link.AzureBinding{
		Env:    env,
		Grants: []link.AzureApply{g.role("receive", azauthorization.ServiceBusDataReceiver)},
		Scale: &link.AzureScaleRule{Name: g.name, Type: "azure-servicebus", Metadata: map[string]pulumi.StringInput{
			"namespace": g.namespace.Name,
			"queueName": g.queue.Name,
			// One replica per BatchSize waiting messages.
			"messageCount": pulumi.Sprintf("%d", s.BatchSize),
		}},
		MaxConcurrency: s.MaxConcurrency,
	}
}
