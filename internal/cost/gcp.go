package cost

import (
	"fmt"
	"strconv"
	"strings"
)

// gcpModels price Google Cloud resource types.
var gcpModels = map[string]model{
	"gcp:sql/databaseInstance:DatabaseInstance": {floor: gcpSQLInstance, usage: []string{"sql/backup-gb-month"}},
	"gcp:sql/database:Database":                 {free: "sql/no-standing-charge"},
	"gcp:sql/user:User":                         {free: "sql/no-standing-charge"},
	"gcp:cloudrunv2/service:Service": {floor: gcpCloudRunService,
		usage: []string{"run/requests", "run/active-vcpu-second", "run/active-memory-gib-second", "logging/ingestion-gib"}},
	"gcp:cloudrunv2/job:Job":                                 {free: "run/usage-only", usage: []string{"run/active-vcpu-second", "run/active-memory-gib-second"}},
	"gcp:cloudrunv2/serviceIamMember:ServiceIamMember":       {free: "iam/no-charge"},
	"gcp:monitoring/alertPolicy:AlertPolicy":                 {floor: gcpAlertPolicy},
	"gcp:pubsub/topic:Topic":                                 {free: "pubsub/usage-only", usage: []string{"pubsub/throughput-tib"}},
	"gcp:pubsub/subscription:Subscription":                   {free: "pubsub/usage-only", usage: []string{"pubsub/throughput-tib"}},
	"gcp:pubsub/topicIAMMember:TopicIAMMember":               {free: "iam/no-charge"},
	"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember": {free: "iam/no-charge"},
	"gcp:storage/bucket:Bucket":                              {free: "storage/usage-only", usage: []string{"storage/standard-gb-month"}},
	"gcp:storage/bucketIAMMember:BucketIAMMember":            {free: "iam/no-charge"},
	"gcp:artifactregistry/repository:Repository":             {free: "artifactregistry/usage-only", usage: []string{"artifactregistry/storage-gb-month"}},
	"gcp:projects/service:Service":                           {free: "serviceusage/no-charge"},
	"gcp:projects/iAMMember:IAMMember":                       {free: "iam/no-charge"},
	"gcp:serviceaccount/account:Account":                     {free: "iam/no-charge"},
	"gcp:compute/network:Network":                            {free: "vpc/no-charge"},
	"gcp:compute/subnetwork:Subnetwork":                      {free: "vpc/no-charge"},
	"gcp:compute/globalAddress:GlobalAddress":                {floor: gcpGlobalAddress},
	"gcp:servicenetworking/connection:Connection":            {free: "servicenetworking/no-charge"},
}

// gcpSQLInstance: the tier's vCPUs and memory every hour, and its SSD, at the high-availability
// rates when REGIONAL; the managed connection pooling of ENTERPRISE_PLUS when enabled.
func gcpSQLInstance(e *estimator, r Resource) ([]Item, error) {
	tier := str(r, "settings.tier")
	vcpu, mem, err := gcpSQLTier(e, tier)
	if err != nil {
		return nil, err
	}
	edition := "enterprise"
	if str(r, "settings.edition") == "ENTERPRISE_PLUS" {
		edition = "enterprise-plus"
	}
	ha := ""
	if str(r, "settings.availabilityType") == "REGIONAL" {
		ha = "-ha"
	}
	disk, ok := num(r, "settings.diskSize")
	if !ok {
		disk = 10 // Cloud SQL's default
	}
	diskType := "ssd"
	if str(r, "settings.diskType") == "PD_HDD" {
		diskType = "hdd"
	}
	var is items
	is.add(e.item("sql/"+edition+"-vcpu-hour"+ha, "vCPU-hour", vcpu*HoursPerMonth, fmt.Sprintf("%s: %g vCPUs, all month", tier, vcpu)))
	is.add(e.item("sql/"+edition+"-memory-gb-hour"+ha, "GB-hour", mem*HoursPerMonth, fmt.Sprintf("%s: %g GB memory, all month", tier, mem)))
	is.add(e.item("sql/"+diskType+"-gb-month"+ha, "GB-month", disk, ""))
	for _, c := range list(r, "settings.connectionPoolConfigs") {
		if m, ok := c.(map[string]any); ok && m["connectionPoolingEnabled"] == true {
			is.add(e.item("sql/managed-connection-pooling-vcpu-hour", "vCPU-hour", vcpu*HoursPerMonth, fmt.Sprintf("managed connection pooling on %g vCPUs, all month", vcpu)))
		}
	}
	return is.result()
}

