package plan

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/cost"
)

// usd formats an amount in dollars and cents with thousands separators: $1,234.56.
func usd(x float64) string {
	neg := x < 0
	s := strconv.FormatFloat(math.Abs(x), 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := "$" + b.String() + "." + frac
	if neg {
		out = "-" + out
	}
	return out
}

// signed formats a difference: +$4.38, -$4.38, $0.00.
func signed(x float64) string {
	switch {
	case x > 0.004:
		return "+" + usd(x)
	case x < -0.004:
		return usd(x)
	default:
		return usd(0)
	}
}

// unitPrice formats a table figure with every digit it has: $0.0000033334.
func unitPrice(x float64) string { return "$" + strconv.FormatFloat(x, 'f', -1, 64) }

// quantity formats a monthly quantity: 2,628,000, 730, 0.5.
func quantity(x float64) string {
	if x == math.Trunc(x) && x < 1e15 {
		s := usd(x)
		return strings.TrimSuffix(strings.TrimPrefix(s, "$"), ".00")
	}
	return strconv.FormatFloat(math.Round(x*1e4)/1e4, 'f', -1, 64)
}

// countResources counts resources in words: 1 resource, 2 resources.
func countResources(n int) string {
	if n == 1 {
		return "1 resource"
	}
	return strconv.Itoa(n) + " resources"
}

// floorSummary is the floor's one line: the total, and whether it is a lower bound.
func floorSummary(c *cost.Report) string {
	s := usd(c.Monthly) + " a month"
	if n := c.UnpricedCount(); n > 0 {
		s = "at least " + s
	}
	return s
}

// tableNote says where the figures come from.
func tableNote(c *cost.Report) string {
	if c.Cloud == "kubernetes" {
		return "a Kubernetes stack runs on its cluster, whose nodes are its floor and are not in the plan"
	}
	region := c.Region
	if region == "" {
		region = "(no region)"
	}
	return fmt.Sprintf("USD list prices of %s %s as of %s, from internal/cost/prices.yaml, which names each figure's source; a month is %d hours",
		c.Cloud, region, c.AsOf, cost.HoursPerMonth)
}

// byCost orders a floor's resources for reading: the dearest first, ties by URN.
func byCost(c *cost.Report) []cost.Line {
	ls := append([]cost.Line(nil), c.Resources...)
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].Monthly > ls[j].Monthly })
	return ls
}

// costText renders the floor for a terminal.
func costText(c *cost.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nAlways-on floor: %s at zero traffic (%s)\n", floorSummary(c), tableNote(c))
	for _, l := range byCost(c) {
		fmt.Fprintf(&b, "    %10s  %s %s\n", usd(l.Monthly), l.Type, l.Name)
		for _, it := range l.Items {
			fmt.Fprintf(&b, "        %s %s x %s = %s  %s%s\n", quantity(it.Quantity), it.Unit, unitPrice(it.USD), usd(it.Monthly), it.What, unverifiedMark(it.Verified))
		}
	}
	fmt.Fprintf(&b, "    no standing charge: %s\n", countResources(c.NoStandingCharge))
	if len(c.Unpriced) > 0 {
		fmt.Fprintf(&b, "    not priced, so the floor is at least the total above: %s\n", countResources(c.UnpricedCount()))
		for _, u := range c.Unpriced {
			fmt.Fprintf(&b, "        %s: %d (%s)\n", u.Type, len(u.URNs), u.Reason)
		}
	}
	if len(c.Usage) > 0 {
		b.WriteString("    usage prices, not in the floor:\n")
		for _, p := range c.Usage {
			fmt.Fprintf(&b, "        %s per %s  %s%s\n", unitPrice(p.USD), p.Unit, p.What, unverifiedMark(p.Verified))
		}
	}
	return b.String()
}

// costChangeText is the diff's cost line and the resources whose floor moves.
func costChangeText(c *cost.Change) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Always-on floor: %s a month (%s to %s)\n", signed(c.Delta), usd(c.Base), usd(c.Head))
	for _, r := range c.Resources {
		fmt.Fprintf(&b, "  %s %s %s: %s to %s\n", signed(r.Delta), r.Type, r.Name, usd(r.Old), usd(r.New))
	}
	if c.BaseUnpriced != c.HeadUnpriced {
		fmt.Fprintf(&b, "  unpriced resources: %d to %d, so the real difference may differ\n", c.BaseUnpriced, c.HeadUnpriced)
	}
	return b.String()
}

func unverifiedMark(verified bool) string {
	if verified {
		return ""
	}
	return " †"
}

// costMarkdown is the comment's cost section: the floor, its change against the base, what it
// is made of, what is not priced, and the usage prices.
func costMarkdown(c *cost.Report, d *Diff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Always-on floor: %s** at zero traffic", floorSummary(c))
	if d != nil && d.Cost != nil {
		fmt.Fprintf(&b, " · **%s a month** against `%s` (%s → %s)", signed(d.Cost.Delta), d.Base, usd(d.Cost.Base), usd(d.Cost.Head))
	}
	b.WriteString("\n\n")
	if d != nil && d.Cost != nil && len(d.Cost.Resources) > 0 {
		b.WriteString("| resource | type | old | new | change |\n| --- | --- | ---: | ---: | ---: |\n")
		for _, r := range d.Cost.Resources {
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s |\n", r.Name, r.Type, usd(r.Old), usd(r.New), signed(r.Delta))
		}
		if d.Cost.BaseUnpriced != d.Cost.HeadUnpriced {
			fmt.Fprintf(&b, "\nUnpriced resources go from %d to %d, so the real difference may differ.\n", d.Cost.BaseUnpriced, d.Cost.HeadUnpriced)
		}
		b.WriteString("\n")
	}
	if len(c.Resources) > 0 {
		fmt.Fprintf(&b, "<details><summary>What the floor is made of (%s; %d more have no standing charge)</summary>\n\n", countResources(len(c.Resources)), c.NoStandingCharge)
		b.WriteString("| resource | type | meter | quantity a month | price | a month |\n| --- | --- | --- | ---: | ---: | ---: |\n")
		for _, l := range byCost(c) {
			for _, it := range l.Items {
				fmt.Fprintf(&b, "| `%s` | `%s` | %s%s | %s %s | %s | %s |\n", l.Name, l.Type, escapeCell(it.What), unverifiedMark(it.Verified),
					quantity(it.Quantity), it.Unit, unitPrice(it.USD), usd(it.Monthly))
			}
		}
		b.WriteString("\n</details>\n\n")
	}
	if len(c.Unpriced) > 0 {
		fmt.Fprintf(&b, "⚠️ **Not priced** (%s), so the floor is at least the figure above:\n\n", countResources(c.UnpricedCount()))
		for _, u := range c.Unpriced {
			fmt.Fprintf(&b, "- `%s` × %d: %s\n", u.Type, len(u.URNs), escapeCell(u.Reason))
		}
		b.WriteString("\n")
	}
	if len(c.Usage) > 0 {
		fmt.Fprintf(&b, "<details><summary>Usage prices, not in the floor (%d)</summary>\n\n| meter | price |\n| --- | ---: |\n", len(c.Usage))
		for _, p := range c.Usage {
			fmt.Fprintf(&b, "| %s%s | %s per %s |\n", escapeCell(p.What), unverifiedMark(p.Verified), unitPrice(p.USD), p.Unit)
		}
		b.WriteString("\n</details>\n\n")
	}
	fmt.Fprintf(&b, "<sub>%s. † marks a figure not verified for the region.</sub>\n\n", tableNote(c))
	return b.String()
}
