// Package azmonitor is the Azure Monitor resources nimbus creates (the dead-letter alert and
// the action group it notifies), as typed wrappers registered with package rawres:
// azure-native's monitor/v3 module, like servicebus/v3, has no checksum database entry and
// cannot be required (issue 10). Each wrapper has only the properties nimbus sets or reads,
// and registers what the SDK's NewX would: the same token (the default API versions in
// azure-native 3.16.0: 2018-03-01 for metric alerts, 2024-10-01-preview for action groups),
// package version, aliases and defaults. schema_test.go pins all of it to the monitor SDK's
// generated source at tag v3.16.0, extracted verbatim into testdata/.
package azmonitor

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (pulumi-azure-native-sdk/v3 v3.16.0) registers
// resources, so these share the default provider (and any explicit one) with the typed ones.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// The REST API versions azure-native 3.16.0 serves the unversioned monitor tokens with.
const (
	MetricAlertAPIVersion = "2018-03-01"
	ActionGroupAPIVersion = "2024-10-01-preview"
)

// The discriminators of the one criteria shape nimbus uses: a MetricAlert's criteria is a
// union (single resource, multiple resources, web test) told apart by odataType, and each
// criterion one of static or dynamic threshold, told apart by criterionType.
const (
	SingleResourceMultipleMetricCriteria = "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
	StaticThresholdCriterion             = "StaticThresholdCriterion"
)

// MetricAlertType is a metric alert rule: it evaluates a metric of its scopes every
// evaluation frequency over a window, and notifies its action groups when the criteria hold.
var MetricAlertType = rawres.Type[MetricAlertArgs]{Package: AzureNative, Token: "azure-native:monitor:MetricAlert"}

// MetricAlertArgs are a metric alert's inputs. Durations are ISO 8601 ("PT1M", "PT5M").
type MetricAlertArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// RuleName is autonamed from the resource name when nil.
	RuleName pulumi.StringPtrInput `pulumi:"ruleName"`
	// Location is "global" for metric alerts.
	Location    pulumi.StringPtrInput `pulumi:"location"`
	Description pulumi.StringPtrInput `pulumi:"description"`
	// Scopes are the resource ids whose metric is watched; one for single-resource criteria.
	Scopes pulumi.StringArrayInput `pulumi:"scopes,required"`
	// Severity is 0 (critical) to 4 (verbose).
	Severity pulumi.IntInput  `pulumi:"severity"`
	Enabled  pulumi.BoolInput `pulumi:"enabled"`
	// EvaluationFrequency is how often the rule runs: PT1M, PT5M, PT15M, PT30M or PT1H.
	EvaluationFrequency pulumi.StringInput `pulumi:"evaluationFrequency"`
	// WindowSize is the period aggregated at each evaluation, at least EvaluationFrequency.
	WindowSize pulumi.StringInput `pulumi:"windowSize"`
	// AutoMitigate resolves the alert when the criteria stop holding; Azure's default is true.
	AutoMitigate pulumi.BoolPtrInput `pulumi:"autoMitigate"`
	// Criteria is the single-resource, multiple-metric form (the union member nimbus uses).
	Criteria *MetricAlertCriteriaArgs `pulumi:"criteria,required"`
	Actions  []MetricAlertActionArgs  `pulumi:"actions"`
	Tags     pulumi.StringMapInput    `pulumi:"tags"`
}

// MetricAlertCriteriaArgs are single-resource, multiple-metric criteria: all of AllOf must hold.
type MetricAlertCriteriaArgs struct {
	// OdataType is SingleResourceMultipleMetricCriteria.
	OdataType pulumi.StringInput   `pulumi:"odataType"`
	AllOf     []MetricCriteriaArgs `pulumi:"allOf"`
}

// MetricCriteriaArgs are one static-threshold condition on a metric.
type MetricCriteriaArgs struct {
	// CriterionType is StaticThresholdCriterion.
	CriterionType pulumi.StringInput `pulumi:"criterionType"`
	// Name names the condition within the rule.
	Name pulumi.StringInput `pulumi:"name"`
	// MetricName is the metric ("DeadletteredMessages"), of MetricNamespace
	// ("Microsoft.ServiceBus/namespaces"; the scope's resource type when nil).
	MetricName      pulumi.StringInput    `pulumi:"metricName"`
	MetricNamespace pulumi.StringPtrInput `pulumi:"metricNamespace"`
	// Operator is Equals, GreaterThan, GreaterThanOrEqual, LessThan or LessThanOrEqual.
	Operator  pulumi.StringInput  `pulumi:"operator"`
	Threshold pulumi.Float64Input `pulumi:"threshold"`
	// TimeAggregation is Average, Count, Minimum, Maximum or Total, over the window.
	TimeAggregation pulumi.StringInput `pulumi:"timeAggregation"`
	// Dimensions narrow the metric to some of its series (EntityName: one queue).
	Dimensions []MetricDimensionArgs `pulumi:"dimensions"`
}

