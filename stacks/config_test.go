package stacks

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func base() map[string]string {
	return map[string]string{"aws:region": "eu-west-1"}
}

// with adds settings to base() in the one form the engine hands them over (see nested). Keys with
// a leading "=" are put in as given, flat, to test that form's rejection.
func with(kv ...string) map[string]string {
	m := base()
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	out, _ := nested(m, nil)
	return out
}

// nested turns dotted keys into the form the Pulumi CLI hands a program: nimbus:api.warmInstances
// becomes the field warmInstances of the object nimbus:api, as Pulumi.yaml's defaults and
// `pulumi config set --path` write it. Values that are JSON numbers, booleans or lists stay JSON;
// the rest are strings. A secret dotted key makes its object secret, as the engine reports it.
// Keys with a leading "=" stay flat (the "=" dropped).
func nested(cfg map[string]string, secrets []string) (map[string]string, []string) {
	out := map[string]string{}
	isSecret := map[string]bool{}
	for _, k := range secrets {
		isSecret[k] = true
	}
	secretOut := map[string]bool{}
	objects := map[string]map[string]any{}
	for k, v := range cfg {
		if flat, ok := strings.CutPrefix(k, "="); ok {
			out[flat] = v
			if isSecret[k] || isSecret[flat] {
				secretOut[flat] = true
			}
			continue
		}
		ns, name, _ := strings.Cut(k, ":")
		top, rest, dotted := strings.Cut(name, ".")
		if !dotted {
			out[k] = v
			if isSecret[k] {
				secretOut[k] = true
			}
			continue
		}
		full := ns + ":" + top
		if isSecret[k] {
			secretOut[full] = true
		}
		if objects[full] == nil {
			objects[full] = map[string]any{}
		}
		obj := objects[full]
		parts := strings.Split(rest, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, _ := obj[p].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				obj[p] = sub
			}
			obj = sub
		}
		var js any
		if err := json.Unmarshal([]byte(v), &js); err == nil {
			if _, isString := js.(string); !isString && js != nil {
				obj[parts[len(parts)-1]] = js
				continue
			}
		}
		obj[parts[len(parts)-1]] = v
	}
	for full, obj := range objects {
		b, err := json.Marshal(obj)
		if err != nil {
			panic(err)
		}
		out[full] = string(b)
	}
	var keys []string
	for k := range secretOut {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return out, keys
}

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(base(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Cloud: "aws", LogRetentionDays: 14, ArtifactsDir: "functions/dist",
		API:    APIConfig{MemoryMB: 256, TimeoutSeconds: 10, WarmTarget: 70, ThrottleRate: 100, ThrottleBurst: 200, MaxUploadMB: 4, Kind: "function", CPU: 1000},
		Worker: WorkerConfig{MemoryMB: 512, TimeoutSeconds: 30, BatchSize: 5, MaxConcurrency: 5},
		Queue:  QueueConfig{MaxReceiveCount: 5, RetentionDays: 4, DeadLetterRetentionDays: 14},
		Database: DatabaseConfig{Size: "small", StorageGB: 20, EngineVersion: "16", BackupRetentionDays: 7, Name: "images", Pooler: "proxy",
			Pool: PoolConfig{MaxConnectionsPercent: 90, MaxIdlePercent: 50, BorrowTimeoutSeconds: 120}, ConnectionsPerInstance: 2},
		Network: NetworkConfig{CIDR: "10.20.0.0/16", Zones: 2},
		Bucket:  BucketConfig{Region: "us-east-1"},
		Kubernetes: KubernetesConfig{Namespace: "nimbus", CPU: "250m", Concurrency: 10, Domain: "example.com", BrokerClass: "Kafka",
			KafkaConfig: "knative-eventing/kafka-broker-config", BackoffDelay: "PT0.5S", PoolSize: 20},
		AWS:   AWSConfig{Repository: "nimbus"},
		GCP:   GCPConfig{Repository: "nimbus", CPU: "1", Concurrency: 80, DatabaseEdition: "ENTERPRISE", PoolSize: 20, MinBackoff: "10s", MaxBackoff: "600s"},
		Azure: AzureConfig{Concurrency: 10, DatabaseTier: "GeneralPurpose", PoolSize: 50, ServiceBusSKU: "Standard", Redundancy: "Standard_LRS"},
	}
	if diff := cmp.Diff(want, *cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if got := cfg.VisibilityTimeout(); got != 180 {
		t.Errorf("derived visibility timeout: want 180 (6 x 30s), got %d", got)
	}
}

func TestLoadValues(t *testing.T) {
	cases := map[string]struct {
		reason  string
		raw     map[string]string
		secrets []string
		check   func(*Config) any
		want    any
	}{
		"dotted key": {
			reason: "nested settings arrive as objects, as the CLI writes them",
			raw:    with("nimbus:api.warmInstances", "3"),
			check:  func(c *Config) any { return c.API.WarmInstances },
			want:   3,
		},
		"structured object": {
			reason: "pulumi config set --path writes an object; it reads the same",
			raw:    with("nimbus:api", `{"warmInstances": 2, "memoryMb": 1024}`),
			check:  func(c *Config) any { return [2]int{c.API.WarmInstances, c.API.MemoryMB} },
			want:   [2]int{2, 1024},
		},
		"nested object": {
			reason: "objects nest to any depth",
			raw:    with("nimbus:database", `{"pool": {"maxIdlePercent": 10}}`),
			check:  func(c *Config) any { return c.Database.Pool.MaxIdlePercent },
			want:   10,
		},
		"list": {
			reason: "lists arrive as JSON",
			raw:    with("nimbus:network.vpcId", "vpc-0abc", "nimbus:network.subnetIds", `["subnet-1","subnet-2"]`),
			check:  func(c *Config) any { return c.Network.SubnetIDs },
			want:   []string{"subnet-1", "subnet-2"},
		},
		"other namespaces": {
			reason: "keys of providers are not ours to judge",
			raw:    with("aws:profile", "x", "kubernetes:context", "y"),
			check:  func(c *Config) any { return c.Cloud },
			want:   "aws",
		},
		"secret": {
			reason:  "a secret key set as a secret is accepted",
			raw:     with("nimbus:database.pooler", "external", "nimbus:database.externalUrl", "postgres://h/db"),
			secrets: []string{"nimbus:database"},
			check:   func(c *Config) any { return c.Database.ExternalURL },
			want:    "postgres://h/db",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Load(tc.raw, tc.secrets)
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, tc.check(cfg)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := map[string]struct {
		reason  string
		raw     map[string]string
		secrets []string
		want    []string
	}{
		"out of range": {
			reason: "the example from the issue, word for word",
			raw:    with("nimbus:api.warmInstances", "-1"),
			want:   []string{"nimbus:api.warmInstances must be between 0 and 100, got -1"},
		},
		"typo suggests": {
			reason: "a typo must not silently fall back to the default",
			raw:    with("nimbus:api.warmInstance", "2"),
			want:   []string{"nimbus:api.warmInstance is not a known key; did you mean nimbus:api.warmInstances?"},
		},
		"typo in an object": {
			reason: "typos inside --path objects are caught too",
			raw:    with("nimbus:database", `{"poolr": "none"}`),
			want:   []string{"nimbus:database.poolr is not a known key; did you mean nimbus:database.pooler?"},
		},
		"far from anything": {
			reason: "no suggestion when nothing is close",
			raw:    with("nimbus:zzzzzzzzzzzzzzzzzzzz", "1"),
			want:   []string{"nimbus:zzzzzzzzzzzzzzzzzzzz is not a known key; the known keys are listed in the README's configuration reference"},
		},
		"not a number": {
			reason: "type errors name the key and the range",
			raw:    with("nimbus:worker.batchSize", "ten"),
			want:   []string{`nimbus:worker.batchSize must be an integer between 1 and 10, got "ten"`},
		},
		"not a bool": {
			raw:  with("nimbus:production", "yes please"),
			want: []string{`nimbus:production must be true or false, got "yes please"`},
		},
		"enum": {
			raw:  with("nimbus:database.pooler", "pgbouncer"),
			want: []string{`nimbus:database.pooler must be one of proxy, external, none, got "pgbouncer"`},
		},
		"unknown cloud": {
			raw:  with("nimbus:cloud", "awz"),
			want: []string{`nimbus:cloud must be one of aws, azure, gcp, kubernetes, got "awz"`},
		},
		"log retention": {
			raw:  with("nimbus:logRetentionDays", "10"),
			want: []string{"nimbus:logRetentionDays must be one of 1, 3, 5, 7, 14, 30"},
		},
		"all at once": {
			reason: "every problem is reported together",
			raw:    with("nimbus:api.memoryMb", "64", "nimbus:queue.maxReceiveCount", "0", "nimbus:apii", "x"),
			want: []string{
				"nimbus:apii is not a known key; did you mean one of the nimbus:api.* keys (memoryMb, timeoutSeconds, warmInstances",
				"nimbus:api.memoryMb must be between 128 and 10240, got 64",
				"nimbus:queue.maxReceiveCount must be between 1 and 1000, got 0",
			},
		},
		"warm above max": {
			raw:  with("nimbus:api.warmInstances", "5", "nimbus:api.maxInstances", "3"),
			want: []string{"nimbus:api.warmInstances must be at most nimbus:api.maxInstances (3), got 5"},
		},
		"autoscaling without a floor": {
			raw:  with("nimbus:api.warmMax", "10"),
			want: []string{"nimbus:api.warmMax 10 autoscales warm capacity, so nimbus:api.warmInstances must be at least 1, got 0"},
		},
		"visibility too short": {
			reason: "AWS advises 6 x the consumer's timeout",
			raw:    with("nimbus:queue.visibilityTimeoutSeconds", "60", "nimbus:worker.timeoutSeconds", "30"),
			want:   []string{"nimbus:queue.visibilityTimeoutSeconds must be 0 (derived) or at least 6 x nimbus:worker.timeoutSeconds + nimbus:worker.batchWindowSeconds = 180, got 60"},
		},
		"worker too short for its batch": {
			reason: "the worker gives each job at least a second and keeps one to answer",
			raw:    with("nimbus:worker.timeoutSeconds", "5", "nimbus:worker.batchSize", "5", "nimbus:queue.visibilityTimeoutSeconds", "0"),
			want:   []string{"nimbus:worker.timeoutSeconds must be at least 1 + nimbus:worker.batchSize = 6 (a second for each job and one to answer), got 5"},
		},
		"idle above max": {
			raw:  with("nimbus:database.pool.maxIdlePercent", "95"),
			want: []string{"nimbus:database.pool.maxIdlePercent must be at most nimbus:database.pool.maxConnectionsPercent (90), got 95"},
		},
		"external without url": {
			raw:  with("nimbus:database.pooler", "external"),
			want: []string{"nimbus:database.externalUrl must be set (as a secret) when nimbus:database.pooler is external"},
		},
		"plain secret": {
			reason: "secrets never sit in plain config",
			raw:    with("nimbus:database.pooler", "external", "nimbus:database.externalUrl", "postgres://u:p@h/db"),
			want:   []string{"nimbus:database.externalUrl must be a secret: set it with pulumi config set --secret --path database.externalUrl"},
		},
		"prisma url": {
			reason:  "Prisma Accelerate's own URLs are not Postgres wire URLs",
			raw:     with("nimbus:database.pooler", "external", "nimbus:database.externalUrl", "prisma://accelerate.example/?api_key=k"),
			secrets: []string{"nimbus:database"},
			want:    []string{"nimbus:database.externalUrl must be a postgres:// URL; a prisma:// URL speaks Prisma's HTTP protocol"},
		},
		"url without external": {
			raw:     with("nimbus:database.externalUrl", "postgres://h/db"),
			secrets: []string{"nimbus:database"},
			want:    []string{"nimbus:database.externalUrl is only used when nimbus:database.pooler is external, but it is proxy"},
		},
		"no region": {
			raw:  map[string]string{"nimbus:cloud": "aws"},
			want: []string{"aws:region must be set when nimbus:cloud is aws"},
		},
		"bad cidr": {
			raw:  with("nimbus:network.cidr", "8.8.0.0/16"),
			want: []string{`nimbus:network.cidr must be a private IPv4 range from /16 to /22 such as 10.20.0.0/16, got "8.8.0.0/16"`},
		},
		"subnets without vpc": {
			raw:  with("nimbus:network.subnetIds", `["subnet-1","subnet-2"]`),
			want: []string{"nimbus:network.subnetIds needs nimbus:network.vpcId"},
		},
		"one subnet": {
			raw:  with("nimbus:network.vpcId", "vpc-1", "nimbus:network.subnetIds", `["subnet-1"]`),
			want: []string{"nimbus:network.subnetIds must list at least 2 private subnets in different zones when nimbus:network.vpcId is set, got 1"},
		},
		"flat key": {
			reason: "what pulumi config set without --path writes is not how the CLI reads declared keys",
			raw:    with("=nimbus:api.warmInstances", "2"),
			want:   []string{"nimbus:api.warmInstances is a flat key, but Pulumi reads nested settings as paths inside the object nimbus:api (the stack file's nimbus:api: {warmInstances: ...}); remove it and set it inside the object nimbus:api with pulumi config set --path api.warmInstances 2"},
		},
		"set two ways": {
			reason: "the CLI writes Pulumi.yaml's default into the object beside a flat key: never a silent winner",
			raw:    with("=nimbus:api.warmInstances", "2", "nimbus:api.warmInstances", "0"),
			want:   []string{`nimbus:api.warmInstances is set two ways: as the flat key nimbus:api.warmInstances = "2" and inside the object nimbus:api as warmInstances = "0"`},
		},
		"flat typo": {
			reason: "a flat key that is no setting at all is reported as unknown",
			raw:    with("=nimbus:api.warmInstance", "2"),
			want:   []string{"nimbus:api.warmInstance is a flat key"},
		},
		"bad object": {
			raw:  with("nimbus:api", `{"warmInstances": `),
			want: []string{"nimbus:api must be an object of settings"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(tc.raw, tc.secrets)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%s: want a *ConfigError, got %v", tc.reason, err)
			}
			if len(ce.Problems) != len(tc.want) {
				t.Errorf("%s: want %d problems, got %d:\n%s", tc.reason, len(tc.want), len(ce.Problems), err)
			}
			for i, w := range tc.want {
				if i < len(ce.Problems) && !startsWith(ce.Problems[i], w) {
					t.Errorf("%s: problem %d\nwant prefix: %s\n        got: %s", tc.reason, i, w, ce.Problems[i])
				}
			}
		})
	}
}

func startsWith(s, prefix string) bool { return len(s) >= len(prefix) && s[:len(prefix)] == prefix }

// noDefault are the keys that name something of the user's, so have no value of their own.
var noDefault = map[string]bool{
	"network.vpcId": true, "alarms.topicArn": true, "aws.certificateArn": true,
	"bucket.endpoint": true, "bucket.name": true, "bucket.credentialsSecret": true,
	"kubernetes.context": true, "kubernetes.renderDir": true, "kubernetes.registry": true, "kubernetes.databaseSecret": true,
	"gcp.databaseTier":    true, // picked by database.size and gcp.databaseEdition
	"azure.resourceGroup": true, "azure.registry": true,
	"azure.databaseSku": true, // picked by database.size and azure.databaseTier
}

func TestSchemaIsComplete(t *testing.T) {
	for _, k := range Schema() {
		if k.Help == "" {
			t.Errorf("%s has no help", k.Full())
		}
		if k.Default == "" && !k.Secret && k.Type != "array" && !noDefault[k.Name] {
			t.Errorf("%s has no default", k.Full())
		}
		if k.Default != "" {
			if _, err := Load(with("nimbus:"+k.Name, k.Default), nil); err != nil {
				t.Errorf("%s: its own default is rejected: %v", k.Full(), err)
			}
		}
	}
}
