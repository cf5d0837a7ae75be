package plan

import (
	"fmt"
	"sort"
	"strings"
)

// MarkdownLimit is GitHub's limit on a comment's length, in characters.
const MarkdownLimit = 65536

// mermaidLimit is the largest diagram put in a comment; GitHub's renderer
// refuses diagrams much larger (Mermaid's default maxTextSize is 50,000).
const mermaidLimit = 20000

// Markdown renders the plan for a pull-request comment: counts by type, the
// guardrail results, the architecture diagram and the full tree in a
// collapsible section. When that exceeds MarkdownLimit, the tree and then
// the violation table are cut, with a note saying how much was left out.
func Markdown(p *Plan) string {
	return markdown(p, MarkdownLimit)
}

func markdown(p *Plan, limit int) string {
	tree, violations := treeLines(p), violationRows(p)
	treeN, violN := len(tree), len(violations)
	for {
		s := markdownWith(p,
			truncate(tree, treeN, "… %d more lines: run `go run ./cmd/nimbus plan --stack "+p.Stack+"` for the full tree"),
			truncate(violations, violN, "| … | %d more violations: run `go run ./cmd/nimbus plan --stack "+p.Stack+" --format json` | | | |"))
		if len([]rune(s)) <= limit || (treeN <= 1 && violN <= 1) {
			return s
		}
		// Summarise: halve the tree first, then the violation table.
		if treeN > 1 {
			treeN /= 2
		} else {
			violN /= 2
		}
	}
}

// truncate keeps the first n lines and a note counting the rest.
func truncate(lines []string, n int, note string) []string {
	if n >= len(lines) {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf(note, len(lines)-n))
}

// violationRows are the guardrail table's rows; against a base, the violations the change
// brings come first, marked new.
func violationRows(p *Plan) []string {
	isNew := map[string]bool{}
	if p.Diff != nil {
		for _, v := range p.Diff.NewViolations {
			isNew[v.Rule+"\x00"+v.URN+"\x00"+v.Property] = true
		}
	}
	var fresh, rows []string
	for _, v := range p.Violations {
		icon := "⚠️ warning"
		if v.Severity == "error" {
			icon = "❌ error"
		}
		row := fmt.Sprintf("| %s | `%s` | `%s` | `%s` | %s |", icon, v.Rule, v.URN, v.Property, escapeCell(v.Message))
		if isNew[v.Rule+"\x00"+v.URN+"\x00"+v.Property] {
			fresh = append(fresh, strings.Replace(row, "| ", "| 🆕 ", 1))
		} else {
			rows = append(rows, row)
		}
	}
	return append(fresh, rows...)
}

// diffLimit is the most changed properties a comment lists; the rest are counted.
const diffLimit = 200

// diffMarkdown is the change against the base: the summary, then each resource and property in
// a folded section.
func diffMarkdown(d *Diff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Against `%s`:** %s\n\n", d.Base, d.Summary())
	if d.Empty() && len(d.NewViolations) == 0 {
		return b.String()
	}
	n := len(d.Added) + len(d.Removed) + len(d.Changed)
	fmt.Fprintf(&b, "<details><summary>What changes (%s)</summary>\n\n| | resource | property | old | new |\n| --- | --- | --- | --- | --- |\n", countResources(n))
	rows := 0
	row := func(format string, args ...any) {
		if rows < diffLimit {
			fmt.Fprintf(&b, format, args...)
		}
		rows++
	}
	for _, r := range d.Added {
		row("| ➕ | `%s` | | | |\n", r.URN)
	}
	for _, r := range d.Removed {
		row("| ➖ | `%s` | | | |\n", r.URN)
	}
	for _, r := range d.Changed {
		if r.From != "" {
			row("| 🔀 | `%s` | moved from `%s` (alias: updated in place) | | |\n", r.URN, r.From)
		}
		for _, p := range r.Properties {
			old, nw := "`"+escapeCell(short(p.Old, 80))+"`", "`"+escapeCell(short(p.New, 80))+"`"
			switch p.Absent {
			case "old":
				old = "(none)"
			case "new":
				nw = "(none)"
			}
			row("| ✏️ | `%s` | `%s` | %s | %s |\n", r.URN, p.Path, old, nw)
		}
	}
	for _, p := range d.Outputs {
		row("| ✏️ | stack output | `%s` | `%s` | `%s` |\n", p.Path, escapeCell(short(p.Old, 80)), escapeCell(short(p.New, 80)))
	}
	if rows > diffLimit {
		fmt.Fprintf(&b, "| … | %d more rows: run `go run ./cmd/nimbus plan --stack %s --base %s` | | | |\n", rows-diffLimit, d.Stack, d.Base)
	}
	b.WriteString("\n</details>\n\n")
	return b.String()
}

