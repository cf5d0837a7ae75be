package rie

import (
	"regexp"
	"strconv"
)

// Report is the emulator's account of one invocation.
type Report struct {
	RequestID string
	// DurationMs is the invocation's duration as the emulator's REPORT line gives it.
	DurationMs float64
	// InitDurationMs is the REPORT line's "Init Duration", on the first invocation only (HasInit).
	// This emulator measures only the synchronous part of starting the init (spawning the
	// bootstrap), not the function's own initialisation: see InitPhaseMs.
	InitDurationMs float64
	HasInit        bool
}

var (
	reportRE    = regexp.MustCompile(`(?m)^REPORT RequestId: (\S+)\t(?:Init Duration: ([0-9.]+) ms\t)?Duration: ([0-9.]+) ms`)
	initPhaseRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
)

// ParseReports returns the REPORT lines in logs, in order.
func ParseReports(logs string) []Report {
	var out []Report
	for _, m := range reportRE.FindAllStringSubmatch(logs, -1) {
		r := Report{RequestID: m[1]}
		r.DurationMs, _ = strconv.ParseFloat(m[3], 64)
		if m[2] != "" {
			r.HasInit = true
			r.InitDurationMs, _ = strconv.ParseFloat(m[2], 64)
		}
		out = append(out, r)
	}
	return out
}

// InitPhaseMs returns the duration of the init phase that the emulator's runtime core logs as
// "INIT REPORT(durationMs: X)": from starting the bootstrap until it asks for its first event,
// which is what Lambda bills as Init Duration. ok is false when logs hold no such line.
func InitPhaseMs(logs string) (ms float64, ok bool) {
	m := initPhaseRE.FindStringSubmatch(logs)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}
