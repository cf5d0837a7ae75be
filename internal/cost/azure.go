package cost

import (
	"fmt"
	"strconv"
	"strings"
)

// azureModels price Azure resource types.
var azureModels = map[string]model{
	"azure-native:dbforpostgresql:Server":                       {floor: azurePostgres, usage: []string{"postgresql/backup-gb-month"}},
	"azure-native:dbforpostgresql:Database":                     {free: "postgresql/no-standing-charge"},
	"azure-native:dbforpostgresql:Configuration":                {free: "postgresql/no-standing-charge"},
	"azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": {free: "postgresql/no-standing-charge"},
	"azure-native:app:ContainerApp": {floor: azureContainerApp,
		usage: []string{"containerapps/active-vcpu-second", "containerapps/active-gib-second", "containerapps/requests"}},
	"azure-native:app:Job":                              {free: "containerapps/usage-only", usage: []string{"containerapps/active-vcpu-second", "containerapps/active-gib-second"}},
	"azure-native:app:ManagedEnvironment":               {floor: azureManagedEnvironment},
	"azure-native:servicebus:Namespace":                 {floor: azureServiceBus, usage: []string{"servicebus/standard-operations"}},
	"azure-native:servicebus:Queue":                     {free: "servicebus/no-standing-charge"},
	"azure-native:containerregistry:Registry":           {floor: azureRegistry, usage: []string{"acr/storage-gb-month"}},
	"azure-native:privatedns:PrivateZone":               {floor: azurePrivateZone, usage: []string{"dns/private-queries"}},
	"azure-native:privatedns:VirtualNetworkLink":        {free: "dns/no-charge-link"},
	"azure-native:monitor:MetricAlert":                  {floor: azureMetricAlert},
	"azure-native:monitor:ActionGroup":                  {free: "monitor/usage-only-notifications", usage: []string{"monitor/email-notifications"}},
	"azure-native:operationalinsights:Workspace":        {free: "loganalytics/usage-only", usage: []string{"loganalytics/ingestion-gb", "loganalytics/retention-gb-month"}},
	"azure-native:storage:StorageAccount":               {free: "storage/usage-only", usage: []string{"storage/blob-hot-lrs-gb-month", "storage/blob-hot-zrs-gb-month"}},
	"azure-native:storage:BlobContainer":                {free: "storage/usage-only"},
	"azure-native:storage:ManagementPolicy":             {free: "storage/usage-only"},
	"azure-native:resources:ResourceGroup":              {free: "resourcemanager/no-charge"},
	"azure-native:resources:AzureCliScript":             {free: "resourcemanager/deployment-script-usage-only"},
	"azure-native:authorization:RoleAssignment":         {free: "resourcemanager/no-charge"},
	"azure-native:authorization:RoleDefinition":         {free: "resourcemanager/no-charge"},
	"azure-native:authorization:ManagementLockByScope":  {free: "resourcemanager/no-charge"},
	"azure-native:managedidentity:UserAssignedIdentity": {free: "resourcemanager/no-charge"},
	"azure-native:network:VirtualNetwork":               {free: "vnet/no-charge"},
}

// azurePostgres: the SKU's hours and the storage, twice over with high availability (the
// standby is billed as a second server).
func azurePostgres(e *estimator, r Resource) ([]Item, error) {
	sku := str(r, "sku.name")
	if sku == "" {
		return nil, unpriced("it has no sku.name")
	}
	gb, _ := num(r, "storage.storageSizeGB")
	servers := 1.0
	what := ""
	if m := str(r, "highAvailability.mode"); m == "ZoneRedundant" || m == "SameZone" {
		servers, what = 2, fmt.Sprintf("primary and %s standby (billed as a second server)", m)
	}
	var is items
	is.add(e.item("postgresql/"+strings.ToLower(sku)+"-hour", "hour", servers*HoursPerMonth, strings.TrimSpace(sku+" "+what)))
	is.add(e.item("postgresql/storage-gb-month", "GB-month", servers*gb, strings.TrimSpace(fmt.Sprintf("%g GB storage %s", gb, what))))
	return is.result()
}