func escapeCell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

func markdownWith(p *Plan, tree, violations []string) string {
	var b strings.Builder
	custom, comps := p.Count()
	errs, warns := counts(p.Violations)
	status := "✅ guardrails pass"
	switch {
	case errs > 0:
		status = fmt.Sprintf("❌ %d guardrail errors, %d warnings", errs, warns)
	case warns > 0:
		status = fmt.Sprintf("⚠️ %d guardrail warnings", warns)
	}
	env := "dev"
	if p.Production {
		env = "production"
	}
	fmt.Fprintf(&b, "### nimbus plan: `%s` (%s, %s, %s)\n\n", p.Stack, p.Cloud, p.Region, env)
	fmt.Fprintf(&b, "**%d resources to create** (%d cloud resources, %d components) · %s", custom+comps, custom, comps, status)
	if g := p.GenericCount(); g > 0 {
		fmt.Fprintf(&b, " · %d on the generic model", g)
	}
	b.WriteString("\n\n")
	if p.Diff != nil {
		b.WriteString("#### Changes\n\n" + diffMarkdown(p.Diff))
	}
	if p.Cost != nil {
		b.WriteString("#### Cost\n\n" + costMarkdown(p.Cost, p.Diff))
	}

	b.WriteString("#### Guardrails\n\n")
	if len(violations) == 0 {
		b.WriteString("No violations.\n")
	} else {
		b.WriteString("| severity | rule | resource | property | message |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range violations {
			b.WriteString(r + "\n")
		}
	}
	if len(p.Unchecked) > 0 {
		fmt.Fprintf(&b, "\nNot checked on %s (no check for this cloud yet): %s\n", p.Cloud, "`"+strings.Join(p.Unchecked, "`, `")+"`")
	}
	if len(p.NotApplicable) > 0 {
		fmt.Fprintf(&b, "\nNot applicable on %s:\n", p.Cloud)
		for _, na := range p.NotApplicable {
			fmt.Fprintf(&b, "- `%s`: %s\n", na.Rule, na.Reason)
		}
	}

	b.WriteString("\n#### Architecture\n\n")
	if diagram := Mermaid(p); len(diagram) <= mermaidLimit {
		b.WriteString("```mermaid\n" + diagram + "```\n")
	} else {
		fmt.Fprintf(&b, "The diagram has %d lines, too many for a comment: run `go run ./cmd/nimbus plan --stack %s --format mermaid`.\n",
			strings.Count(diagram, "\n"), p.Stack)
	}

	b.WriteString("\n#### Resources by type\n\n| type | count |\n| --- | ---: |\n")
	byType := map[string]int{}
	for _, r := range p.Resources {
		byType[r.Type]++
	}
	types := sortedKeys(byType)
	sort.SliceStable(types, func(i, j int) bool { return byType[types[i]] > byType[types[j]] })
	for _, t := range types {
		generic := ""
		if p.Generic[t] > 0 {
			generic = " (generic model)"
		}
		fmt.Fprintf(&b, "| `%s`%s | %d |\n", t, generic, byType[t])
	}

	if len(p.Outputs) > 0 {
		b.WriteString("\n#### Outputs\n\n| output | value |\n| --- | --- |\n")
		for _, k := range sortedKeys(p.Outputs) {
			fmt.Fprintf(&b, "| `%s` | `%s` |\n", k, escapeCell(short(p.Outputs[k], 200)))
		}
	}

	b.WriteString("\n<details><summary>Full plan</summary>\n\n```\n")
	for _, l := range tree {
		b.WriteString(l + "\n")
	}
	b.WriteString("```\n\n</details>\n")
	return b.String()
}
