// Package componenttest runs components under the fake cloud and reads what they registered. The
// per-capability conformance suites (components/*/conformance.go) are built on it, so every
// cloud's implementation is held to the same contract.
package componenttest
