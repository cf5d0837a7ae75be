package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/cost"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Diff is what a change does to one stack: the working tree's plan against the base's.
type Diff struct {
	Stack string `json:"stack"`
	// Base names what was compared against: a git ref or a plan file.
	Base string `json:"base"`
	// Added and Removed are resources only the head or only the base plans.
	Added   []ResourceChange `json:"added"`
	Removed []ResourceChange `json:"removed"`
	// Changed are resources both plan whose inputs differ. A resource the head reaches through
	// one of its aliases (a component move) is changed, with From its base URN, never removed
	// and added.
	Changed []ResourceChange `json:"changed"`
	// Unchanged counts the resources both plan alike.
	Unchanged int `json:"unchanged"`
	// Outputs are the stack outputs that differ.
	Outputs []PropertyChange `json:"outputs,omitempty"`
	// NewViolations are the head's guardrail violations the base does not have.
	NewViolations []guardrails.Violation `json:"newViolations,omitempty"`
	// Cost is what the change does to the always-on floor, both sides priced with the head's
	// table.
	Cost *cost.Change `json:"cost,omitempty"`

	// removedNodes are the base's architecture nodes the change removes, for the diagram.
	removedNodes []archNode
}

// ResourceChange is one resource of a Diff.
type ResourceChange struct {
	URN  string `json:"urn"`
	Type string `json:"type"`
	// From is the base's URN when the resource was matched through an alias.
	From string `json:"from,omitempty"`
	// Properties are the inputs that differ, by path (template.containers[0].image).
	Properties []PropertyChange `json:"properties,omitempty"`
}