// azureContainerApp: its minimum replicas x their CPU and memory, all month, at the idle rates
// (a replica with no traffic is idle).
func azureContainerApp(e *estimator, r Resource) ([]Item, error) {
	if p := str(r, "workloadProfileName"); p != "" && p != "Consumption" {
		return nil, unpriced("the price table prices the Consumption plan only, not workload profile %q", p)
	}
	min, _ := num(r, "template.scale.minReplicas")
	if min <= 0 {
		return nil, nil
	}
	var cpu, mem float64
	for _, c := range list(r, "template.containers") {
		m, _ := c.(map[string]any)
		res, _ := m["resources"].(map[string]any)
		c1, _ := res["cpu"].(float64)
		ms, _ := res["memory"].(string)
		m1, err := memoryGiB(ms)
		if err != nil || c1 <= 0 {
			return nil, unpriced("cannot read its container's resources cpu %v, memory %q", res["cpu"], ms)
		}
		cpu += c1
		mem += m1
	}
	var is items
	is.add(e.item("containerapps/idle-vcpu-second", "vCPU-second", min*cpu*SecondsPerMonth, fmt.Sprintf("%g idle minimum replicas x %g vCPU, all month", min, cpu)))
	is.add(e.item("containerapps/idle-gib-second", "GiB-second", min*mem*SecondsPerMonth, fmt.Sprintf("%g idle minimum replicas x %g GiB, all month", min, mem)))
	return is.result()
}

// azureManagedEnvironment is unpriced: Azure's price feed lists an Environment Management Hour
// from 2026-09-01 without saying which environments it bills (a Consumption-only one was free
// before), so the table neither counts it nor calls the environment free.
func azureManagedEnvironment(e *estimator, r Resource) ([]Item, error) {
	for _, p := range list(r, "workloadProfiles") {
		m, _ := p.(map[string]any)
		if t, _ := m["workloadProfileType"].(string); t != "Consumption" {
			return nil, unpriced("the price table prices Consumption-only environments, not workload profile %q", t)
		}
	}
	p, err := e.price("containerapps/environment-management-hour", "hour")
	if err != nil {
		return nil, err
	}
	return nil, unpriced("Azure lists %s at $%v an hour from 2026-09-01 without saying which environments it bills (up to $%s a month)",
		p.ID, p.USD, strconv.FormatFloat(cents4(p.USD*HoursPerMonth), 'f', 2, 64))
}

// azureServiceBus: Standard's base charge every hour, Premium's messaging units; Basic has none.
func azureServiceBus(e *estimator, r Resource) ([]Item, error) {
	var is items
	switch t := str(r, "sku.name"); t {
	case "Basic":
		if _, err := e.price("servicebus/basic-base", ""); err != nil {
			return nil, err
		}
		return nil, nil
	case "Standard":
		is.add(e.item("servicebus/standard-base-month", "month", 1, ""))
	case "Premium":
		mu, ok := num(r, "sku.capacity")
		if !ok {
			mu = 1
		}
		is.add(e.item("servicebus/premium-mu-hour", "MU-hour", mu*HoursPerMonth, fmt.Sprintf("%g messaging units, all month", mu)))
	default:
		return nil, unpriced("the price table has no Service Bus tier %q", t)
	}
	return is.result()
}

// azureRegistry: the SKU's daily charge, every day of the month.
func azureRegistry(e *estimator, r Resource) ([]Item, error) {
	sku := strings.ToLower(str(r, "sku.name"))
	var is items
	is.add(e.item("acr/"+sku+"-day", "day", HoursPerMonth/24.0, ""))
	return is.result()
}

func azurePrivateZone(e *estimator, r Resource) ([]Item, error) {
	var is items
	is.add(e.item("dns/private-zone-month", "zone-month", 1, ""))
	return is.result()
}

// azureMetricAlert: a metric alert rule bills per time series it monitors: one per criterion
// (a dimension with several values would monitor more; the table counts one per criterion).
func azureMetricAlert(e *estimator, r Resource) ([]Item, error) {
	n := float64(len(list(r, "criteria.allOf")))
	if n == 0 {
		n = 1
	}
	var is items
	is.add(e.item("monitor/metric-alert-signal-month", "signal-month", n, ""))
	return is.result()
}
