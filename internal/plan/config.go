package plan

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

// SecretPlaceholder is the value given to the program for a secret that
// cannot be decrypted offline, and the text every secret is rendered as.
const SecretPlaceholder = "[secret]"

// ConfigError is a usage or configuration problem: a missing stack file, a
// malformed one, a configuration the program's loader rejects, or a program
// that fails to run. The CLI exits 2 for it.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

func configErrorf(format string, args ...any) error {
	return &ConfigError{Err: fmt.Errorf(format, args...)}
}

// StackConfig is a stack's resolved configuration, as the Pulumi engine would
// hand it to the program.
type StackConfig struct {
	Project string
	Stack   string
	// Values maps full keys ("nimbus:api.warmInstances", "aws:region") to
	// string values; objects and arrays are JSON.
	Values map[string]string
	// Secrets lists the keys whose values are secret, sorted.
	Secrets []string
}

// FindProject returns the closest folder at or above dir that holds
// Pulumi.yaml.
func FindProject(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("cannot find the project folder: %w", err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", configErrorf("cannot find the project folder: no Pulumi.yaml at or above %s", abs)
		}
	}
}

// Stacks lists the stacks that have a Pulumi.NAME.yaml in the project
// folder, sorted.
func Stacks(dir string) ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(dir, "Pulumi.*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("cannot list stack files: %w", err)
	}
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(m), "Pulumi."), ".yaml"))
	}
	sort.Strings(out)
	return out, nil
}

// LoadConfig resolves a stack's configuration as the Pulumi CLI does for `pulumi up`; see Resolve.
func LoadConfig(dir, stack string) (*StackConfig, error) { return Resolve(dir, stack, nil) }

// Resolve resolves a stack's configuration exactly as the Pulumi CLI (v3.274.1) does before it runs
// the program: Pulumi.yaml and Pulumi.STACK.yaml are read with the Pulumi SDK's own loaders into
// the SDK's config.Map; overrides (full keys such as nimbus:api.warmInstances, read as property
// paths like `pulumi config set --path`) are set on it; then every key Pulumi.yaml declares is
// looked up as a property path and, when absent, its default or value is set at that path
// (mergeConfig in pkg/workspace/config.go), required keys and declared types are checked, and
// the map is decrypted into the strings the engine hands the program.
//
// Secrets decrypt with the stack's passphrase when PULUMI_CONFIG_PASSPHRASE (or
// PULUMI_CONFIG_PASSPHRASE_FILE) is set and the stack file has an encryptionsalt; otherwise every
// secret becomes SecretPlaceholder, so a plan needs no credentials. TestCLIResolvesLikePlan holds
// this to the real CLI.
func Resolve(dir, stack string, overrides map[string]string) (*StackConfig, error) {
	projectFile := filepath.Join(dir, "Pulumi.yaml")
	proj, err := workspace.LoadProject(projectFile)
	if err != nil {
		return nil, configErrorf("cannot load %s: %w", projectFile, err)
	}
	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackFile); err != nil {
		known, _ := Stacks(dir)
		return nil, configErrorf("no stack %q: %s does not exist (stacks: %s)", stack, stackFile, strings.Join(known, ", "))
	}
	var warnings strings.Builder
	sink := diag.DefaultSink(io.Discard, &warnings, diag.FormatOptions{Color: colors.Never})
	ps, err := workspace.LoadProjectStack(sink, proj, stackFile)
	if err != nil {
		return nil, configErrorf("cannot load %s: %w", stackFile, err)
	}
	if ps.Environment != nil && len(ps.Environment.Imports()) > 0 {
		return nil, configErrorf("%s imports Pulumi ESC environments, which cannot be resolved offline", stackFile)
	}
	cfgMap := ps.Config
	if cfgMap == nil {
		cfgMap = config.Map{}
	}
	project := proj.Name.String()

	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, configErrorf("override %s: %w", k, err)
		}
		if err := cfgMap.Set(key, config.NewValue(overrides[k]), true); err != nil {
			return nil, configErrorf("override %s: %w", k, err)
		}
	}

	if err := mergeProjectConfig(stack, proj, cfgMap); err != nil {
		return nil, err
	}
	dec, err := decrypter(ps, stackFile)
	if err != nil {
		return nil, err
	}
	if err := validateTypes(stack, proj, cfgMap, dec); err != nil {
		return nil, err
	}
	plain, err := cfgMap.Decrypt(dec)
	if err != nil {
		return nil, configErrorf("cannot decrypt the configuration of stack %s: %w", stack, err)
	}
	cfg := &StackConfig{Project: project, Stack: stack, Values: map[string]string{}}
	for k, v := range plain {
		cfg.Values[k.String()] = v
	}
	for _, k := range cfgMap.SecureKeys() {
		cfg.Secrets = append(cfg.Secrets, k.String())
	}
	sort.Strings(cfg.Secrets)
	return cfg, nil
}

