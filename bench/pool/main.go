// Command pool measures what happens to PostgreSQL when many function instances open their own
// small connection pools at once: every simulated instance (a goroutine) has its own pgxpool with
// the functions' own settings (postgres.ServerlessConfig: MaxConns 2, QueryExecModeExec) and runs
// a few short transactions shaped like the API's (insert an image record, read it back). It runs the same load straight against PostgreSQL and
// through PgBouncer, polls pg_stat_activity for the peak number of server connections, and prints
// a markdown table and one JSON line per target. bench/pooling.sh sets up the servers.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/postgres"
)

type result struct {
	Target       string         `json:"target"`
	Instances    int            `json:"instances"`
	Workers      int            `json:"workersPerInstance"`
	MaxConns     int32          `json:"maxConnsPerInstance"`
	Attempted    int            `json:"attempted"`
	OK           int            `json:"ok"`
	Errors       int            `json:"errors"`
	ErrorKinds   map[string]int `json:"errorKinds"`
	WallSeconds  float64        `json:"wallSeconds"`
	TxPerSecond  float64        `json:"txPerSecond"`
	P50Ms        float64        `json:"p50Ms"`
	P99Ms        float64        `json:"p99Ms"`
	PeakServer   int            `json:"peakServerConnections"`
	PollSamples  int            `json:"pollSamples"`
	FirstFailure string         `json:"firstFailure,omitempty"`
}

func main() {
	var targets multiFlag
	flag.Var(&targets, "target", "NAME=URL to load, repeatable; run in the order given")
	monitor := flag.String("monitor", "", "superuser URL straight to PostgreSQL, for pg_stat_activity")
	db := flag.String("db", "bench", "database whose server connections are counted")
	instances := flag.Int("instances", 400, "simulated function instances, each with its own pool")
	workers := flag.Int("workers", 2, "concurrent requests per instance (2 uses the whole pool)")
	maxConns := flag.Int("maxconns", postgres.MaxConns, "pgxpool MaxConns per instance (default: the functions' own)")
	txs := flag.Int("tx", 5, "transactions per worker")
	txTimeout := flag.Duration("tx-timeout", 10*time.Second, "timeout of one transaction, connecting included")
	limit := flag.Duration("limit", 2*time.Minute, "bound on one target's whole run")
	flag.Parse()
	if len(targets) == 0 || *monitor == "" {
		fmt.Fprintln(os.Stderr, "pool: need -monitor and at least one -target")
		os.Exit(2)
	}

	ctx := context.Background()
	mon, err := pgx.Connect(ctx, *monitor)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pool: cannot connect the monitor:", err)
		os.Exit(1)
	}
	defer mon.Close(ctx)

	var results []result
	for _, t := range targets {
		name, url, _ := strings.Cut(t, "=")
		if err := waitIdle(ctx, mon, *db, 30*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "pool:", err)
			os.Exit(1)
		}
		r := run(ctx, mon, *db, name, url, *instances, *workers, int32(*maxConns), *txs, *txTimeout, *limit)
		results = append(results, r)
		b, _ := json.Marshal(r)
		fmt.Println(string(b))
	}

	fmt.Println()
	fmt.Println("| target | instances x workers (MaxConns) | transactions ok / attempted | errors | throughput (tx/s) | p50 (ms) | p99 (ms) | peak server connections |")
	fmt.Println("| --- | --- | --- | --- | --- | --- | --- | --- |")
	for _, r := range results {
		fmt.Printf("| %s | %d x %d (%d) | %d / %d | %d %s | %.0f | %.1f | %.1f | %d |\n",
			r.Target, r.Instances, r.Workers, r.MaxConns, r.OK, r.Attempted, r.Errors, kinds(r.ErrorKinds),
			r.TxPerSecond, r.P50Ms, r.P99Ms, r.PeakServer)
	}
}