// MetricDimensionArgs select series of a metric by one dimension's values.
type MetricDimensionArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
	// Operator is Include or Exclude.
	Operator pulumi.StringInput      `pulumi:"operator"`
	Values   pulumi.StringArrayInput `pulumi:"values,required"`
}

// MetricAlertActionArgs are an action group the alert notifies.
type MetricAlertActionArgs struct {
	// ActionGroupId is the action group's resource id.
	ActionGroupId pulumi.StringPtrInput `pulumi:"actionGroupId"`
}

// MetricAlert is a metric alert's outputs.
type MetricAlert struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// MetricAlertAliases are the types the SDK's NewMetricAlert aliases (the insights module's
// tokens, from before monitor replaced it, and the API-versioned ones).
var MetricAlertAliases = []string{
	"azure-native:insights/v20180301:MetricAlert",
	"azure-native:insights:MetricAlert",
	"azure-native:monitor/v20180301:MetricAlert",
	"azure-native:monitor/v20240301preview:MetricAlert",
}

// NewMetricAlert registers a metric alert.
func NewMetricAlert(ctx *pulumi.Context, name string, args *MetricAlertArgs, opts ...pulumi.ResourceOption) (*MetricAlert, error) {
	opts = append(opts, rawres.Aliases(MetricAlertAliases))
	return rawres.New[MetricAlert](ctx, MetricAlertType, name, args, opts...)
}

// ActionGroupType is an action group: who is notified, and how, when an alert fires.
var ActionGroupType = rawres.Type[ActionGroupArgs]{Package: AzureNative, Token: "azure-native:monitor:ActionGroup"}

// ActionGroupArgs are an action group's inputs.
type ActionGroupArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// ActionGroupName is autonamed from the resource name when nil.
	ActionGroupName pulumi.StringPtrInput `pulumi:"actionGroupName"`
	// GroupShortName is shown in emails and SMS, at most 12 characters.
	GroupShortName pulumi.StringInput `pulumi:"groupShortName"`
	// Location is "Global" for action groups.
	Location pulumi.StringPtrInput `pulumi:"location"`
	// Enabled sends notifications; NewActionGroup sets true when nil, as the SDK does.
	Enabled        pulumi.BoolPtrInput   `pulumi:"enabled"`
	EmailReceivers []EmailReceiverArgs   `pulumi:"emailReceivers"`
	Tags           pulumi.StringMapInput `pulumi:"tags"`
}

// EmailReceiverArgs are one email address notified.
type EmailReceiverArgs struct {
	// Name is unique among the group's receivers.
	Name         pulumi.StringInput `pulumi:"name"`
	EmailAddress pulumi.StringInput `pulumi:"emailAddress"`
	// UseCommonAlertSchema sends the common alert schema's payload; Azure's default is false.
	UseCommonAlertSchema pulumi.BoolPtrInput `pulumi:"useCommonAlertSchema"`
}

// ActionGroup is an action group's outputs. Its id is what a MetricAlertActionArgs names.
type ActionGroup struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// ActionGroupAliases are the types the SDK's NewActionGroup aliases.
var ActionGroupAliases = []string{
	"azure-native:insights/v20230101:ActionGroup",
	"azure-native:insights/v20230901preview:ActionGroup",
	"azure-native:insights/v20241001preview:ActionGroup",
	"azure-native:insights:ActionGroup",
	"azure-native:monitor/v20170401:ActionGroup",
	"azure-native:monitor/v20180301:ActionGroup",
	"azure-native:monitor/v20180901:ActionGroup",
	"azure-native:monitor/v20190301:ActionGroup",
	"azure-native:monitor/v20190601:ActionGroup",
	"azure-native:monitor/v20210901:ActionGroup",
	"azure-native:monitor/v20220401:ActionGroup",
	"azure-native:monitor/v20220601:ActionGroup",
	"azure-native:monitor/v20230101:ActionGroup",
	"azure-native:monitor/v20230901preview:ActionGroup",
	"azure-native:monitor/v20241001preview:ActionGroup",
}

// NewActionGroup registers an action group.
func NewActionGroup(ctx *pulumi.Context, name string, args *ActionGroupArgs, opts ...pulumi.ResourceOption) (*ActionGroup, error) {
	a := ActionGroupArgs{}
	if args != nil {
		a = *args
	}
	if a.Enabled == nil {
		a.Enabled = pulumi.Bool(true)
	}
	opts = append(opts, rawres.Aliases(ActionGroupAliases))
	return rawres.New[ActionGroup](ctx, ActionGroupType, name, &a, opts...)
}
