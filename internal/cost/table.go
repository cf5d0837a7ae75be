package cost

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed prices.yaml
var pricesYAML []byte

// HoursPerMonth is the month the floor is priced over: 730 hours, as the clouds' own calculators
// use (8,760 hours a year / 12).
const HoursPerMonth = 730

// SecondsPerMonth is HoursPerMonth in seconds.
const SecondsPerMonth = HoursPerMonth * 3600

// Table is the dated price table: list prices in USD, on demand, before free tiers and
// discounts, for the regions the stacks use.
type Table struct {
	// AsOf is the date the figures were read, YYYY-MM-DD.
	AsOf     string  `yaml:"asOf"`
	Currency string  `yaml:"currency"`
	Prices   []Price `yaml:"prices"`
	// Sizes are the machine sizes the prices multiply (vCPUs and memory of an instance class,
	// a tier or a SKU), each with its source.
	Sizes []Size `yaml:"sizes"`

	byID   map[string]Price
	sizeOf map[string]Size
}

// Price is one figure of the table.
type Price struct {
	// ID is cloud/region/service/meter: aws/eu-west-1/lambda/provisioned-concurrency-arm64.
	ID   string `yaml:"id" json:"id"`
	What string `yaml:"what" json:"what"`
	// Unit is what one USD figure is per: GB-second, hour, month, 1M requests.
	Unit string  `yaml:"unit" json:"unit"`
	USD  float64 `yaml:"usd" json:"usd"`
	// Floor is true for a charge that runs while the resource merely exists, false for a usage
	// price (requests, messages, GB), which the floor lists but never adds.
	Floor bool `yaml:"floor" json:"floor"`
	// Source is the cloud's public price page the figure is from.
	Source string `yaml:"source" json:"source"`
	// Verified says the figure was seen, for this region, in the text Evidence names; false
	// marks a figure carried from elsewhere, which Evidence explains.
	Verified bool   `yaml:"verified" json:"verified"`
	Evidence string `yaml:"evidence" json:"-"`
}

// Size is the vCPUs and memory of a named machine size.
type Size struct {
	// Name is cloud/kind/name: aws/rds/db.t4g.medium, gcp/sql/db-perf-optimized-N-4.
	Name      string  `yaml:"name"`
	VCPU      float64 `yaml:"vcpu"`
	MemoryGiB float64 `yaml:"memoryGiB"`
	Source    string  `yaml:"source"`
}

// Prices is the repository's table (prices.yaml), parsed and checked once.
func Prices() *Table {
	t, err := Parse(pricesYAML)
	if err != nil {
		panic("cost: prices.yaml: " + err.Error()) // pinned by TestPricesTable
	}
	return t
}

// Parse reads and checks a price table: every field known, every id unique and of the form
// cloud/region/service/meter, every figure non-negative with a unit, an https source and,
// when not verified, evidence saying why.
func Parse(b []byte) (*Table, error) {
	var t Table
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("cannot read the price table: %w", err)
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if _, err := time.Parse("2006-01-02", t.AsOf); err != nil {
		add("asOf must be a date YYYY-MM-DD, got %q", t.AsOf)
	}
	if t.Currency != "USD" {
		add("currency must be USD, got %q", t.Currency)
	}
	t.byID = map[string]Price{}
	for i, p := range t.Prices {
		at := fmt.Sprintf("prices[%d] (%s)", i, p.ID)
		if parts := strings.Split(p.ID, "/"); len(parts) != 4 || strings.ToLower(p.ID) != p.ID || strings.Contains(p.ID, " ") {
			add("%s: id must be cloud/region/service/meter in lowercase", at)
		}
		if _, dup := t.byID[p.ID]; dup {
			add("%s: id is listed twice", at)
		}
		if p.What == "" || p.Unit == "" {
			add("%s: what and unit are required", at)
		}
		if p.USD < 0 {
			add("%s: usd must be 0 or more, got %v", at, p.USD)
		}
		if u, err := url.Parse(p.Source); err != nil || u.Scheme != "https" || u.Host == "" {
			add("%s: source must be the https address of the cloud's price page, got %q", at, p.Source)
		}
		if !p.Verified && p.Evidence == "" {
			add("%s: an unverified figure needs evidence saying where it comes from", at)
		}
		t.byID[p.ID] = p
	}
	t.sizeOf = map[string]Size{}
	for i, s := range t.Sizes {
		at := fmt.Sprintf("sizes[%d] (%s)", i, s.Name)
		if len(strings.Split(s.Name, "/")) < 3 {
			add("%s: name must be cloud/kind/name", at)
		}
		if s.VCPU <= 0 || s.MemoryGiB <= 0 {
			add("%s: vcpu and memoryGiB must be above 0", at)
		}
		if u, err := url.Parse(s.Source); err != nil || u.Scheme != "https" {
			add("%s: source must be an https address, got %q", at, s.Source)
		}
		if _, dup := t.sizeOf[s.Name]; dup {
			add("%s: name is listed twice", at)
		}
		t.sizeOf[s.Name] = s
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the price table is invalid:\n  %s", strings.Join(problems, "\n  "))
	}
	return &t, nil
}

// Price returns a figure by id.
func (t *Table) Price(id string) (Price, bool) {
	p, ok := t.byID[id]
	return p, ok
}

// Size returns a machine size by name.
func (t *Table) Size(name string) (Size, bool) {
	s, ok := t.sizeOf[name]
	return s, ok
}

// Regions lists the cloud/region pairs the table has figures for.
func (t *Table) Regions() []string {
	seen := map[string]bool{}
	for _, p := range t.Prices {
		parts := strings.SplitN(p.ID, "/", 3)
		seen[parts[0]+"/"+parts[1]] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}
