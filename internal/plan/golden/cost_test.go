package golden_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/cost"
	"github.com/nimbus-iac/nimbus/internal/plan"
)

// floors are the priced always-on floors of the project's stacks with the repository's table,
// reviewed like the golden plans: a change to a stack or to prices.yaml moves them here.
var floors = map[string]struct {
	monthly  float64
	priced   int // resources with a standing charge
	unpriced int
}{
	"dev":                 {48.97, 6, 0},
	"dev-container":       {151.681, 11, 0},
	"prod":                {193.0102, 8, 0},
	"dev-gcp":             {54.2115, 2, 0},
	"dev-gcp-container":   {106.7715, 3, 0},
	"prod-gcp":            {793.97, 3, 0},
	"dev-azure":           {49.7836, 5, 1},
	"dev-azure-container": {81.3196, 6, 1},
	"prod-azure":          {700.7302, 6, 1},
	// Kubernetes stacks run on their cluster: every resource is unpriced.
	"local":           {0, 0, 13},
	"local-container": {0, 0, 13},
}

// knownUnpriced are the cloud types the table knowingly leaves unpriced, each for the reason its
// model gives.
var knownUnpriced = map[string]bool{
	// Azure lists an Environment Management Hour from 2026-09-01 without saying which
	// environments it bills.
	"azure-native:app:ManagedEnvironment": true,
}

// TestCostFloors pins each stack's priced floor, and that only Kubernetes stacks (priced by
// their cluster) and the knownUnpriced types are unpriced.
func TestCostFloors(t *testing.T) {
	dir := projectDir(t)
	for _, stack := range stacks(t, dir) {
		t.Run(stack, func(t *testing.T) {
			p := planWith(t, dir, stack, nil)
			want, ok := floors[stack]
			if !ok {
				t.Fatalf("no pinned floor for stack %s: add it to floors; the plan prices it at %v with %d priced and %d unpriced resources",
					stack, p.Cost.Monthly, len(p.Cost.Resources), p.Cost.UnpricedCount())
			}
			if p.Cost.Monthly != want.monthly || len(p.Cost.Resources) != want.priced || p.Cost.UnpricedCount() != want.unpriced {
				t.Errorf("floor of %s = %v (%d priced, %d unpriced), want %v (%d, %d):\n%s",
					stack, p.Cost.Monthly, len(p.Cost.Resources), p.Cost.UnpricedCount(), want.monthly, want.priced, want.unpriced, plan.Text(p))
			}
			for _, u := range p.Cost.Unpriced {
				if p.Cloud != "kubernetes" && !knownUnpriced[u.Type] {
					t.Errorf("stack %s on %s has unpriced %s: %s", stack, p.Cloud, u.Type, u.Reason)
				}
			}
			var sum float64
			for _, l := range p.Cost.Resources {
				sum += l.Monthly
			}
			if math.Abs(sum-p.Cost.Monthly) > 0.0001*float64(len(p.Cost.Resources)+1) {
				t.Errorf("the resources sum to %v, the total is %v", sum, p.Cost.Monthly)
			}
		})
	}
}

// price is a figure of the repository's table.
func price(t *testing.T, id string) float64 {
	t.Helper()
	p, ok := cost.Prices().Price(id)
	if !ok {
		t.Fatalf("the price table has no %s", id)
	}
	return p.USD
}

