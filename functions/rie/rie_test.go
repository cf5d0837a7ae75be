package rie

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestEmulatorRunsAFunction(t *testing.T) {
	t.Parallel()
	e := start(t, "./rie/testdata/echo", "ECHO_TAG=from-env")

	status, body := invoke(t, e, []byte(`{"data":{"n":1}}`))
	if status != 200 {
		t.Fatalf("first invoke: status %d, body %s", status, body)
	}
	if diff := cmp.Diff(`{"tag":"from-env","data":{"n":1}}`, string(body)); diff != "" {
		t.Errorf("first invoke answer -want +got:\n%s", diff)
	}

	// A function error is a 200 from the Invoke API with Lambda's error document.
	status, body = invoke(t, e, []byte(`{"fail":true}`))
	var fnErr struct{ ErrorMessage, ErrorType string }
	if err := json.Unmarshal(body, &fnErr); err != nil {
		t.Fatalf("second invoke: %v in %s", err, body)
	}
	if status != 200 || fnErr.ErrorMessage != "asked to fail" {
		t.Errorf("second invoke: status %d, error %+v, want 200 and the function's error", status, fnErr)
	}

	var reports []Report
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if reports = ParseReports(e.Logs()); len(reports) == 2 {
			break
		}
	}
	if len(reports) != 2 {
		t.Fatalf("found %d REPORT lines, want 2", len(reports))
	}
	if !reports[0].HasInit || reports[1].HasInit {
		t.Errorf("init reported on invokes %v/%v, want on the first only", reports[0].HasInit, reports[1].HasInit)
	}
	if ms, ok := InitPhaseMs(e.Logs()); !ok || ms <= 0 {
		t.Errorf("InitPhaseMs = %v, %v; want a positive duration", ms, ok)
	}
}

func TestParseReports(t *testing.T) {
	t.Parallel()
	logs := strings.Join([]string{
		"START RequestId: a Version: $LATEST",
		"26 Nov 2026 07:05:10,663 [INFO] (rapid) INIT REPORT(durationMs: 8.878000)",
		"REPORT RequestId: a\tInit Duration: 1.40 ms\tDuration: 10.33 ms\tBilled Duration: 11 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t",
		"REPORT RequestId: b\tDuration: 5.72 ms\tBilled Duration: 6 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t",
	}, "\n")
	want := []Report{
		{RequestID: "a", DurationMs: 10.33, InitDurationMs: 1.40, HasInit: true},
		{RequestID: "b", DurationMs: 5.72},
	}
	if diff := cmp.Diff(want, ParseReports(logs)); diff != "" {
		t.Errorf("ParseReports -want +got:\n%s", diff)
	}
	if ms, ok := InitPhaseMs(logs); !ok || ms != 8.878 {
		t.Errorf("InitPhaseMs = %v, %v; want 8.878, true", ms, ok)
	}
	if _, ok := InitPhaseMs("nothing"); ok {
		t.Error("InitPhaseMs found a line in logs without one")
	}
}
