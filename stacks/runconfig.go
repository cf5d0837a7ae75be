package stacks

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runConfig returns every config value the engine gave this run, and which keys are secret.
//
// The Go SDK lets a program look keys up (ctx.GetConfig) but not list them, and unknown keys can
// only be found by listing. The values live in the context's RunInfo however the program runs
// (under the pulumi CLI, inline through the Automation API, under mocks), so they are read from
// there, read-only, by reflection. If an SDK upgrade moves them, the PULUMI_CONFIG variable the
// CLI's language host sets is the fallback, and TestRunConfigReadsTheContext fails so the upgrade
// is noticed.
func runConfig(ctx *pulumi.Context) (map[string]string, []string, bool) {
	if cfg, secrets, ok := fromContext(ctx); ok {
		return cfg, secrets, true
	}
	var cfg map[string]string
	var secrets []string
	if err := json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfig)), &cfg); err != nil {
		return nil, nil, false
	}
	_ = json.Unmarshal([]byte(os.Getenv(pulumi.EnvConfigSecretKeys)), &secrets)
	return cfg, secrets, true
}

func fromContext(ctx *pulumi.Context) (map[string]string, []string, bool) {
	v := reflect.ValueOf(ctx)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, nil, false
	}
	state := v.Elem().FieldByName("state")
	if !state.IsValid() || state.Kind() != reflect.Pointer || state.IsNil() {
		return nil, nil, false
	}
	info := state.Elem().FieldByName("info")
	if !info.IsValid() || info.Type() != reflect.TypeFor[pulumi.RunInfo]() {
		return nil, nil, false
	}
	cfg := map[string]string{}
	iter := info.FieldByName("Config").MapRange()
	for iter.Next() {
		cfg[iter.Key().String()] = iter.Value().String()
	}
	var secrets []string
	keys := info.FieldByName("ConfigSecretKeys")
	for i := range keys.Len() {
		secrets = append(secrets, keys.Index(i).String())
	}
	sort.Strings(secrets)
	return cfg, secrets, true
}

// RunConfig returns the configuration the engine handed this run, as Load takes it: full keys to
// string values (objects and arrays as JSON), and the secret keys, sorted. Nil when the context
// holds none.
func RunConfig(ctx *pulumi.Context) (map[string]string, []string) {
	cfg, secrets, ok := runConfig(ctx)
	if !ok {
		return nil, nil
	}
	return cfg, secrets
}
