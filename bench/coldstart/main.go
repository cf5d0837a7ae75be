// Command coldstart measures Lambda cold starts under aws-lambda-rie: for each run it starts a
// fresh emulator with each bootstrap (interleaved, so drift on a noisy machine hits all alike),
// sends one invocation and records the first-response latency (request sent to answer received,
// which covers spawning the bootstrap, its init and the handler), the init phase the emulator's
// runtime core logs (INIT REPORT durationMs, what Lambda bills as Init Duration) and the
// emulator's REPORT "Init Duration". It prints one JSON line per bootstrap and a markdown table of
// medians, with each bootstrap's ratio to the first (the baseline). bench/coldstart.sh builds
// what it needs.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/nimbus-iac/nimbus/functions/rie"
)

type sample struct {
	FirstResponseMs float64
	InitPhaseMs     float64
	ReportInitMs    float64
}

type summary struct {
	Name                  string    `json:"name"`
	Runs                  int       `json:"runs"`
	MedianFirstResponseMs float64   `json:"medianFirstResponseMs"`
	MedianInitPhaseMs     float64   `json:"medianInitPhaseMs"`
	MedianReportInitMs    float64   `json:"medianReportInitDurationMs"`
	FirstResponseMs       []float64 `json:"firstResponseMs"`
	InitPhaseMs           []float64 `json:"initPhaseMs"`
}

func main() {
	var boots, env multiFlag
	emulator := flag.String("rie", "", "aws-lambda-rie binary")
	flag.Var(&boots, "bootstrap", "NAME=PATH of a host bootstrap, repeatable; the first is the baseline")
	flag.Var(&env, "env", "KEY=VALUE for every function, repeatable")
	payloadFile := flag.String("payload", "", "event payload file")
	n := flag.Int("n", 20, "measured runs per bootstrap (after one unmeasured warm-up run each)")
	expect := flag.String("expect", `"statusCode":200`, "substring every answer must contain")
	flag.Parse()
	if *emulator == "" || len(boots) == 0 || *payloadFile == "" {
		fmt.Fprintln(os.Stderr, "coldstart: need -rie, -payload and at least one -bootstrap")
		os.Exit(2)
	}
	payload, err := os.ReadFile(*payloadFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}

	samples := make([][]sample, len(boots))
	for run := -1; run < *n; run++ { // run -1 warms the page cache and is not kept
		for i, b := range boots {
			name, path, _ := strings.Cut(b, "=")
			s, err := once(*emulator, path, env, payload, *expect)
			if err != nil {
				fmt.Fprintf(os.Stderr, "coldstart: %s run %d: %v\n", name, run, err)
				os.Exit(1)
			}
			if run >= 0 {
				samples[i] = append(samples[i], s)
			}
		}
	}

	var sums []summary
	for i, b := range boots {
		name, _, _ := strings.Cut(b, "=")
		s := summary{Name: name, Runs: len(samples[i])}
		var fr, ip, ri []float64
		for _, x := range samples[i] {
			fr = append(fr, x.FirstResponseMs)
			ip = append(ip, x.InitPhaseMs)
			ri = append(ri, x.ReportInitMs)
		}
		s.FirstResponseMs, s.InitPhaseMs = fr, ip
		s.MedianFirstResponseMs, s.MedianInitPhaseMs, s.MedianReportInitMs = median(fr), median(ip), median(ri)
		sums = append(sums, s)
		j, _ := json.Marshal(s)
		fmt.Println(string(j))
	}
	base := sums[0]
	fmt.Println()
	fmt.Println("| bootstrap | runs | median init phase (ms) | ratio | median first response (ms) | ratio | median REPORT Init Duration (ms) |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- |")
	for _, s := range sums {
		fmt.Printf("| %s | %d | %.2f | %.2fx | %.2f | %.2fx | %.2f |\n", s.Name, s.Runs,
			s.MedianInitPhaseMs, s.MedianInitPhaseMs/base.MedianInitPhaseMs,
			s.MedianFirstResponseMs, s.MedianFirstResponseMs/base.MedianFirstResponseMs, s.MedianReportInitMs)
	}
}

func once(emulator, bootstrap string, env []string, payload []byte, expect string) (sample, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e, err := rie.Start(ctx, rie.Options{Emulator: emulator, Bootstrap: bootstrap, Env: env})
	if err != nil {
		return sample{}, err
	}
	defer e.Stop()
	t0 := time.Now()
	status, body, err := e.Invoke(ctx, payload)
	first := time.Since(t0)
	if err != nil {
		return sample{}, err
	}
	if status != 200 || !strings.Contains(string(body), expect) {
		return sample{}, fmt.Errorf("answer %d %s does not contain %s\n%s", status, body, expect, e.Logs())
	}
	s := sample{FirstResponseMs: float64(first.Microseconds()) / 1000}
	// The REPORT line is printed just after the answer is sent.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(2 * time.Millisecond) {
		logs := e.Logs()
		reports := rie.ParseReports(logs)
		ip, ok := rie.InitPhaseMs(logs)
		if len(reports) > 0 && ok {
			s.InitPhaseMs, s.ReportInitMs = ip, reports[0].InitDurationMs
			return s, nil
		}
		if time.Now().After(deadline) {
			return sample{}, fmt.Errorf("no REPORT / INIT REPORT line in the emulator's log:\n%s", logs)
		}
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