// TestWarmCapacityCost is the reviewer's case priced: one more warm instance of the API moves
// each stack's floor by the table's price of one warm instance, and only the resource that
// holds it changes price.
func TestWarmCapacityCost(t *testing.T) {
	dir := projectDir(t)
	month := float64(cost.SecondsPerMonth)
	cases := map[string]struct {
		resource string
		delta    func() float64
	}{
		// 512 MB on Arm, by Pulumi.prod.yaml.
		"prod": {"api-warm", func() float64 {
			return 0.5 * month * price(t, "aws/eu-west-1/lambda/provisioned-concurrency-arm64")
		}},
		// 1 vCPU and 512Mi, CPU only during requests: the idle rates.
		"prod-gcp": {"api", func() float64 {
			return month * (1*price(t, "gcp/europe-west1/run/idle-vcpu-second") + 0.5*price(t, "gcp/europe-west1/run/idle-memory-gib-second"))
		}},
		// 0.25 vCPU and 0.5Gi, idle.
		"prod-azure": {"api", func() float64 {
			return month * (0.25*price(t, "azure/westeurope/containerapps/idle-vcpu-second") + 0.5*price(t, "azure/westeurope/containerapps/idle-gib-second"))
		}},
	}
	for stack, c := range cases {
		t.Run(stack, func(t *testing.T) {
			base := planWith(t, dir, stack, nil)
			head := planWith(t, dir, stack, map[string]string{"nimbus:api.warmInstances": "3"})
			d := plan.Compare(base, head)
			want := c.delta()
			if math.Abs(d.Cost.Delta-want) > 0.0003 {
				t.Errorf("the floor moves by %v, want the table's price of one warm instance, %v", d.Cost.Delta, want)
			}
			if d.Cost.Head-d.Cost.Base != d.Cost.Head-d.Cost.Base || math.Abs(d.Cost.Head-d.Cost.Base-d.Cost.Delta) > 0.0001 {
				t.Errorf("delta %v is not head %v - base %v", d.Cost.Delta, d.Cost.Head, d.Cost.Base)
			}
			var names []string
			for _, r := range d.Cost.Resources {
				names = append(names, r.Name)
				if math.Abs(r.Delta-want) > 0.0003 || r.New-r.Old != r.New-r.Old || r.Old <= 0 {
					t.Errorf("%s: %v to %v (%+v), want a move of %v from a warm floor", r.Name, r.Old, r.New, r.Delta, want)
				}
			}
			if diff := cmp.Diff([]string{c.resource}, names); diff != "" {
				t.Errorf("resources whose price changes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCostComment is the done-when of the pull-request review: the comment of a change to
// api.warmInstances shows the changed resource, its old and new value, and the cost difference,
// cost after the changes and before the guardrails.
func TestCostComment(t *testing.T) {
	dir := projectDir(t)
	for _, stack := range []string{"prod", "prod-gcp", "prod-azure"} {
		t.Run(stack, func(t *testing.T) {
			base := planWith(t, dir, stack, nil)
			head := planWith(t, dir, stack, map[string]string{"nimbus:api.warmInstances": "3"})
			head.Diff = plan.Compare(base, head)
			head.Diff.Base = "main"
			md := plan.Markdown(head)
			changes, costAt, guards := strings.Index(md, "#### Changes"), strings.Index(md, "#### Cost"), strings.Index(md, "#### Guardrails")
			if changes < 0 || costAt < changes || guards < costAt {
				t.Fatalf("want Changes, then Cost, then Guardrails; at %d, %d, %d:\n%s", changes, costAt, guards, md)
			}
			section := md[costAt:guards]
			delta := head.Diff.Cost.Delta
			for _, want := range []string{
				"against `main`",
				fmt.Sprintf("+$%.2f a month", delta), // under $1,000: no separators
				fmt.Sprintf("| %s |", fmt.Sprintf("+$%.2f", delta)),
			} {
				if !strings.Contains(section, want) {
					t.Errorf("the cost section lacks %q:\n%s", want, section)
				}
			}
			for _, want := range []string{"0 to add, 1 to change, 0 to remove", "What changes (1 resource)", "| `2` | `3` |"} {
				if !strings.Contains(md[changes:costAt], want) {
					t.Errorf("the changes lack %q (one changed resource, old value 2, new 3):\n%s", want, md[changes:costAt])
				}
			}
			if rows := strings.Count(md[changes:costAt], "| ✏️ |"); rows != 1 {
				t.Errorf("the changes list %d changed properties, want 1:\n%s", rows, md[changes:costAt])
			}
		})
	}
}

// TestBudgetGuardrail: nimbus:budget.monthlyFloor fails the plan when the priced floor is above
// it, naming the floor and the budget; at or above the floor it passes; out of range it is a
// configuration error naming the key.
func TestBudgetGuardrail(t *testing.T) {
	dir := projectDir(t)
	floor := planWith(t, dir, "prod", nil).Cost.Monthly
	below := fmt.Sprintf("%d", int(floor)-1)
	p := planWith(t, dir, "prod", map[string]string{"nimbus:budget.monthlyFloor": below})
	var got []string
	for _, v := range p.Violations {
		if v.Rule == "budget-monthly-floor" {
			got = append(got, string(v.Severity)+" "+v.Property+": "+v.Message)
		}
	}
	want := []string{fmt.Sprintf("error nimbus:budget.monthlyFloor: the always-on floor is $%.2f a month at zero traffic, above nimbus:budget.monthlyFloor $%s: lower warm capacity or database size, or raise the budget", floor, below)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("budget below the floor (-want +got):\n%s", diff)
	}
	if !p.Failed() {
		t.Error("a floor above the budget does not fail the plan")
	}
	above := planWith(t, dir, "prod", map[string]string{"nimbus:budget.monthlyFloor": fmt.Sprintf("%d", int(floor)+1)})
	for _, v := range above.Violations {
		if v.Rule == "budget-monthly-floor" {
			t.Errorf("a budget above the floor: %v", v)
		}
	}
	opts := planOptions(dir, "prod", map[string]string{"nimbus:budget.monthlyFloor": "-5"})
	if _, err := plan.Run(opts); err == nil || !strings.Contains(err.Error(), "nimbus:budget.monthlyFloor") {
		t.Errorf("a negative budget: err = %v, want one naming nimbus:budget.monthlyFloor", err)
	}
}
