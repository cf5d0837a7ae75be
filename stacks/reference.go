package stacks

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ProjectConfigBlock renders the schema as the `config:` block of Pulumi.yaml: every key with its
// type, default and description, as far as Pulumi's project config can say them (ranges and
// allowed values are in the descriptions; Load enforces them).
//
// Keys without a default are left out and listed in a comment: Pulumi makes every key declared
// without a default required in every stack, and these are optional (an existing VPC, an external
// pooler's URL).
func ProjectConfigBlock() string {
	var b strings.Builder
	var optional []string
	for _, k := range schema {
		if k.Default == "" {
			optional = append(optional, k.Name)
		}
	}
	b.WriteString("# Optional keys without a default, not declared here because Pulumi would require them in\n")
	fmt.Fprintf(&b, "# every stack (see the README's configuration reference): %s.\n", strings.Join(optional, ", "))
	b.WriteString("config:\n")
	for _, k := range schema {
		if k.Default == "" {
			continue
		}
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
