package cost

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Resource is one resource of a plan, as the estimate reads it: plain JSON values.
type Resource struct {
	URN, Type, Name string
	// Custom is false for components, which bill nothing themselves.
	Custom          bool
	Inputs, Outputs map[string]any
}

// Report is a stack's always-on floor: what its resources cost a month with zero traffic.
type Report struct {
	Cloud  string `json:"cloud"`
	Region string `json:"region"`
	AsOf   string `json:"asOf"`
	// Monthly is the priced floor in USD a month: the sum of Resources. Unpriced resources are
	// not in it, so with any the floor is at least this.
	Monthly float64 `json:"monthly"`
	// Resources are the resources with a standing charge, priced, by URN.
	Resources []Line `json:"resources"`
	// NoStandingCharge counts the resources that bill nothing while idle (roles, queues,
	// subnets): usage only, or free.
	NoStandingCharge int `json:"noStandingCharge"`
	// Unpriced are the resources the table cannot price, by type and reason. Never zero: a
	// floor with any is a lower bound.
	Unpriced []Unpriced `json:"unpriced"`
	// Usage are the usage prices of the stack's resources (requests, messages, GB), listed per
	// unit and never added to the floor.
	Usage []Price `json:"usage"`
}

// Line is one resource's floor.
type Line struct {
	URN     string  `json:"urn"`
	Type    string  `json:"type"`
	Name    string  `json:"name"`
	Monthly float64 `json:"monthly"`
	Items   []Item  `json:"items"`
}