// PropertyChange is one input (or output) that differs. Old or New is absent when the property
// is only on one side; a secret shows as "[secret]" on both, so its change is not seen.
type PropertyChange struct {
	Path string `json:"path"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
	// Absent says which side lacks the property: "old" or "new".
	Absent string `json:"absent,omitempty"`
}

// Empty reports whether the change leaves the stack as it was.
func (d *Diff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.Outputs) == 0
}

// Compare diffs head against base: resources matched by URN, or by one of the head's aliases
// when the URN is new; inputs compared as JSON values, property by property.
func Compare(base, head *Plan) *Diff {
	d := &Diff{Stack: head.Stack, Added: []ResourceChange{}, Removed: []ResourceChange{}, Changed: []ResourceChange{}}
	old := map[string]Resource{}
	for _, r := range base.Resources {
		old[r.URN] = r
	}
	matched := map[string]bool{}
	for _, h := range head.Resources {
		b, ok := old[h.URN]
		from := ""
		if !ok || matched[h.URN] {
			ok = false
			for _, a := range h.Aliases {
				if ab, found := old[a]; found && !matched[a] {
					b, ok, from = ab, true, a
					break
				}
			}
		}
		if !ok {
			d.Added = append(d.Added, ResourceChange{URN: h.URN, Type: h.Type})
			continue
		}
		matched[b.URN] = true
		props := diffValues("", normalize(b.Inputs), ignoreChanges(normalize(b.Inputs), normalize(h.Inputs), h.IgnoreChanges))
		if b.Type != h.Type {
			props = append([]PropertyChange{{Path: "(type)", Old: b.Type, New: h.Type}}, props...)
		}
		if len(props) == 0 && from == "" {
			d.Unchanged++
			continue
		}
		d.Changed = append(d.Changed, ResourceChange{URN: h.URN, Type: h.Type, From: from, Properties: props})
	}
	for _, r := range base.Resources {
		if !matched[r.URN] {
			d.Removed = append(d.Removed, ResourceChange{URN: r.URN, Type: r.Type})
		}
	}
	d.Outputs = diffValues("", normalize(base.Outputs), normalize(head.Outputs))
	baseNodes, _ := architecture(base)
	for _, n := range baseNodes {
		if !matched[n.urn] {
			d.removedNodes = append(d.removedNodes, n)
		}
	}
	seen := map[string]bool{}
	for _, v := range base.Violations {
		seen[v.Rule+"\x00"+v.URN+"\x00"+v.Property] = true
	}
	for _, v := range head.Violations {
		if !seen[v.Rule+"\x00"+v.URN+"\x00"+v.Property] {
			d.NewViolations = append(d.NewViolations, v)
		}
	}
	d.Cost = compareCost(base, head, d)
	return d
}

// ignoreChanges returns head's inputs with each path in paths (pulumi.IgnoreChanges syntax,
// wildcards included) reset to its value in base, or removed where base has none: what the
// engine sends the provider on an update (processIgnoreChanges in the step generator), so that a
// property the program hands to someone else, such as an autoscaler's count, is not reported as
// a change the deployment would make. A path that does not parse is left alone, as the engine
// leaves it.
func ignoreChanges(base, head any, paths []string) any {
	bm, bok := base.(map[string]any)
	hm, hok := head.(map[string]any)
	if len(paths) == 0 || !bok || !hok {
		return head
	}
	old, props := resource.NewPropertyMapFromMap(bm), resource.NewPropertyMapFromMap(hm)
	for _, p := range paths {
		path, err := resource.ParsePropertyPath(p)
		if err != nil {
			continue
		}
		path.Reset(old, props)
	}
	return normalize(props.Mappable())
}

// normalize round-trips a value through JSON, so that a plan made here and one read from a file
// compare alike (numbers as float64, no typed slices).
func normalize(v any) any {
	if v == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

// diffValues lists the differences of two JSON values under path, objects key by key and lists
// element by element; anything else is compared whole.
func diffValues(path string, a, b any) []PropertyChange {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		var out []PropertyChange
		for _, k := range sortedSet(keys) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			av, ain := am[k]
			bv, bin := bm[k]
			switch {
			case !ain:
				out = append(out, PropertyChange{Path: p, New: bv, Absent: "old"})
			case !bin:
				out = append(out, PropertyChange{Path: p, Old: av, Absent: "new"})
			default:
				out = append(out, diffValues(p, av, bv)...)
			}
		}
		return out
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		var out []PropertyChange
		for i := range al {
			out = append(out, diffValues(path+"["+strconv.Itoa(i)+"]", al[i], bl[i])...)
		}
		return out
	}
	if reflect.DeepEqual(a, b) {
		return nil
	}
	return []PropertyChange{{Path: path, Old: a, New: b}}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadJSON reads a plan written with --format json: what a saved base is.
func ReadJSON(r io.Reader) (*Plan, error) {
	var doc struct {
		Project    string                 `json:"project"`
		Stack      string                 `json:"stack"`
		Cloud      string                 `json:"cloud"`
		Region     string                 `json:"region"`
		Resources  []Resource             `json:"resources"`
		Outputs    map[string]any         `json:"outputs"`
		Violations []guardrails.Violation `json:"violations"`
		Generic    map[string]int         `json:"generic"`
	}
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("cannot read the plan: %w (write one with nimbus plan --format json)", err)
	}
	if doc.Stack == "" || doc.Resources == nil {
		return nil, fmt.Errorf("cannot read the plan: it has no stack or no resources (write one with nimbus plan --format json)")
	}
	for i := range doc.Resources {
		// The logical name is not in the JSON: it is the URN's last part.
		if u := doc.Resources[i].URN; strings.Contains(u, "::") {
			doc.Resources[i].Name = u[strings.LastIndex(u, "::")+2:]
		}
	}
	return &Plan{Project: doc.Project, Stack: doc.Stack, Cloud: doc.Cloud, Region: doc.Region, Resources: doc.Resources,
		Outputs: doc.Outputs, Violations: doc.Violations, Generic: doc.Generic}, nil
}

// DiffText renders a diff for a terminal: one line per added, removed and changed resource, each
// changed property under it.
func DiffText(d *Diff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Changes of stack %s against %s: %s\n", d.Stack, d.Base, d.Summary())
	for _, r := range d.Added {
		fmt.Fprintf(&b, "  + %s\n", r.URN)
	}
	for _, r := range d.Removed {
		fmt.Fprintf(&b, "  - %s\n", r.URN)
	}
	for _, r := range d.Changed {
		fmt.Fprintf(&b, "  ~ %s\n", r.URN)
		if r.From != "" {
			fmt.Fprintf(&b, "      moved from %s (alias: updated in place)\n", r.From)
		}
		for _, p := range r.Properties {
			fmt.Fprintf(&b, "      %s\n", p.line(120))
		}
	}
	for _, p := range d.Outputs {
		fmt.Fprintf(&b, "  output %s\n", p.line(120))
	}
	for _, v := range d.NewViolations {
		fmt.Fprintf(&b, "  new %s %s: %s\n      at %s (%s)\n", v.Severity, v.Rule, v.Message, v.URN, v.Property)
	}
	if d.Cost != nil {
		b.WriteString(costChangeText(d.Cost))
	}
	return b.String()
}

// Summary is the diff on one line: what is added, changed and removed, and how much is not.
func (d *Diff) Summary() string {
	if d.Empty() {
		return fmt.Sprintf("no changes (%d resources unchanged)", d.Unchanged)
	}
	s := fmt.Sprintf("%d to add, %d to change, %d to remove, %d unchanged", len(d.Added), len(d.Changed), len(d.Removed), d.Unchanged)
	if len(d.Outputs) > 0 {
		s += fmt.Sprintf(", %d outputs changed", len(d.Outputs))
	}
	return s
}

// line formats a property change as "path: old -> new".
func (p PropertyChange) line(n int) string {
	switch p.Absent {
	case "old":
		return fmt.Sprintf("%s: (none) -> %s", p.Path, short(p.New, n))
	case "new":
		return fmt.Sprintf("%s: %s -> (none)", p.Path, short(p.Old, n))
	}
	return fmt.Sprintf("%s: %s -> %s", p.Path, short(p.Old, n), short(p.New, n))
}

// renderDiffJSON writes a diff as indented JSON.
func renderDiffJSON(w io.Writer, d *Diff) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("cannot render the diff as JSON: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