func run(ctx context.Context, mon *pgx.Conn, db, name, url string, instances, workers int, maxConns int32, txs int, txTimeout, limit time.Duration) result {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()

	var (
		mu        sync.Mutex
		latencies []time.Duration
		errKinds  = map[string]int{}
		first     string
		attempted atomic.Int64
	)
	record := func(d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			latencies = append(latencies, d)
			return
		}
		errKinds[classify(err)]++
		if first == "" {
			first = err.Error()
		}
	}

	// Poll the server's connections to the bench database until the load is over.
	peak, samples := 0, 0
	pollDone := make(chan struct{})
	stopPoll := make(chan struct{})
	go func() {
		defer close(pollDone)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var n int
			if err := mon.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = $1`, db).Scan(&n); err == nil {
				samples++
				peak = max(peak, n)
			}
			select {
			case <-stopPoll:
				return
			case <-tick.C:
			}
		}
	}()

	startGate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			cfg, err := pgxpool.ParseConfig(url)
			if err != nil {
				record(0, err)
				return
			}
			// Exactly the pool settings of the deployed functions, then the size under test.
			postgres.ServerlessConfig(cfg)
			cfg.MaxConns = maxConns
			<-startGate
			pool, err := pgxpool.NewWithConfig(ctx, cfg)
			if err != nil {
				record(0, err)
				return
			}
			defer pool.Close()
			var iwg sync.WaitGroup
			for w := range workers {
				iwg.Go(func() {
					for j := range txs {
						attempted.Add(1)
						tctx, tcancel := context.WithTimeout(ctx, txTimeout)
						t0 := time.Now()
						err := transaction(tctx, pool, fmt.Sprintf("%d-%d-%d", i, w, j))
						record(time.Since(t0), err)
						tcancel()
					}
				})
			}
			iwg.Wait()
		})
	}
	t0 := time.Now()
	close(startGate)
	wg.Wait()
	wall := time.Since(t0)
	close(stopPoll)
	<-pollDone

	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	r := result{
		Target: name, Instances: instances, Workers: workers, MaxConns: maxConns,
		Attempted: int(attempted.Load()), OK: len(latencies), ErrorKinds: errKinds,
		WallSeconds: wall.Seconds(), PeakServer: peak, PollSamples: samples, FirstFailure: first,
	}
	for _, n := range errKinds {
		r.Errors += n
	}
	r.TxPerSecond = float64(r.OK) / wall.Seconds()
	r.P50Ms = ms(percentile(latencies, 0.50))
	r.P99Ms = ms(percentile(latencies, 0.99))
	return r
}

// transaction is the API's database work for one upload and one status read.
func transaction(ctx context.Context, pool *pgxpool.Pool, seq string) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO images (id, status, original_key, content_type, size_bytes)
			VALUES (gen_random_uuid(), 'pending', 'originals/' || $1, 'image/jpeg', 12345) RETURNING id::text`, seq).Scan(&id)
		if err != nil {
			return err
		}
		var status string
		return tx.QueryRow(ctx, `SELECT status FROM images WHERE id = $1`, id).Scan(&status)
	})
}

func waitIdle(ctx context.Context, mon *pgx.Conn, db string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var n int
		if err := mon.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = $1`, db).Scan(&n); err != nil {
			return fmt.Errorf("cannot read pg_stat_activity: %w", err)
		}
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d connections to %s still open after %s", n, db, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func classify(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "too many clients"), strings.Contains(s, "remaining connection slots"):
		return "too many clients"
	case strings.Contains(s, "no more connections allowed"):
		return "pooler max_client_conn"
	case strings.Contains(s, "context deadline exceeded"), strings.Contains(s, "timeout"):
		return "timeout"
	case strings.Contains(s, "prepared statement"):
		return "prepared statement"
	}
	return "other"
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func kinds(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, v))
	}
	sort.Strings(parts)
	return "(" + strings.Join(parts, ", ") + ")"
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