// gcpSQLTier reads a tier's vCPUs and GB of memory: db-custom-N-MB by its name, others from the
// table's sizes.
func gcpSQLTier(e *estimator, tier string) (vcpu, memGB float64, err error) {
	if rest, ok := strings.CutPrefix(tier, "db-custom-"); ok {
		c, m, _ := strings.Cut(rest, "-")
		n, err1 := strconv.Atoi(c)
		mb, err2 := strconv.Atoi(m)
		if err1 != nil || err2 != nil {
			return 0, 0, unpriced("cannot read the custom tier %q", tier)
		}
		return float64(n), float64(mb) / 1024, nil
	}
	s, err := e.size("sql/" + tier)
	if err != nil {
		return 0, 0, err
	}
	return s.VCPU, s.MemoryGiB, nil
}

// gcpCloudRunService: its minimum instances x their CPU and memory, all month: at the idle
// rates when CPU is allocated only during requests (cpuIdle), at the instance-based rates when
// it is always allocated.
func gcpCloudRunService(e *estimator, r Resource) ([]Item, error) {
	min, ok := num(r, "template.scaling.minInstanceCount")
	if m2, ok2 := num(r, "scaling.minInstanceCount"); ok2 && (!ok || m2 > min) {
		min = m2 // a service-level minimum applies across revisions
	}
	if min <= 0 {
		return nil, nil
	}
	var cpu, mem float64
	always := false
	for _, c := range list(r, "template.containers") {
		m, _ := c.(map[string]any)
		res, _ := m["resources"].(map[string]any)
		limits, _ := res["limits"].(map[string]any)
		cs, _ := limits["cpu"].(string)
		ms, _ := limits["memory"].(string)
		if cs == "" {
			cs = "1" // Cloud Run's defaults
		}
		if ms == "" {
			ms = "512Mi"
		}
		c1, err1 := cpuQuantity(cs)
		m1, err2 := memoryGiB(ms)
		if err1 != nil || err2 != nil {
			return nil, unpriced("cannot read its container's limits cpu %q, memory %q", cs, ms)
		}
		cpu += c1
		mem += m1
		if idle, ok := res["cpuIdle"].(bool); ok && !idle {
			always = true
		}
	}
	rate := "idle"
	what := "idle minimum instances (CPU only during requests)"
	if always {
		rate, what = "instance", "minimum instances, CPU always allocated"
	}
	var is items
	is.add(e.item("run/"+rate+"-vcpu-second", "vCPU-second", min*cpu*SecondsPerMonth, fmt.Sprintf("%g %s x %g vCPU, all month", min, what, cpu)))
	is.add(e.item("run/"+rate+"-memory-gib-second", "GiB-second", min*mem*SecondsPerMonth, fmt.Sprintf("%g %s x %g GiB, all month", min, what, mem)))
	return is.result()
}

// gcpAlertPolicy: Cloud Monitoring bills each condition of an alerting policy a month.
func gcpAlertPolicy(e *estimator, r Resource) ([]Item, error) {
	n := float64(len(list(r, "conditions")))
	var is items
	is.add(e.item("monitoring/alert-condition-month", "condition-month", n, ""))
	return is.result()
}

// gcpGlobalAddress: an INTERNAL range allocated for private services access bills nothing; an
// external address is not priced here.
func gcpGlobalAddress(e *estimator, r Resource) ([]Item, error) {
	if t := str(r, "addressType"); t != "INTERNAL" {
		return nil, unpriced("the price table prices INTERNAL ranges only, not address type %q", t)
	}
	if _, err := e.price("servicenetworking/no-charge", ""); err != nil {
		return nil, err
	}
	return nil, nil
}
