package plan

import (
	"github.com/nimbus-iac/nimbus/internal/cost"
)

// EstimateCost prices a plan's always-on floor with the repository's price table.
func EstimateCost(p *Plan) *cost.Report {
	rs := make([]cost.Resource, 0, len(p.Resources))
	for _, r := range p.Resources {
		rs = append(rs, cost.Resource{URN: r.URN, Type: r.Type, Name: r.Name, Custom: r.Custom, Inputs: r.Inputs, Outputs: r.Outputs})
	}
	return cost.Estimate(cost.Prices(), p.Cloud, p.Region, rs)
}

// compareCost prices the change from base to head: the base is priced again with this table,
// so the difference is the change's, not the table's; a resource moved through an alias is
// matched to its base URN.
func compareCost(base, head *Plan, d *Diff) *cost.Change {
	if head.Cost == nil {
		head.Cost = EstimateCost(head)
	}
	b := *base
	if b.Region == "" && b.Cloud == head.Cloud {
		b.Region = head.Region // a saved plan from before plans recorded their region
	}
	from := map[string]string{}
	for _, c := range d.Changed {
		if c.From != "" {
			from[c.URN] = c.From
		}
	}
	return cost.Compare(EstimateCost(&b), head.Cost, func(urn string) string { return from[urn] })
}