// mergeProjectConfig is the CLI's mergeConfig (pkg/v3 workspace/config.go, v3.274.1) without
// Pulumi ESC environments: each declared key, in sorted order, is looked up as a property path,
// and a missing one takes the declared default (or value) at that path.
func mergeProjectConfig(stack string, proj *workspace.Project, m config.Map) error {
	project := proj.Name.String()
	var missing []error
	for _, declared := range slices.Sorted(maps.Keys(proj.Config)) {
		decl := proj.Config[declared]
		key, err := parseConfigKey(project, declared)
		if err != nil {
			return configErrorf("Pulumi.yaml: %s: %w", declared, err)
		}
		_, found, err := m.Get(key, true)
		if err != nil {
			return configErrorf("stack %s: cannot read %s: %w", stack, key, err)
		}
		if found {
			continue
		}
		if decl.Default == nil && decl.Value == nil {
			if key.Namespace() == project {
				missing = append(missing, fmt.Errorf("stack %s is missing configuration value %s: Pulumi.yaml declares %s without a default, so every stack must set it", stack, key, declared))
			}
			continue
		}
		v := decl.Value
		if decl.Default != nil {
			v = decl.Default
		}
		cv, err := configValue(v)
		if err != nil {
			return configErrorf("Pulumi.yaml: %s: %w", declared, err)
		}
		if err := m.Set(key, cv, true); err != nil {
			return configErrorf("Pulumi.yaml: %s: cannot apply its default: %w", declared, err)
		}
	}
	if len(missing) > 0 {
		return &ConfigError{Err: errors.Join(missing...)}
	}
	return nil
}

// validateTypes checks every declared key's value against its declared type and secrecy, as the
// CLI's validateStackConfigValues does.
func validateTypes(stack string, proj *workspace.Project, m config.Map, dec config.Decrypter) error {
	var problems []error
	for _, declared := range slices.Sorted(maps.Keys(proj.Config)) {
		decl := proj.Config[declared]
		key, err := parseConfigKey(proj.Name.String(), declared)
		if err != nil {
			return configErrorf("Pulumi.yaml: %s: %w", declared, err)
		}
		v, found, err := m.Get(key, true)
		if err != nil || !found || !decl.IsExplicitlyTyped() {
			continue
		}
		if decl.Secret && !v.Secure() {
			problems = append(problems, fmt.Errorf("stack %s: %s must be encrypted, as Pulumi.yaml declares it secret", stack, declared))
			continue
		}
		text, err := v.Value(dec)
		if err != nil {
			return configErrorf("stack %s: cannot decrypt %s: %w", stack, declared, err)
		}
		var content any = text
		if v.Object() {
			if err := json.Unmarshal([]byte(text), &content); err != nil {
				return configErrorf("stack %s: %s: %w", stack, declared, err)
			}
		}
		if !workspace.ValidateConfigValue(*decl.Type, decl.Items, content) {
			problems = append(problems, fmt.Errorf("stack %s: %s must be of type %s, got %s", stack, declared, workspace.InferFullTypeName(*decl.Type, decl.Items), text))
		}
	}
	if len(problems) > 0 {
		return &ConfigError{Err: errors.Join(problems...)}
	}
	return nil
}

func parseConfigKey(project, key string) (config.Key, error) {
	if strings.Contains(key, ":") {
		return config.ParseKey(key)
	}
	return config.MustMakeKey(project, key), nil
}

// configValue is the CLI's createConfigValue: scalars as text, the rest as JSON objects.
func configValue(raw any) (config.Value, error) {
	switch raw.(type) {
	case string, int, bool:
		return config.NewValue(fmt.Sprintf("%v", raw)), nil
	}
	simple, err := workspace.SimplifyMarshalledValue(raw)
	if err != nil {
		return config.Value{}, err
	}
	b, err := json.Marshal(simple)
	if err != nil {
		return config.Value{}, err
	}
	return config.NewObjectValue(string(b)), nil
}

// decrypter decrypts the stack's secrets with its passphrase when one is given, and blinds them
// (SecretPlaceholder) otherwise.
func decrypter(ps *workspace.ProjectStack, stackFile string) (config.Decrypter, error) {
	phrase, ok := os.LookupEnv("PULUMI_CONFIG_PASSPHRASE")
	if file := os.Getenv("PULUMI_CONFIG_PASSPHRASE_FILE"); !ok && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, configErrorf("cannot read PULUMI_CONFIG_PASSPHRASE_FILE: %w", err)
		}
		phrase, ok = strings.TrimRight(string(b), "\r\n"), true
	}
	if !ok || ps.EncryptionSalt == "" || ps.SecretsProvider != "" && ps.SecretsProvider != "passphrase" {
		return config.NewBlindingDecrypter(), nil
	}
	parts := strings.SplitN(ps.EncryptionSalt, ":", 3) // v1:SALT:CIPHERTEXT, the ciphertext itself v1:NONCE:DATA
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, configErrorf("%s: encryptionsalt %q is not of the form v1:SALT:CHECK", stackFile, ps.EncryptionSalt)
	}
	salt, err := base64.StdEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, configErrorf("%s: encryptionsalt: %w", stackFile, err)
	}
	c := config.NewSymmetricCrypterFromPassphrase(phrase, salt)
	if check, err := c.DecryptValue(context.Background(), parts[2]); err != nil || check != "pulumi" {
		return nil, configErrorf("%s: PULUMI_CONFIG_PASSPHRASE does not decrypt this stack's secrets (incorrect passphrase)", stackFile)
	}
	return c, nil
}
