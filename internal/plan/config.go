package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
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

// LoadConfig resolves a stack's configuration: the project's defaults from
// Pulumi.yaml, then the stack's Pulumi.STACK.yaml.
func LoadConfig(dir, stack string) (*StackConfig, error) {
	var project struct {
		Name   string               `yaml:"name"`
		Config map[string]yaml.Node `yaml:"config"`
	}
	if err := readYAML(filepath.Join(dir, "Pulumi.yaml"), &project); err != nil {
		return nil, err
	}
	if project.Name == "" {
		return nil, configErrorf("%s has no project name", filepath.Join(dir, "Pulumi.yaml"))
	}
	cfg := &StackConfig{Project: project.Name, Stack: stack, Values: map[string]string{}}
	secret := map[string]bool{}
	var problems []error
	required := map[string]string{} // declared without a default: full key -> key as declared

	for key, node := range project.Config {
		full := fullKey(project.Name, key)
		var decl map[string]any
		if node.Kind == yaml.MappingNode && node.Decode(&decl) == nil && isDeclaration(decl) {
			v, ok := decl["default"]
			if !ok {
				v, ok = decl["value"]
			}
			if !ok {
				required[full] = key // Pulumi requires the stack to set it
				continue
			}
			s, isSecret, err := configString(v)
			if err != nil {
				problems = append(problems, fmt.Errorf("Pulumi.yaml: %s: %w", key, err))
				continue
			}
			cfg.Values[full] = s
			if isSecret || decl["secret"] == true {
				secret[full] = true
			}
			continue
		}
		var v any
		if err := node.Decode(&v); err != nil {
			problems = append(problems, fmt.Errorf("Pulumi.yaml: %s: %w", key, err))
			continue
		}
		s, isSecret, err := configString(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("Pulumi.yaml: %s: %w", key, err))
			continue
		}
		cfg.Values[full], secret[full] = s, isSecret
	}

	stackFile := filepath.Join(dir, "Pulumi."+stack+".yaml")
	if _, err := os.Stat(stackFile); err != nil {
		known, _ := Stacks(dir)
		return nil, configErrorf("no stack %q: %s does not exist (stacks: %s)", stack, stackFile, strings.Join(known, ", "))
	}
	var stackDoc struct {
		Config map[string]any `yaml:"config"`
	}
	if err := readYAML(stackFile, &stackDoc); err != nil {
		return nil, err
	}
	for key, v := range stackDoc.Config {
		full := fullKey(project.Name, key)
		s, isSecret, err := configString(v)
		if err != nil {
			problems = append(problems, fmt.Errorf("%s: %s: %w", filepath.Base(stackFile), key, err))
			continue
		}
		cfg.Values[full], secret[full] = s, isSecret
	}
	for full, key := range required {
		if _, ok := cfg.Values[full]; !ok {
			problems = append(problems, fmt.Errorf("stack %s is missing configuration value %s: Pulumi.yaml declares %s without a default, so every stack must set it", stack, full, key))
		}
	}
	if len(problems) > 0 {
		sort.Slice(problems, func(i, j int) bool { return problems[i].Error() < problems[j].Error() })
		return nil, &ConfigError{Err: errors.Join(problems...)}
	}
	for k, s := range secret {
		if s {
			cfg.Secrets = append(cfg.Secrets, k)
		}
	}
	sort.Strings(cfg.Secrets)
	return cfg, nil
}

func readYAML(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return configErrorf("cannot read %s: %w", path, err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		return configErrorf("cannot parse %s: %w", path, err)
	}
	return nil
}

// fullKey adds the project namespace to a key written without one.
func fullKey(project, key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return project + ":" + key
}

// isDeclaration reports whether a Pulumi.yaml config entry is a typed
// declaration ({type, default, description, secret, items, value}) rather
// than an object value.
func isDeclaration(m map[string]any) bool {
	if len(m) == 0 {
		return false
	}
	for k := range m {
		switch k {
		case "type", "default", "description", "secret", "items", "value":
		default:
			return false
		}
	}
	return true
}

// configString renders a config value as the Pulumi CLI passes it to a
// program: scalars as text, objects and arrays as JSON. A {secure: ...}
// value, anywhere in it, becomes the placeholder and makes the key secret.
func configString(v any) (string, bool, error) {
	secret := false
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			if len(t) == 1 {
				if _, ok := t["secure"]; ok {
					secret = true
					return SecretPlaceholder
				}
			}
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[k] = walk(e)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, e := range t {
				out[i] = walk(e)
			}
			return out
		default:
			return v
		}
	}
	v = walk(v)
	switch t := v.(type) {
	case nil:
		return "", secret, nil
	case string:
		return t, secret, nil
	case bool:
		return strconv.FormatBool(t), secret, nil
	case int:
		return strconv.Itoa(t), secret, nil
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), secret, nil
	case map[string]any, []any:
		b, err := json.Marshal(t)
		if err != nil {
			return "", false, fmt.Errorf("cannot encode value as JSON: %w", err)
		}
		return string(b), secret, nil
	default:
		return fmt.Sprint(t), secret, nil
	}
}
