package fakeprovider

import (
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// allInputs in forceNew means every input of the type replaces it.
const allInputs = "*"

// forceNew names, per type, the inputs whose change the real provider can only apply by
// replacing the resource: ForceNew attributes of the Terraform AWS provider v5 (which pulumi-aws
// v6 bridges) and of the random provider. Types not listed update every input in place.
var forceNew = map[string][]string{
	// Every input but lifecycleScope and terraformKey: under the default CREATE_ONLY scope a
	// changed input replaces it too (customizeDiffInputChangeWithCreateOnlyScope); see replaces.
	"aws:lambda/invocation:Invocation":                                     {"functionName", "qualifier", "triggers", "input"},
	"aws:rds/instance:Instance":                                            {"identifier", "identifierPrefix", "dbName", "username", "engine", "storageEncrypted", "kmsKeyId", "availabilityZone", "characterSetName"},
	"aws:lambda/function:Function":                                         {"name", "packageType"},
	"aws:lambda/alias:Alias":                                               {"name", "functionName"},
	"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": {"functionName", "qualifier"},
	"aws:lambda/permission:Permission":                                     {allInputs},
	"aws:lambda/eventSourceMapping:EventSourceMapping":                     {"eventSourceArn", "startingPosition"},
	"aws:iam/role:Role":                                                    {"name", "namePrefix", "path"},
	"aws:iam/rolePolicy:RolePolicy":                                        {"name", "namePrefix", "role"},
	"aws:cloudwatch/logGroup:LogGroup":                                     {"name", "namePrefix"},
	"aws:sqs/queue:Queue":                                                  {"name", "namePrefix", "fifoQueue"},
	"aws:s3/bucketV2:BucketV2":                                             {"bucket", "bucketPrefix"},
	"aws:ec2/securityGroup:SecurityGroup":                                  {"name", "namePrefix", "description", "vpcId"},
	"aws:rds/subnetGroup:SubnetGroup":                                      {"name", "namePrefix"},
	"aws:rds/proxy:Proxy":                                                  {"name", "engineFamily"},
	"aws:rds/proxyTarget:ProxyTarget":                                      {"dbProxyName", "targetGroupName", "dbInstanceIdentifier", "dbClusterIdentifier"},
	"aws:secretsmanager/secret:Secret":                                     {"name", "namePrefix"},
	"aws:secretsmanager/secretVersion:SecretVersion":                       {"secretId", "secretString", "secretBinary"},
	"random:index/randomPassword:RandomPassword":                           {allInputs},
}

// diff returns the top-level input keys that differ between olds and news (an unknown new value
// differs), sorted, skipping the engine's internal keys (__defaults) and ignored ones.
func diff(olds, news resource.PropertyMap, ignore []string) []string {
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if strings.HasPrefix(string(k), "__") || slices.Contains(ignore, string(k)) {
			continue
		}
		if !equal(olds[k], news[k]) {
			out = append(out, string(k))
		}
	}
	sort.Strings(out)
	return out
}

// replaces returns the changed keys that force a new resource of the type.
func replaces(typ string, changed []string, news resource.PropertyMap) []string {
	keys := forceNew[typ]
	if typ == "aws:lambda/invocation:Invocation" && plain(news["lifecycleScope"]).IsString() &&
		plain(news["lifecycleScope"]).StringValue() == "CRUD" {
		keys = slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return k == "input" })
	}
	var out []string
	for _, k := range changed {
		if slices.Contains(keys, k) || slices.Contains(keys, allInputs) {
			out = append(out, k)
		}
	}
	return out
}

// equal reports whether two values are the same once secrets are unwrapped (the engine tracks
// secretness itself); an unknown value equals nothing, and null equals absent.
func equal(a, b resource.PropertyValue) bool {
	a, b = plain(a), plain(b)
	if a.ContainsUnknowns() || b.ContainsUnknowns() {
		return false
	}
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	return a.DeepEquals(b)
}

// plain is v with every secret unwrapped, recursively.
func plain(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return plain(v.SecretValue().Element)
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = plain(e)
		}
		return resource.NewProperty(arr)
	case v.IsObject():
		m := make(resource.PropertyMap, len(v.ObjectValue()))
		for k, e := range v.ObjectValue() {
			m[k] = plain(e)
		}
		return resource.NewProperty(m)
	}
	return v
}
