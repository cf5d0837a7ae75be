package guardrails_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

const budgetRule = "budget-monthly-floor"

// TestBudgetCheck: the same check on every cloud, reading the priced floor the plan hands it.
func TestBudgetCheck(t *testing.T) {
	cases := map[string]struct {
		floor *guardrails.Floor
		want  []string
	}{
		"no floor":         {floor: nil},
		"no budget":        {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 900}},
		"within":           {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 499.99, Budget: 500}},
		"at the budget":    {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 500, Budget: 500}},
		"above":            {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 612.5, Budget: 500}, want: []string{"error urn:stack nimbus:budget.monthlyFloor: the always-on floor is $612.50 a month at zero traffic, above nimbus:budget.monthlyFloor $500: lower warm capacity or database size, or raise the budget"}},
		"above, unpriced":  {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 501, Unpriced: 2, Budget: 500}, want: []string{"error urn:stack nimbus:budget.monthlyFloor: the always-on floor is $501.00 a month at zero traffic, and 2 resources the price table cannot price add to it, above nimbus:budget.monthlyFloor $500: lower warm capacity or database size, or raise the budget"}},
		"within, unpriced": {floor: &guardrails.Floor{StackURN: "urn:stack", Monthly: 10, Unpriced: 5, Budget: 500}},
	}
	for _, cloud := range guardrails.Clouds() {
		if !guardrails.HasCheck(budgetRule, cloud) {
			t.Errorf("%s has no %s check", cloud, budgetRule)
		}
		for name, tc := range cases {
			t.Run(cloud+"/"+name, func(t *testing.T) {
				var got []string
				for _, v := range guardrails.Evaluate(&guardrails.Plan{Cloud: cloud, Floor: tc.floor}) {
					if v.Rule == budgetRule {
						got = append(got, string(v.Severity)+" "+v.URN+" "+v.Property+": "+v.Message)
					}
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("-want +got:\n%s", diff)
				}
			})
		}
	}
}
