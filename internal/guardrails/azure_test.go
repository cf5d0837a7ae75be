package guardrails_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const (
	zRG    = "/subscriptions/00000000-0000-4000-a000-000000000000/resourceGroups/nimbus-dev"
	zQueue = zRG + "/providers/Microsoft.ServiceBus/namespaces/jobs/queues/jobs"
)

// azurePlan is plan on the azure cloud.
func azurePlan(t *testing.T, rs ...res) *guardrails.Plan {
	t.Helper()
	p := plan(t, false, rs...)
	p.Cloud = "azure"
	return p
}

func sbQueue(name string, inputs map[string]any) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "namespaceName": "jobs", "queueName": name}
	for k, v := range inputs {
		in[k] = v
	}
	return res{"azure-native:servicebus:Queue", name, in}
}

func storageAccount(name string, inputs map[string]any) res {
	in := map[string]any{"resourceGroupName": "nimbus-dev", "accountName": name, "kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"}}
	for k, v := range inputs {
		in[k] = v
	}
	return res{"azure-native:storage:StorageAccount", name, in}
}

func roleAssignment(name, scope, role string) res {
	return res{"azure-native:authorization:RoleAssignment", name, map[string]any{
		"principalId": "p", "principalType": "ServicePrincipal", "scope": scope,
		"roleDefinitionId": "/subscriptions/00000000-0000-4000-a000-000000000000/providers/Microsoft.Authorization/roleDefinitions/" + role,
	}}
}

func TestAzureRules(t *testing.T) {
	t.Parallel()
	const sender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"
	cases := map[string]struct {
		reason    string
		rule      string
		resources []res
		want      []string
	}{
		"QueueDeadLetters": {
			reason: "a queue dead-lettering on expiry within Service Bus's delivery counts passes; one dropping expired jobs, and one out of range, fire",
			rule:   "queue-dead-letter",
			resources: []res{
				sbQueue("ok", map[string]any{"maxDeliveryCount": 5, "deadLetteringOnMessageExpiration": true}),
				sbQueue("drops", map[string]any{"maxDeliveryCount": 5}),
				sbQueue("huge", map[string]any{"maxDeliveryCount": 5000, "deadLetteringOnMessageExpiration": true}),
			},
			want: []string{"drops deadLetteringOnMessageExpiration", "huge maxDeliveryCount"},
		},
		"PublicBlobs": {
			reason: "an account that does not say allowBlobPublicAccess false, and a public container, fire",
			rule:   "bucket-public-access-blocked",
			resources: []res{
				storageAccount("private", map[string]any{"allowBlobPublicAccess": false}),
				storageAccount("unset", nil),
				{"azure-native:storage:BlobContainer", "open", map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "private", "publicAccess": "Blob"}},
				{"azure-native:storage:BlobContainer", "closed", map[string]any{"resourceGroupName": "nimbus-dev", "accountName": "private", "publicAccess": "None"}},
			},
			want: []string{"open publicAccess", "unset allowBlobPublicAccess"},
		},
		"SharedKeys": {
			reason: "an account taking its keys (unset defaults to allowed) and a namespace taking SAS keys fire",
			rule:   "no-shared-keys",
			resources: []res{
				storageAccount("identities", map[string]any{"allowSharedKeyAccess": false}),
				storageAccount("keys", nil),
				{"azure-native:servicebus:Namespace", "sas", map[string]any{"resourceGroupName": "nimbus-dev"}},
				{"azure-native:servicebus:Namespace", "entra", map[string]any{"resourceGroupName": "nimbus-dev", "disableLocalAuth": true}},
			},
			want: []string{"sas disableLocalAuth", "keys allowSharedKeyAccess"},
		},
		"RoleScopes": {
			reason: "an assignment on the queue passes; on the resource group or the subscription it fires",
			rule:   "role-assignment-scope",
			resources: []res{
				roleAssignment("queue", zQueue, sender),
				roleAssignment("group", zRG, sender),
				roleAssignment("subscription", "/subscriptions/00000000-0000-4000-a000-000000000000", sender),
			},
			want: []string{"group scope", "subscription scope"},
		},
		"GeneralRoles": {
			reason: "Contributor fires even on one resource; a data role does not",
			rule:   "no-primitive-roles",
			resources: []res{
				roleAssignment("data", zQueue, sender),
				roleAssignment("contributor", zQueue, "b24988ac-6180-42a0-ab88-20f7382dd24c"),
			},
			want: []string{"contributor roleDefinitionId"},
		},
		"AlertsNotify": {
			reason: "an alert without an action group, and a disabled one, fire",
			rule:   "alarms-notify",
			resources: []res{
				{"azure-native:monitor:MetricAlert", "ok", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": true, "actions": []any{map[string]any{"actionGroupId": zRG + "/providers/microsoft.insights/actionGroups/ops"}}}},
				{"azure-native:monitor:MetricAlert", "silent", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": true}},
				{"azure-native:monitor:MetricAlert", "off", map[string]any{"resourceGroupName": "nimbus-dev", "enabled": false, "actions": []any{map[string]any{"actionGroupId": "x"}}}},
			},
			want: []string{"off enabled", "silent actions"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			vs := guardrails.Evaluate(azurePlan(t, tc.resources...))
			if diff := cmp.Diff(tc.want, short(vs, tc.rule)); diff != "" {
				t.Errorf("%s\n%s: -want +got:\n%s\nall: %v", tc.reason, tc.rule, diff, vs)
			}
		})
	}
}
