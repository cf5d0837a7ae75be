package cost

import "sort"

// Change is what a change does to a stack's floor: the base's and the head's, priced with the
// same table, and each resource whose floor moves.
type Change struct {
	Base  float64 `json:"base"`
	Head  float64 `json:"head"`
	Delta float64 `json:"delta"`
	// Resources are the resources whose floor differs, by head URN (base URN when removed).
	Resources []LineChange `json:"resources"`
	// BaseUnpriced and HeadUnpriced count the unpriced resources of each side: when they
	// differ, so may the real difference.
	BaseUnpriced int `json:"baseUnpriced"`
	HeadUnpriced int `json:"headUnpriced"`
}

// LineChange is one resource's floor before and after.
type LineChange struct {
	URN   string  `json:"urn"`
	Type  string  `json:"type"`
	Name  string  `json:"name"`
	Old   float64 `json:"old"`
	New   float64 `json:"new"`
	Delta float64 `json:"delta"`
}

// Compare prices the difference between two floors. baseURN maps a head URN to the base's URN
// of the same resource (a move through an alias); nil, or "" for a URN, means the same URN.
func Compare(base, head *Report, baseURN func(string) string) *Change {
	c := &Change{Base: base.Monthly, Head: head.Monthly, Delta: cents4(head.Monthly - base.Monthly),
		Resources: []LineChange{}, BaseUnpriced: base.UnpricedCount(), HeadUnpriced: head.UnpricedCount()}
	seen := map[string]bool{}
	for _, h := range head.Resources {
		from := h.URN
		if baseURN != nil {
			if u := baseURN(h.URN); u != "" {
				from = u
			}
		}
		b, _ := base.Line(from)
		seen[from] = true
		if b.Monthly != h.Monthly {
			c.Resources = append(c.Resources, LineChange{URN: h.URN, Type: h.Type, Name: h.Name, Old: b.Monthly, New: h.Monthly, Delta: cents4(h.Monthly - b.Monthly)})
		}
	}
	for _, b := range base.Resources {
		if !seen[b.URN] {
			c.Resources = append(c.Resources, LineChange{URN: b.URN, Type: b.Type, Name: b.Name, Old: b.Monthly, Delta: cents4(-b.Monthly)})
		}
	}
	sort.Slice(c.Resources, func(i, j int) bool { return c.Resources[i].URN < c.Resources[j].URN })
	return c
}