// Item is one meter of a resource's floor: Quantity of Unit a month at USD each.
type Item struct {
	Price    string  `json:"price"`
	What     string  `json:"what"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	USD      float64 `json:"usd"`
	Monthly  float64 `json:"monthly"`
	// Verified is the price's: false marks a figure the table carries from elsewhere.
	Verified bool `json:"verified"`
}

// Unpriced is a set of resources of one type the table cannot price, and why.
type Unpriced struct {
	Type   string   `json:"type"`
	Reason string   `json:"reason"`
	URNs   []string `json:"urns"`
}

// UnpricedCount is the number of unpriced resources.
func (r *Report) UnpricedCount() int {
	n := 0
	for _, u := range r.Unpriced {
		n += len(u.URNs)
	}
	return n
}

// Line returns the floor of the resource with a URN, if it has one.
func (r *Report) Line(urn string) (Line, bool) {
	for _, l := range r.Resources {
		if l.URN == urn {
			return l, true
		}
	}
	return Line{}, false
}

// model is how the table prices one resource type.
type model struct {
	// floor prices the resource's standing charge; nil when it has none.
	floor func(e *estimator, r Resource) ([]Item, error)
	// free is, for a type with no standing charge, the table's no-charge (or usage-only)
	// statement backing that: service/meter.
	free string
	// usage are the meters (service/meter) it bills by as it is used.
	usage []string
}

// models selects the cloud's models: the one place a cloud is chosen.
func models(cloud string) (map[string]model, string) {
	switch cloud {
	case "aws":
		return awsModels, ""
	case "gcp":
		return gcpModels, ""
	case "azure":
		return azureModels, ""
	case "kubernetes":
		return nil, "it runs on your Kubernetes cluster, whose nodes are its floor and are not part of the plan"
	default:
		return nil, fmt.Sprintf("the price table has no models for cloud %q", cloud)
	}
}

// unpricedError says why a resource cannot be priced.
type unpricedError struct{ reason string }

func (e *unpricedError) Error() string { return e.reason }

func unpriced(format string, args ...any) error {
	return &unpricedError{fmt.Sprintf(format, args...)}
}

// estimator prices one stack.
type estimator struct {
	table         *Table
	cloud, region string
	resources     []Resource
}

// Estimate prices a stack's always-on floor with a table: each custom resource is priced by its
// type's model, listed as having no standing charge, or listed as unpriced with why.
func Estimate(t *Table, cloud, region string, resources []Resource) *Report {
	e := &estimator{table: t, cloud: cloud, region: region, resources: resources}
	rep := &Report{Cloud: cloud, Region: region, AsOf: t.AsOf, Resources: []Line{}, Unpriced: []Unpriced{}, Usage: []Price{}}
	ms, noModels := models(cloud)
	unpricedBy := map[[2]string]*Unpriced{}
	markUnpriced := func(r Resource, reason string) {
		k := [2]string{r.Type, reason}
		u := unpricedBy[k]
		if u == nil {
			u = &Unpriced{Type: r.Type, Reason: reason}
			unpricedBy[k] = u
		}
		u.URNs = append(u.URNs, r.URN)
	}
	usage := map[string]bool{}
	for _, r := range resources {
		if !r.Custom || strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue // components and providers bill nothing themselves
		}
		if noModels != "" {
			markUnpriced(r, noModels)
			continue
		}
		m, ok := ms[r.Type]
		if !ok {
			markUnpriced(r, "the price table has no model for this type")
			continue
		}
		for _, u := range m.usage {
			usage[u] = true
		}
		if m.floor == nil {
			p, err := e.price(m.free, "")
			switch {
			case err != nil:
				markUnpriced(r, err.Error())
			case p.USD != 0:
				markUnpriced(r, fmt.Sprintf("%s is a no-charge statement but is priced %v", p.ID, p.USD))
			default:
				rep.NoStandingCharge++
			}
			continue
		}
		items, err := m.floor(e, r)
		if err != nil {
			var up *unpricedError
			if !errors.As(err, &up) {
				up = &unpricedError{err.Error()}
			}
			markUnpriced(r, up.reason)
			continue
		}
		if len(items) == 0 {
			rep.NoStandingCharge++ // e.g. a gateway endpoint, or a service with no minimum
			continue
		}
		l := Line{URN: r.URN, Type: r.Type, Name: r.Name, Items: items}
		for _, it := range items {
			l.Monthly += it.Monthly
		}
		l.Monthly = cents4(l.Monthly)
		rep.Resources = append(rep.Resources, l)
		rep.Monthly += l.Monthly
	}
	rep.Monthly = cents4(rep.Monthly)
	sort.Slice(rep.Resources, func(i, j int) bool { return rep.Resources[i].URN < rep.Resources[j].URN })
	for _, u := range unpricedBy {
		sort.Strings(u.URNs)
		rep.Unpriced = append(rep.Unpriced, *u)
	}
	sort.Slice(rep.Unpriced, func(i, j int) bool {
		if rep.Unpriced[i].Type != rep.Unpriced[j].Type {
			return rep.Unpriced[i].Type < rep.Unpriced[j].Type
		}
		return rep.Unpriced[i].Reason < rep.Unpriced[j].Reason
	})
	for _, meter := range sortedSet(usage) {
		if p, err := e.price(meter, ""); err == nil {
			rep.Usage = append(rep.Usage, p)
		}
	}
	return rep
}

// cents4 rounds to a hundredth of a cent, so sums do not carry float noise into the plan.
func cents4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// price looks a meter (service/meter) up in the stack's region, checking its unit when one is
// wanted.
func (e *estimator) price(meter, unit string) (Price, error) {
	id := e.cloud + "/" + e.region + "/" + meter
	p, ok := e.table.Price(id)
	if !ok {
		return Price{}, unpriced("the price table (as of %s) has no %s", e.table.AsOf, id)
	}
	if unit != "" && p.Unit != unit {
		return Price{}, unpriced("%s is per %s in the price table, not per %s", id, p.Unit, unit)
	}
	return p, nil
}

// item prices quantity units of a meter a month.
func (e *estimator) item(meter, unit string, quantity float64, what string) (Item, error) {
	p, err := e.price(meter, unit)
	if err != nil {
		return Item{}, err
	}
	if what == "" {
		what = p.What
	}
	return Item{Price: p.ID, What: what, Quantity: quantity, Unit: unit, USD: p.USD,
		Monthly: cents4(quantity * p.USD), Verified: p.Verified}, nil
}

// items collects items, stopping at the first error.
type items struct {
	list []Item
	err  error
}

func (is *items) add(it Item, err error) {
	if is.err != nil {
		return
	}
	if err != nil {
		is.err = err
		return
	}
	if it.Quantity > 0 {
		is.list = append(is.list, it)
	}
}

func (is *items) result() ([]Item, error) { return is.list, is.err }

// size looks a machine size up.
func (e *estimator) size(name string) (Size, error) {
	s, ok := e.table.Size(e.cloud + "/" + name)
	if !ok {
		return Size{}, unpriced("the price table (as of %s) has no size %s/%s", e.table.AsOf, e.cloud, name)
	}
	return s, nil
}

// find returns the first resource of a type that matches.
func (e *estimator) find(typ string, match func(Resource) bool) (Resource, bool) {
	for _, r := range e.resources {
		if r.Type == typ && match(r) {
			return r, true
		}
	}
	return Resource{}, false
}

// get returns the value at a dotted path (containers.0.image) of a resource's outputs, else its
// inputs.
func get(r Resource, path string) any {
	if v, ok := lookup(r.Outputs, path); ok && v != nil {
		return v
	}
	v, _ := lookup(r.Inputs, path)
	return v
}

func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		switch t := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = t[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			v = t[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func str(r Resource, path string) string {
	s, _ := get(r, path).(string)
	return s
}

// num reads a number, or a string holding one ("1024"); ok is false when absent.
func num(r Resource, path string) (float64, bool) {
	switch v := get(r, path).(type) {
	case float64:
		return v, true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}

func list(r Resource, path string) []any {
	l, _ := get(r, path).([]any)
	return l
}

// quantity parses a Kubernetes-style quantity as Cloud Run and Container Apps write CPU and
// memory: "1", "0.5", "500m" CPUs; "512Mi", "1Gi", "0.5Gi", "2G" memory, in GiB.
func cpuQuantity(s string) (float64, error) {
	if m, ok := strings.CutSuffix(s, "m"); ok {
		f, err := strconv.ParseFloat(m, 64)
		return f / 1000, err
	}
	return strconv.ParseFloat(s, 64)
}

func memoryGiB(s string) (float64, error) {
	units := []struct {
		suffix string
		gib    float64
	}{{"Gi", 1}, {"Mi", 1.0 / 1024}, {"Ki", 1.0 / (1024 * 1024)}, {"G", 1e9 / (1 << 30)}, {"M", 1e6 / (1 << 30)}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			return f * u.gib, err
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f / (1 << 30), err // bytes
}
