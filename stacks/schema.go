package stacks

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Namespace is the config namespace of the project's own keys.
const Namespace = "nimbus"

// Key describes one stack configuration key, as read from Config's struct tags.
type Key struct {
	Name    string   // dotted, without the namespace: "api.warmInstances"
	Type    string   // string, integer, boolean or array
	Default string   // "" when the key has none
	Min     *int     // inclusive, integers only
	Max     *int     // inclusive, integers only
	Enum    []string // allowed values, when limited
	Secret  bool
	Help    string

	index []int // field path in Config
}

// Full is the key with its namespace, as users write it in a stack file.
func (k Key) Full() string { return Namespace + ":" + k.Name }

// Allowed says what values the key accepts, for error messages and docs.
func (k Key) Allowed() string {
	switch {
	case len(k.Enum) > 0:
		return "one of " + strings.Join(k.Enum, ", ")
	case k.Min != nil:
		return fmt.Sprintf("between %d and %d", *k.Min, *k.Max)
	case k.Type == "boolean":
		return "true or false"
	case k.Type == "array":
		return "a list of strings"
	default:
		return "a string"
	}
}

var schema = mustSchema()

// Schema lists every key the project knows, in declaration order.
func Schema() []Key { return append([]Key(nil), schema...) }

func mustSchema() []Key {
	keys, err := walk(reflect.TypeFor[Config](), "", nil)
	if err != nil {
		panic(err)
	}
	return keys
}

