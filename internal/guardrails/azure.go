package guardrails

import (
	"fmt"
	"strings"
)

// azureChecks are the Azure checks of the rules, keyed by rule id.
var azureChecks = map[string]Check{
	"queue-dead-letter":            azureQueueDeadLetter,
	"bucket-public-access-blocked": azureBucketPublicAccessBlocked,
	"no-shared-keys":               azureNoSharedKeys,
	"role-assignment-scope":        azureRoleAssignmentScope,
	"no-primitive-roles":           azureNoPrimitiveRoles,
	"alarms-notify":                azureAlarmsNotify,
}

const (
	typeSBNamespace     = "azure-native:servicebus:Namespace"
	typeSBQueue         = "azure-native:servicebus:Queue"
	typeStorageAccount  = "azure-native:storage:StorageAccount"
	typeBlobContainer   = "azure-native:storage:BlobContainer"
	typeRoleAssignment  = "azure-native:authorization:RoleAssignment"
	typeAzureMetricAlrt = "azure-native:monitor:MetricAlert"
	maxSBDeliveryCount  = 2000
)

// azureQueueDeadLetter: Service Bus dead-letters a message after maxDeliveryCount deliveries by
// itself (default 10); a queue must keep that within Service Bus's 1..2000 and also dead-letter
// what expires, which it otherwise drops.
func azureQueueDeadLetter(p *Plan) []Finding {
	var out []Finding
	for _, q := range ofType(p, typeSBQueue) {
		if n, ok := getNum(q, "maxDeliveryCount"); ok && (n < 1 || n > maxSBDeliveryCount) {
			out = append(out, Finding{URN: q.URN, Property: "maxDeliveryCount",
				Message: fmt.Sprintf("%s has maxDeliveryCount %v: Service Bus takes 1 to %d (nimbus:queue.maxReceiveCount)", label(q), n, maxSBDeliveryCount)})
		}
		if on, _ := getBool(q, "deadLetteringOnMessageExpiration"); !on {
			out = append(out, Finding{URN: q.URN, Property: "deadLetteringOnMessageExpiration",
				Message: fmt.Sprintf("%s drops a job that expires unprocessed: set deadLetteringOnMessageExpiration to true", label(q))})
		}
	}
	return out
}

// azureBucketPublicAccessBlocked: no storage account lets a container be public, and no
// container is.
func azureBucketPublicAccessBlocked(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeStorageAccount) {
		if v, set := getBool(a, "allowBlobPublicAccess"); !set || v {
			out = append(out, Finding{URN: a.URN, Property: "allowBlobPublicAccess",
				Message: fmt.Sprintf("%s lets containers be made public: set allowBlobPublicAccess to false", label(a))})
		}
	}
	for _, c := range ofType(p, typeBlobContainer) {
		if v := getStr(c, "publicAccess"); v != "" && v != "None" {
			out = append(out, Finding{URN: c.URN, Property: "publicAccess",
				Message: fmt.Sprintf("%s is public (publicAccess %q): set it to \"None\"", label(c), v)})
		}
	}
	return out
}

// azureNoSharedKeys: storage accounts and Service Bus namespaces take Entra identities only, no
// account keys or SAS keys, which cannot be scoped to one consumer and leak as strings.
func azureNoSharedKeys(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeStorageAccount) {
		if v, set := getBool(a, "allowSharedKeyAccess"); !set || v {
			out = append(out, Finding{URN: a.URN, Property: "allowSharedKeyAccess",
				Message: fmt.Sprintf("%s accepts its account keys (and SAS signed with them): set allowSharedKeyAccess to false", label(a))})
		}
	}
	for _, ns := range ofType(p, typeSBNamespace) {
		if off, _ := getBool(ns, "disableLocalAuth"); !off {
			out = append(out, Finding{URN: ns.URN, Property: "disableLocalAuth",
				Message: fmt.Sprintf("%s accepts SAS keys: set disableLocalAuth to true", label(ns))})
		}
	}
	return out
}

// azureRoleAssignmentScope: a role assignment's scope is a resource (an id with a provider
// segment), never a management group, subscription or resource group, where it would reach
// every resource below.
func azureRoleAssignmentScope(p *Plan) []Finding {
	var out []Finding
	for _, ra := range ofType(p, typeRoleAssignment) {
		if scope := getStr(ra, "scope"); !strings.Contains(strings.ToLower(scope), "/providers/") || strings.HasPrefix(strings.ToLower(scope), "/providers/microsoft.management/") {
			out = append(out, Finding{URN: ra.URN, Property: "scope",
				Message: fmt.Sprintf("%s is scoped to %q, above a single resource: scope it to the queue, container or registry it is for", label(ra), scope)})
		}
	}
	return out
}

// azurePrimitiveRoles are Azure's general built-in roles, which grant every service's
// permissions at once: Owner, Contributor, Reader.
var azurePrimitiveRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"acdd72a7-3385-48ef-bd42-f606fba81ae7": "Reader",
}

func azureNoPrimitiveRoles(p *Plan) []Finding {
	var out []Finding
	for _, ra := range ofType(p, typeRoleAssignment) {
		def := getStr(ra, "roleDefinitionId")
		if role, ok := azurePrimitiveRoles[strings.ToLower(def[strings.LastIndex(def, "/")+1:])]; ok {
			out = append(out, Finding{URN: ra.URN, Property: "roleDefinitionId",
				Message: fmt.Sprintf("%s grants the general %s role: grant a data role of the one service instead", label(ra), role)})
		}
	}
	return out
}

// azureAlarmsNotify: every metric alert is enabled and notifies an action group.
func azureAlarmsNotify(p *Plan) []Finding {
	var out []Finding
	for _, a := range ofType(p, typeAzureMetricAlrt) {
		if on, set := getBool(a, "enabled"); set && !on {
			out = append(out, Finding{URN: a.URN, Property: "enabled",
				Message: fmt.Sprintf("%s is disabled: it never fires", label(a))})
		}
		notifies := false
		if actions := get(a, "actions"); actions.IsArray() {
			for _, act := range actions.ArrayValue() {
				if act = unwrap(act); act.IsObject() {
					if id := unwrap(act.ObjectValue()["actionGroupId"]); id.IsString() && id.StringValue() != "" {
						notifies = true
					}
				}
			}
		}
		if !notifies {
			out = append(out, Finding{URN: a.URN, Property: "actions",
				Message: fmt.Sprintf("%s notifies nobody: give it an action group (nimbus:alarms.emails)", label(a))})
		}
	}
	return out
}
