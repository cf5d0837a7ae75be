// Package check collects the problems with a component's Args, so every component reports them
// the same way: all at once, each naming the component, the field, the allowed values and the
// value it got.
package check

import (
	"errors"
	"fmt"
	"slices"
)

// Problems collects the problems with one component's Args.
type Problems struct {
	prefix string
	errs   []error
}

// For starts collecting problems of the component kind (function, queue, ...) called name.
func For(kind, name string) *Problems {
	return &Problems{prefix: fmt.Sprintf("%s %q: ", kind, name)}
}

// Add records a problem; the message should start with the field's name.
func (p *Problems) Add(format string, args ...any) {
	p.errs = append(p.errs, errors.New(p.prefix+fmt.Sprintf(format, args...)))
}

// Wrap records an error from elsewhere under the field's name.
func (p *Problems) Wrap(field string, err error) {
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("%s%s: %w", p.prefix, field, err))
	}
}

// Between records a problem unless lo <= v <= hi.
func (p *Problems) Between(field string, v, lo, hi int) {
	if v < lo || v > hi {
		p.Add("%s must be between %d and %d, got %d", field, lo, hi, v)
	}
}

// OneOf records a problem unless v is one of allowed.
func (p *Problems) OneOf(field, v string, allowed ...string) {
	if !slices.Contains(allowed, v) {
		p.Add("%s must be one of %v, got %q", field, allowed, v)
	}
}

// Err is every recorded problem joined, or nil.
func (p *Problems) Err() error { return errors.Join(p.errs...) }

// Default sets *v to d when it is zero.
func Default[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}
