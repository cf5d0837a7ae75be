package plan_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nimbus-iac/nimbus/internal/plan"
)

// TestCompareIgnoreChanges pins Compare to the engine's processIgnoreChanges: a path the head
// resource ignores keeps its base value, or is dropped where the base had none, so the diff
// shows only what an update would send.
func TestCompareIgnoreChanges(t *testing.T) {
	base := map[string]any{
		"count": 2.0,
		"name":  "api",
		"scale": map[string]any{"min": 1.0, "max": 10.0},
		"rules": []any{map[string]any{"port": 80.0, "cidr": "a"}, map[string]any{"port": 443.0, "cidr": "b"}},
		"tags":  map[string]any{"team": "img", "kubernetes.io/name": "api"},
	}
	head := map[string]any{
		"count": 3.0,
		"name":  "api-v2",
		"scale": map[string]any{"min": 2.0, "max": 20.0},
		"rules": []any{map[string]any{"port": 8080.0, "cidr": "c"}, map[string]any{"port": 8443.0, "cidr": "d"}},
		"tags":  map[string]any{"team": "thumbs", "kubernetes.io/name": "api2"},
		"extra": "new",
	}
	cases := []struct {
		name   string
		ignore []string
		want   []plan.PropertyChange // nil: the resource is unchanged
	}{
		{"nothing ignored", nil, []plan.PropertyChange{
			{Path: "count", Old: 2.0, New: 3.0},
			{Path: "extra", New: "new", Absent: "old"},
			{Path: "name", Old: "api", New: "api-v2"},
			{Path: "rules[0].cidr", Old: "a", New: "c"},
			{Path: "rules[0].port", Old: 80.0, New: 8080.0},
			{Path: "rules[1].cidr", Old: "b", New: "d"},
			{Path: "rules[1].port", Old: 443.0, New: 8443.0},
			{Path: "scale.max", Old: 10.0, New: 20.0},
			{Path: "scale.min", Old: 1.0, New: 2.0},
			{Path: "tags.kubernetes.io/name", Old: "api", New: "api2"},
			{Path: "tags.team", Old: "img", New: "thumbs"},
		}},
		{"top-level, nested, wildcard and quoted paths", []string{"count", "scale.min", "rules[*].port", `tags["kubernetes.io/name"]`}, []plan.PropertyChange{
			{Path: "extra", New: "new", Absent: "old"},
			{Path: "name", Old: "api", New: "api-v2"},
			{Path: "rules[0].cidr", Old: "a", New: "c"},
			{Path: "rules[1].cidr", Old: "b", New: "d"},
			{Path: "scale.max", Old: 10.0, New: 20.0},
			{Path: "tags.team", Old: "img", New: "thumbs"},
		}},
		{"a property the base lacks is dropped, a path that does not parse is left alone", []string{"extra", "name", "scale", "rules", "tags", "count[", "count"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := plan.Compare(
				&plan.Plan{Stack: "s", Resources: []plan.Resource{{URN: "urn:a", Type: "t:m:R", Custom: true, Inputs: base}}},
				&plan.Plan{Stack: "s", Resources: []plan.Resource{{URN: "urn:a", Type: "t:m:R", Custom: true, Inputs: head, IgnoreChanges: tc.ignore}}},
			)
			var got []plan.PropertyChange
			for _, c := range d.Changed {
				got = append(got, c.Properties...)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if wantUnchanged := map[bool]int{true: 1, false: 0}[tc.want == nil]; d.Unchanged != wantUnchanged {
				t.Errorf("unchanged = %d, want %d", d.Unchanged, wantUnchanged)
			}
		})
	}
}
