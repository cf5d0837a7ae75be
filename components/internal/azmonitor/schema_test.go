package azmonitor

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// sdkDir holds the declarations the wrappers use from azure-native's monitor/v3 Go SDK at tag
// v3.16.0, extracted verbatim (testdata/README.md says from where and how).
const sdkDir = "testdata/azure-native-sdk-v3.16.0/monitor"

// criteriaMember is the member of MetricAlert's criteria union MetricAlertCriteriaArgs is.
const criteriaMember = "MetricAlertSingleResourceMultipleMetricCriteria"

func parseSDK(t *testing.T, file, resource string) rawrestest.SDKResource {
	t.Helper()
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(sdkDir, file), resource)
	if err != nil {
		t.Fatal(err)
	}
	return sdk
}

// TestSchema pins each wrapper's token, inputs (names, types, required, nested, the criteria
// union's member) and outputs to the SDK's, and the package to the SDK's version.
func TestSchema(t *testing.T) {
	if got := rawrestest.PluginVersion(t, rawrestest.SDKFile(sdkDir, "pulumi-plugin.json")); got != AzureNative.Version {
		t.Errorf("the wrappers register with version %s, the SDK's resources with %s", AzureNative.Version, got)
	}
	cases := map[string]struct {
		file string
		pin  func(*testing.T, rawrestest.SDKResource) []string
	}{
		"MetricAlert": {file: "metricAlert.go", pin: func(t *testing.T, s rawrestest.SDKResource) []string {
			s, err := rawrestest.Union(s, "criteria", criteriaMember)
			if err != nil {
				t.Fatal(err)
			}
			return rawrestest.Pin(s, MetricAlertType, reflect.TypeFor[MetricAlert]())
		}},
		"ActionGroup": {file: "actionGroup.go", pin: func(_ *testing.T, s rawrestest.SDKResource) []string {
			return rawrestest.Pin(s, ActionGroupType, reflect.TypeFor[ActionGroup]())
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff([]string(nil), tc.pin(t, parseSDK(t, tc.file, name))); diff != "" {
				t.Errorf("%s differs from the SDK's (-want +got):\n%s", name, diff)
			}
		})
	}
}

// TestDiscriminators checks the constants nimbus sends to pick the union members are the
// ones the SDK documents for them.
func TestDiscriminators(t *testing.T) {
	values, err := rawrestest.ExpectedValues(sdkDir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		criteriaMember:   {"odataType": SingleResourceMultipleMetricCriteria},
		"MetricCriteria": {"criterionType": StaticThresholdCriterion},
	}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("discriminators (-nimbus +SDK):\n%s", diff)
	}
}

// TestAPIVersion checks the tokens are served with the API versions the package says.
func TestAPIVersion(t *testing.T) {
	cases := map[string]struct {
		file, want string
	}{
		"MetricAlert": {file: "metricAlert.go", want: MetricAlertAPIVersion},
		"ActionGroup": {file: "actionGroup.go", want: ActionGroupAPIVersion},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := rawrestest.SDKAPIVersion(rawrestest.SDKFile(sdkDir, tc.file), name)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("azure-native 3.16.0 serves %s with API version %s, the package says %s", name, got, tc.want)
			}
		})
	}
}

type wrongDimensionArgs struct {
	Name   pulumi.StringInput `pulumi:"name"`
	Values pulumi.StringInput `pulumi:"values"`
}

type wrongCriterionArgs struct {
	Name       pulumi.StringInput   `pulumi:"name"`
	MetricName pulumi.StringInput   `pulumi:"metricName"`
	Threshold  pulumi.IntInput      `pulumi:"threshold"`
	Dimensions []wrongDimensionArgs `pulumi:"dimensions"`
}

type wrongCriteriaArgs struct {
	OdataType pulumi.StringInput   `pulumi:"odataType"`
	AllOf     []wrongCriterionArgs `pulumi:"allOf"`
}

type wrongMetricAlertArgs struct {
	ResourceGroupName   pulumi.StringInput      `pulumi:"resourceGroupName"`
	Scopes              pulumi.StringArrayInput `pulumi:"scopes"`
	Severity            pulumi.IntInput         `pulumi:"severity"`
	Enabled             pulumi.BoolInput        `pulumi:"enabled"`
	EvaluationFrequency pulumi.StringInput      `pulumi:"evaluationFrequency"`
	WindowSize          pulumi.StringInput      `pulumi:"windowSize"`
	Criteria            *wrongCriteriaArgs      `pulumi:"criteria,required"`
}