func walk(t reflect.Type, prefix string, index []int) ([]Key, error) {
	var keys []Key
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := f.Tag.Lookup("key")
		if !ok {
			return nil, fmt.Errorf("field %s.%s has no key tag", t.Name(), f.Name)
		}
		if name == "-" {
			continue // not a nimbus setting: filled by Load from other namespaces
		}
		name = prefix + name
		idx := append(append([]int(nil), index...), i)
		if f.Type.Kind() == reflect.Struct {
			sub, err := walk(f.Type, name+".", idx)
			if err != nil {
				return nil, err
			}
			keys = append(keys, sub...)
			continue
		}
		k := Key{Name: name, Default: f.Tag.Get("default"), Secret: f.Tag.Get("secret") == "true", Help: f.Tag.Get("help"), index: idx}
		switch f.Type.Kind() {
		case reflect.String:
			k.Type = "string"
		case reflect.Int:
			k.Type = "integer"
		case reflect.Bool:
			k.Type = "boolean"
		case reflect.Slice:
			k.Type = "array"
		default:
			return nil, fmt.Errorf("key %s: unsupported type %s", name, f.Type)
		}
		if e := f.Tag.Get("enum"); e != "" {
			k.Enum = strings.Split(e, "|")
		}
		if r := f.Tag.Get("range"); r != "" {
			lo, hi, _ := strings.Cut(r, "..")
			min, err1 := strconv.Atoi(lo)
			max, err2 := strconv.Atoi(hi)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("key %s: bad range %q", name, r)
			}
			k.Min, k.Max = &min, &max
		}
		if k.Help == "" {
			return nil, fmt.Errorf("key %s has no help", name)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// ConfigError lists every problem found in a stack's configuration. Callers branch on it: the
// plan command exits 2 for it.
type ConfigError struct {
	Problems []string
}

func (e *ConfigError) Error() string {
	return "invalid stack configuration:\n  " + strings.Join(e.Problems, "\n  ")
}

// Load reads a stack's configuration, as the Pulumi engine hands it to a program: full keys to
// string values, objects and arrays as JSON. Keys of other namespaces are ignored except those a
// cloud needs (aws:region).
//
// Nested settings have one form, the one the Pulumi CLI itself uses: Pulumi.yaml declares them
// by path ("api.warmInstances"), and the CLI looks every declared key up as a property path and
// writes its default into the object (nimbus:api = {"warmInstances": 0, ...}), exactly as
// `pulumi config set --path api.warmInstances 2` writes a value. So a stack file sets
//
//	nimbus:api:
//	  warmInstances: 2
//
// and a flat key (nimbus:api.warmInstances: 2, what `pulumi config set` without --path writes) is
// an error: under the CLI it would sit beside the object holding the default, and one of the two
// would win at random. When a setting is present both ways the error names both values.
//
// Missing keys take their defaults; every unknown key, malformed or out-of-range value, and
// inconsistent combination is reported together in a *ConfigError. The result does not depend on
// map order: keys are read sorted and no value ever overwrites another.
func Load(raw map[string]string, secretKeys []string) (*Config, error) {
	var problems []string
	secret := map[string]bool{}
	for _, k := range secretKeys {
		secret[k] = true
	}

	fulls := make([]string, 0, len(raw))
	for full := range raw {
		fulls = append(fulls, full)
	}
	sort.Strings(fulls)

	values := map[string]string{} // dotted name -> value, from top-level keys and objects only
	from := map[string]string{}   // dotted name -> the full key it came from
	flatKeys := map[string]string{}
	var unknown []string
	for _, full := range fulls {
		ns, name, ok := strings.Cut(full, ":")
		if !ok || ns != Namespace {
			continue
		}
		v := raw[full]
		if strings.Contains(name, ".") {
			flatKeys[name] = v // judged below, once every object is read
			continue
		}
		flat, err := flatten(name, v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		names := make([]string, 0, len(flat))
		for n := range flat {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if _, ok := byName[n]; !ok {
				unknown = append(unknown, n)
				continue
			}
			values[n], from[n] = flat[n], full
			if secret[full] {
				secret[Namespace+":"+n] = true
			}
		}
	}
	flatNames := make([]string, 0, len(flatKeys))
	for n := range flatKeys {
		flatNames = append(flatNames, n)
	}
	sort.Strings(flatNames)
	for _, n := range flatNames {
		problems = append(problems, flatKeyProblem(n, flatKeys[n], values, from, secret))
	}
	sort.Strings(unknown)
	for _, n := range unknown {
		problems = append(problems, unknownKey(n))
	}

	cfg := &Config{}
	root := reflect.ValueOf(cfg).Elem()
	for _, k := range schema {
		v, set := values[k.Name]
		if !set {
			v = k.Default
		}
		if set && k.Secret && !secret[k.Full()] {
			problems = append(problems, fmt.Sprintf("%s must be a secret: set it with pulumi config set --secret --path %s", k.Full(), k.Name))
			continue
		}
		if err := assign(root.FieldByIndex(k.index), k, v, set); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) == 0 {
		cfg.Provider = ProviderConfig{
			GCPProject:    strings.TrimSpace(raw["gcp:project"]),
			GCPRegion:     strings.TrimSpace(raw["gcp:region"]),
			AzureLocation: strings.TrimSpace(raw["azure-native:location"]),
		}
		problems = append(problems, cfg.check(raw)...)
	}
	if len(problems) > 0 {
		return nil, &ConfigError{Problems: problems}
	}
	return cfg, nil
}

// flatKeyProblem explains a setting written as a flat dotted key, and names the object's value
// when the same setting is also set there.
func flatKeyProblem(name, v string, values, from map[string]string, secret map[string]bool) string {
	full := Namespace + ":" + name
	top, rest, _ := strings.Cut(name, ".")
	shown := func(key, val string) string {
		if secret[key] {
			return "[secret]"
		}
		return strconv.Quote(val)
	}
	if _, known := byName[name]; !known {
		if !isObjectKey(top) {
			return unknownKey(name)
		}
	}
	fix := fmt.Sprintf("remove it and set it inside the object %s:%s with pulumi config set --path %s %s", Namespace, top, name, v)
	if secret[full] {
		fix = fmt.Sprintf("remove it and set it inside the object %s:%s with pulumi config set --secret --path %s VALUE", Namespace, top, name)
	}
	if ov, both := values[name]; both {
		return fmt.Sprintf("%s is set two ways: as the flat key %s = %s and inside the object %s as %s = %s (where Pulumi.yaml's default lands when the flat key is not read as a path); %s",
			full, full, shown(full, v), from[name], rest, shown(from[name], ov), fix)
	}
	return fmt.Sprintf("%s is a flat key, but Pulumi reads nested settings as paths inside the object %s:%s (the stack file's nimbus:%s: {%s: ...}); %s",
		full, Namespace, top, top, rest, fix)
}

// flatten turns an object value (nimbus:api = {"warmInstances": 2}) into dotted names; any other
// value stays as is.
func flatten(name, v string) (map[string]string, error) {
	out := map[string]string{}
	if !isObjectKey(name) || !strings.HasPrefix(strings.TrimSpace(v), "{") {
		out[name] = v
		return out, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &obj); err != nil {
		return nil, fmt.Errorf("%s:%s must be an object of settings, got %q: %v", Namespace, name, v, err)
	}
	for k, raw := range obj {
		s := string(raw)
		var str string
		if json.Unmarshal(raw, &str) == nil {
			s = str
		}
		sub, err := flatten(name+"."+k, s)
		if err != nil {
			return nil, err
		}
		for sk, sv := range sub {
			out[sk] = sv
		}
	}
	return out, nil
}

var byName = func() map[string]Key {
	m := map[string]Key{}
	for _, k := range schema {
		m[k.Name] = k
	}
	return m
}()

func isObjectKey(name string) bool {
	for _, k := range schema {
		if strings.HasPrefix(k.Name, name+".") {
			return true
		}
	}
	return false
}

func unknownKey(name string) string {
	best, dist := "", 1<<30
	for _, cand := range candidates {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(cand))
		if d < dist {
			best, dist = cand, d
		}
	}
	msg := fmt.Sprintf("%s:%s is not a known key", Namespace, name)
	if dist > max(3, len(name)/3) {
		return msg + "; the known keys are listed in the README's configuration reference"
	}
	if _, isKey := byName[best]; isKey {
		return msg + fmt.Sprintf("; did you mean %s:%s?", Namespace, best)
	}
	var under []string
	for _, k := range schema {
		if rest, ok := strings.CutPrefix(k.Name, best+"."); ok && !strings.Contains(rest, ".") {
			under = append(under, rest)
		}
	}
	return msg + fmt.Sprintf("; did you mean one of the %s:%s.* keys (%s)?", Namespace, best, strings.Join(under, ", "))
}

// candidates are the names a typo is compared with: every key and every group of keys.
var candidates = func() []string {
	seen := map[string]bool{}
	var out []string
	for _, k := range schema {
		out = append(out, k.Name)
		parts := strings.Split(k.Name, ".")
		for i := 1; i < len(parts); i++ {
			g := strings.Join(parts[:i], ".")
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
	return out
}()

func assign(f reflect.Value, k Key, v string, set bool) error {
	got := func() string { return fmt.Sprintf("got %q", v) }
	switch k.Type {
	case "string":
		if len(k.Enum) > 0 && !contains(k.Enum, v) {
			return fmt.Errorf("%s must be %s, %s", k.Full(), k.Allowed(), got())
		}
		f.SetString(v)
	case "integer":
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s must be an integer %s, %s", k.Full(), k.Allowed(), got())
		}
		if len(k.Enum) > 0 && !contains(k.Enum, strconv.Itoa(n)) {
			return fmt.Errorf("%s must be %s, got %d", k.Full(), k.Allowed(), n)
		}
		if k.Min != nil && (n < *k.Min || n > *k.Max) {
			return fmt.Errorf("%s must be %s, got %d", k.Full(), k.Allowed(), n)
		}
		f.SetInt(int64(n))
	case "boolean":
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("%s must be %s, %s", k.Full(), k.Allowed(), got())
		}
		f.SetBool(b)
	case "array":
		if !set || v == "" {
			return nil
		}
		var list []string
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return fmt.Errorf("%s must be %s, %s", k.Full(), k.Allowed(), got())
		}
		f.Set(reflect.ValueOf(list))
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
