package stacks

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ProjectConfigBlock renders the schema as the `config:` block of Pulumi.yaml: every key with its
// type, default and description, as far as Pulumi's project config can say them (ranges and
// allowed values are in the descriptions; Load enforces them).
func ProjectConfigBlock() string {
	var b strings.Builder
	b.WriteString("config:\n")
	for _, k := range schema {
		fmt.Fprintf(&b, "  %s:\n", k.Name)
		fmt.Fprintf(&b, "    type: %s\n", k.Type)
		if k.Type == "array" {
			b.WriteString("    items:\n      type: string\n")
		}
		if k.Secret {
			b.WriteString("    secret: true\n")
		}
		if k.Default != "" {
			fmt.Fprintf(&b, "    default: %s\n", yamlScalar(k))
		}
		desc := k.Help
		if len(k.Enum) > 0 || k.Min != nil {
			desc += " Allowed: " + k.Allowed() + "."
		}
		fmt.Fprintf(&b, "    description: %s\n", quote(desc))
	}
	return b.String()
}

// ReferenceTable renders the schema as the README's configuration reference.
func ReferenceTable() string {
	var b strings.Builder
	b.WriteString("| key | type | default | allowed | what it does |\n| --- | --- | --- | --- | --- |\n")
	for _, k := range schema {
		def := "`" + k.Default + "`"
		if k.Default == "" {
			def = "(none)"
		}
		typ := k.Type
		if k.Secret {
			typ += ", secret"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", k.Full(), typ, def, k.Allowed(), strings.ReplaceAll(k.Help, "|", "\\|"))
	}
	return b.String()
}

func yamlScalar(k Key) string {
	if k.Type == "string" {
		return quote(k.Default)
	}
	return k.Default
}

// quote writes a YAML double-quoted scalar (JSON strings are valid ones).
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