// TestPinFails checks the pin reaches through the criteria union into its criteria and their
// dimensions, and that a union member the SDK lacks, or a union where there is none, is refused.
func TestPinFails(t *testing.T) {
	sdk, err := rawrestest.Union(parseSDK(t, "metricAlert.go", "MetricAlert"), "criteria", criteriaMember)
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongMetricAlertArgs]{Package: AzureNative, Token: MetricAlertType.Token}
	want := []string{
		`input "criteria.allOf.criterionType" is required by azure-native:monitor:MetricAlert but not by the wrapper`,
		`input "criteria.allOf.dimensions.operator" is required by azure-native:monitor:MetricAlert but not by the wrapper`,
		`input "criteria.allOf.dimensions.values" is a string, the SDK's is a []string`,
		`input "criteria.allOf.operator" is required by azure-native:monitor:MetricAlert but not by the wrapper`,
		`input "criteria.allOf.threshold" is a int, the SDK's is a number`,
		`input "criteria.allOf.timeAggregation" is required by azure-native:monitor:MetricAlert but not by the wrapper`,
		`input "scopes" is required by azure-native:monitor:MetricAlert but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[MetricAlert]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}

	raw := rawrestest.Pin(parseSDK(t, "metricAlert.go", "MetricAlert"), MetricAlertType, reflect.TypeFor[MetricAlert]())
	if diff := cmp.Diff([]string{`input "criteria" is a object, the SDK's is a other interface{}`}, raw); diff != "" {
		t.Errorf("without the union's member, criteria (-want +got):\n%s", diff)
	}

	unions := map[string]struct {
		reason           string
		property, member string
		want             string
	}{
		"NoSuchMember": {
			reason:   "a member the SDK's types lack",
			property: "criteria", member: "MetricAlertWebtestCriteria",
			want: `input "criteria" of azure-native:monitor:MetricAlert: the SDK has no type MetricAlertWebtestCriteria`,
		},
		"NotAUnion": {
			reason:   "actions are a list of one type",
			property: "actions", member: "MetricAlertAction",
			want: `input "actions" of azure-native:monitor:MetricAlert is a []object MetricAlertAction, not a union`,
		},
		"NoSuchInput": {
			reason:   "a property the resource does not have",
			property: "condition", member: criteriaMember,
			want: `azure-native:monitor:MetricAlert has no input "condition"`,
		},
	}
	for name, tc := range unions {
		t.Run(name, func(t *testing.T) {
			_, err := rawrestest.Union(parseSDK(t, "metricAlert.go", "MetricAlert"), tc.property, tc.member)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: error (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// deadLetterAlert registers the alert nimbus puts on a queue's dead-letter count, notifying
// an action group that emails.
func deadLetterAlert(ctx *pulumi.Context) error {
	group, err := NewActionGroup(ctx, "ops", &ActionGroupArgs{
		ResourceGroupName: pulumi.String("rg"),
		GroupShortName:    pulumi.String("ops"),
		Location:          pulumi.String("Global"),
		EmailReceivers:    []EmailReceiverArgs{{Name: pulumi.String("oncall"), EmailAddress: pulumi.String("oncall@example.com")}},
	})
	if err != nil {
		return err
	}
	_, err = NewMetricAlert(ctx, "dlq", &MetricAlertArgs{
		ResourceGroupName:   pulumi.String("rg"),
		Location:            pulumi.String("global"),
		Scopes:              pulumi.StringArray{pulumi.String("/subscriptions/s/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/ns")},
		Severity:            pulumi.Int(2),
		Enabled:             pulumi.Bool(true),
		EvaluationFrequency: pulumi.String("PT1M"),
		WindowSize:          pulumi.String("PT5M"),
		Criteria: &MetricAlertCriteriaArgs{
			OdataType: pulumi.String(SingleResourceMultipleMetricCriteria),
			AllOf: []MetricCriteriaArgs{{
				CriterionType:   pulumi.String(StaticThresholdCriterion),
				Name:            pulumi.String("deadlettered"),
				MetricName:      pulumi.String("DeadletteredMessages"),
				MetricNamespace: pulumi.String("Microsoft.ServiceBus/namespaces"),
				Operator:        pulumi.String("GreaterThan"),
				Threshold:       pulumi.Float64(0),
				TimeAggregation: pulumi.String("Maximum"),
				Dimensions: []MetricDimensionArgs{{
					Name: pulumi.String("EntityName"), Operator: pulumi.String("Include"), Values: pulumi.StringArray{pulumi.String("jobs")},
				}},
			}},
		},
		Actions: []MetricAlertActionArgs{{ActionGroupId: group.ID()}},
	})
	return err
}

// TestRegisterOptions checks each wrapper registers with what the SDK's NewX adds beyond
// RegisterResource (the package version, the aliases, the defaults of inputs left nil, and no
// other option), and the alert's nested criteria as the provider takes them.
func TestRegisterOptions(t *testing.T) {
	rec := rawrestest.NewRegistrations()
	if err := pulumi.RunErr(deadLetterAlert, pulumi.WithMocks("nimbus", "test", rec)); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		file, token string
		given       []string
	}{
		"MetricAlert": {file: "metricAlert.go", token: MetricAlertType.Token, given: []string{
			"actions", "criteria", "enabled", "evaluationFrequency", "location", "resourceGroupName", "scopes", "severity", "windowSize",
		}},
		"ActionGroup": {file: "actionGroup.go", token: ActionGroupType.Token, given: []string{
			"emailReceivers", "groupShortName", "location", "resourceGroupName",
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rec.MirrorsSDK(t, rawrestest.SDKFile(sdkDir, tc.file), name, tc.token, AzureNative.Version, tc.given...)
		})
	}
	criteria := map[string]any{
		"odataType": "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
		"allOf": []any{map[string]any{
			"criterionType":   "StaticThresholdCriterion",
			"name":            "deadlettered",
			"metricName":      "DeadletteredMessages",
			"metricNamespace": "Microsoft.ServiceBus/namespaces",
			"operator":        "GreaterThan",
			"threshold":       float64(0),
			"timeAggregation": "Maximum",
			"dimensions":      []any{map[string]any{"name": "EntityName", "operator": "Include", "values": []any{"jobs"}}},
		}},
	}
	inputs := rec.Inputs(MetricAlertType.Token).Mappable()
	if diff := cmp.Diff(criteria, inputs["criteria"]); diff != "" {
		t.Errorf("criteria (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{map[string]any{"actionGroupId": "ops-id"}}, inputs["actions"]); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
}
