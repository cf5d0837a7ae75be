package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

func pool(url string) *postgres.Pool {
	return postgres.NewPool(func(context.Context) (*pgxpool.Config, error) {
		cfg, err := pgxpool.ParseConfig(url)
		if err != nil {
			return nil, err
		}
		postgres.ServerlessConfig(cfg)
		return cfg, nil
	})
}

// migrated starts a cluster with PgBouncer in front, migrates through PgBouncer, and
// returns a store on a pool through PgBouncer plus a direct superuser connection URL.
func migrated(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	pg := testenv.StartPostgres(t)
	direct := pg.CreateDatabase(t, "images")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{})
	p := pool(bouncer.URL("images"))
	t.Cleanup(p.Close)
	if _, err := postgres.Migrate(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return postgres.NewStore(p), direct
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	url := pg.CreateDatabase(t, "m")
	p := pool(url)
	defer p.Close()
	ctx := context.Background()

	first, err := postgres.Migrate(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	second, err := postgres.Migrate(ctx, p)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	db, _ := p.Get(ctx)
	var versions []string
	rows, _ := db.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	versions, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{"first": first, "second": second, "recorded": versions}
	want := map[string][]string{"first": {"0001_create_images"}, "second": nil, "recorded": {"0001_create_images"}}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("migrations applied and recorded: -want +got:\n%s", diff)
	}
}

// TestMigrateConcurrently runs several migrators at once through PgBouncer in
// transaction mode: the transaction-scoped advisory lock serializes them, exactly one
// applies the migrations, and none fails.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateDatabase(t, "m")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{PoolSize: 2})
	const n = 6
	var wg sync.WaitGroup
	results := make([][]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			p := pool(bouncer.URL("m"))
			defer p.Close()
			<-start
			results[i], errs[i] = postgres.Migrate(context.Background(), p)
		})
	}
	close(start)
	wg.Wait()
	appliers := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("migrator %d: %v", i, errs[i])
		}
		if len(results[i]) > 0 {
			appliers++
			if diff := cmp.Diff([]string{"0001_create_images"}, results[i]); diff != "" {
				t.Errorf("migrator %d applied: -want +got:\n%s", i, diff)
			}
		}
	}
	if appliers != 1 {
		t.Errorf("%d migrators applied migrations, want exactly 1 (%v)", appliers, results)
	}
}

func TestMigrateFailures(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	good := "CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n"

	cases := map[string]struct {
		reason string
		before fstest.MapFS // applied first, must succeed
		fsys   fstest.MapFS
		want   string // substring of the error
		tables []string
	}{
		"BrokenSecondFile": {
			reason: "A failing migration rolls back the whole run, earlier files and schema_migrations included.",
			fsys:   fstest.MapFS{"0001_a.sql": {Data: []byte(good)}, "0002_bad.sql": {Data: []byte("CREATE TABLE c (;")}},
			want:   `cannot apply migration "0002_bad"`,
		},
		"EditedAfterApply": {
			reason: "An applied migration whose file changed is an error, not silently skipped.",
			before: fstest.MapFS{"0001_a.sql": {Data: []byte(good)}},
			fsys:   fstest.MapFS{"0001_a.sql": {Data: []byte(good + "-- edited\n")}},
			want:   "add a new migration instead of editing an applied one",
			tables: []string{"a", "b", "schema_migrations"},
		},
		"Empty": {
			reason: "No migration files is an error.",
			fsys:   fstest.MapFS{"README": {Data: []byte("x")}},
			want:   "no migrations",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := pg.CreateDatabase(t, strings.ToLower(name))
			db, err := pgxpool.New(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tc.before != nil {
				if _, err := postgres.MigrateFS(ctx, db, tc.before); err != nil {
					t.Fatal(err)
				}
			}
			_, err = postgres.MigrateFS(ctx, db, tc.fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nMigrateFS error = %v, want one containing %q", tc.reason, err, tc.want)
			}
			rows, _ := db.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
			tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.tables, tables, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\ntables after the failed run: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestStore(t *testing.T) {
	t.Parallel()
	store, _ := migrated(t)
	ctx := context.Background()
	const (
		pendingID = "11111111-1111-4111-8111-111111111111"
		doneID    = "22222222-2222-4222-8222-222222222222"
		failedID  = "33333333-3333-4333-8333-333333333333"
		unknownID = "44444444-4444-4444-8444-444444444444"
	)
	for _, id := range []string{pendingID, doneID, failedID} {
		if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/png", SizeBytes: 42}); err != nil {
			t.Fatal(err)
		}
	}
	mustTransition(t)(store.MarkDone(ctx, doneID, images.ThumbnailKey(doneID)))
	mustTransition(t)(store.MarkFailed(ctx, failedID, "cannot decode"))

	type want struct {
		ok     bool
		err    error
		status images.Status
	}
	cases := map[string]struct {
		reason string
		call   func() (bool, error)
		id     string
		want   want
	}{
		"DonePending": {reason: "A pending image can be marked done.", id: pendingID, call: func() (bool, error) { return store.MarkDone(ctx, pendingID, images.ThumbnailKey(pendingID)) }, want: want{ok: true, status: images.StatusDone}},
		"DoneDone":    {reason: "A done image is not marked done again.", id: doneID, call: func() (bool, error) { return store.MarkDone(ctx, doneID, "thumbnails/other.jpg") }, want: want{status: images.StatusDone}},
		"FailDone":    {reason: "A done image cannot fail.", id: doneID, call: func() (bool, error) { return store.MarkFailed(ctx, doneID, "late failure") }, want: want{status: images.StatusDone}},
		"DoneFailed":  {reason: "A failed image cannot become done.", id: failedID, call: func() (bool, error) { return store.MarkDone(ctx, failedID, images.ThumbnailKey(failedID)) }, want: want{status: images.StatusFailed}},
		"DoneUnknown": {reason: "An unknown image is not marked, and that is no error.", id: unknownID, call: func() (bool, error) { return store.MarkDone(ctx, unknownID, "k") }, want: want{err: images.ErrNotFound}},
		"CreateDuplicate": {reason: "Creating an existing id fails.", id: doneID, call: func() (bool, error) {
			return false, store.Create(ctx, images.Image{ID: doneID, Status: images.StatusPending, OriginalKey: "k", ContentType: "image/png"})
		}, want: want{err: errAny, status: images.StatusDone}},
		"CreateNotPending": {reason: "New images must be pending.", id: unknownID, call: func() (bool, error) {
			return false, store.Create(ctx, images.Image{ID: unknownID, Status: images.StatusDone})
		}, want: want{err: errAny}},
	}
	// Sequential: the cases share records.
	for _, name := range []string{"DonePending", "DoneDone", "FailDone", "DoneFailed", "DoneUnknown", "CreateDuplicate", "CreateNotPending"} {
		tc := cases[name]
		t.Run(name, func(t *testing.T) {
			ok, err := tc.call()
			got := want{ok: ok, err: err}
			img, gerr := store.Get(ctx, tc.id)
			if gerr == nil {
				got.status = img.Status
			} else if got.err == nil {
				got.err = gerr
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{}), cmp.Comparer(errorsMatch)); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}

	got, err := store.Get(ctx, failedID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(images.Image{ID: failedID, Status: images.StatusFailed, OriginalKey: images.OriginalKey(failedID), ContentType: "image/png", SizeBytes: 42, Error: "cannot decode"}, got,
		cmpopts.IgnoreFields(images.Image{}, "CreatedAt", "UpdatedAt")); diff != "" {
		t.Errorf("Get(failed): -want +got:\n%s", diff)
	}
	if got.CreatedAt.IsZero() || got.UpdatedAt.Before(got.CreatedAt) {
		t.Errorf("timestamps created %v updated %v", got.CreatedAt, got.UpdatedAt)
	}
	got, _ = store.Get(ctx, doneID)
	if got.ThumbnailKey != images.ThumbnailKey(doneID) {
		t.Errorf("done image thumbnail key = %q, want %q (a second MarkDone must not overwrite it)", got.ThumbnailKey, images.ThumbnailKey(doneID))
	}
}

var errAny = errors.New("any error")

func errorsMatch(a, b error) bool {
	switch {
	case a == nil || b == nil:
		return a == nil && b == nil
	case a == errAny || b == errAny:
		return true
	}
	return errors.Is(a, b) || errors.Is(b, a)
}

func mustTransition(t *testing.T) func(bool, error) {
	return func(ok bool, err error) {
		t.Helper()
		if err != nil || !ok {
			t.Fatalf("transition = %v, %v; want true, nil", ok, err)
		}
	}
}

// TestStoreConcurrentTransitions races many deliveries of one job (done and failed
// alike) against one record through PgBouncer: exactly one transition wins.
func TestStoreConcurrentTransitions(t *testing.T) {
	t.Parallel()
	store, direct := migrated(t)
	ctx := context.Background()
	id := images.NewID()
	if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/gif"}); err != nil {
		t.Fatal(err)
	}
	// Count every row UPDATE, whatever it changes.
	conn, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	installUpdateCounter(t, conn)

	var wg sync.WaitGroup
	wins := make(chan string, 16)
	for i := range 16 {
		wg.Go(func() {
			var ok bool
			var err error
			if i%2 == 0 {
				ok, err = store.MarkDone(ctx, id, images.ThumbnailKey(id))
			} else {
				ok, err = store.MarkFailed(ctx, id, "x")
			}
			if err != nil {
				t.Errorf("delivery %d: %v", i, err)
			}
			if ok {
				wins <- fmt.Sprint(i)
			}
		})
	}
	wg.Wait()
	close(wins)
	var winners []string
	for w := range wins {
		winners = append(winners, w)
	}
	var updates int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM image_updates WHERE id = $1::uuid`, id).Scan(&updates); err != nil {
		t.Fatal(err)
	}
	if len(winners) != 1 || updates != 1 {
		t.Errorf("%d deliveries won (%v) and %d row updates happened; want 1 and 1", len(winners), winners, updates)
	}
}

// installUpdateCounter records every row UPDATE of images in image_updates (a test-only
// trigger), so that a test can count state transitions as the database saw them.
func installUpdateCounter(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	_, err := conn.Exec(context.Background(), `
		CREATE TABLE image_updates (id uuid, old_status text, new_status text, at timestamptz DEFAULT clock_timestamp());
		CREATE FUNCTION count_image_update() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN INSERT INTO image_updates (id, old_status, new_status) VALUES (OLD.id, OLD.status, NEW.status); RETURN NEW; END $$;
		CREATE TRIGGER count_image_update AFTER UPDATE ON images FOR EACH ROW EXECUTE FUNCTION count_image_update();`)
	if err != nil {
		t.Fatal(err)
	}
}

// TestTransactionModePooling runs the store through PgBouncer in transaction mode
// with a single server connection shared by many client pools. The negative control
// first shows that this PgBouncer does break pgx's default (named, cached prepared
// statements) the way transaction pooling does, so that the store's success means
// something.
func TestTransactionModePooling(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateDatabase(t, "images")
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{PoolSize: 1})
	ctx := context.Background()

	t.Run("NegativeControlDefaultMode", func(t *testing.T) {
		// Two client connections, one server connection: the second client prepares
		// the statement name the first one already prepared on that server connection.
		a, err := pgx.Connect(ctx, bouncer.URL("images"))
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close(ctx)
		b, err := pgx.Connect(ctx, bouncer.URL("images"))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close(ctx)
		var failures []error
		for _, c := range []*pgx.Conn{a, b, a, b} {
			var n int
			if err := c.QueryRow(ctx, "SELECT $1::int + 1", 1).Scan(&n); err != nil {
				failures = append(failures, err)
			}
		}
		if len(failures) == 0 {
			t.Fatal("pgx's default statement cache worked through this PgBouncer, so it does not reproduce transaction-mode pooling; the test below would prove nothing")
		}
	})

	p := pool(bouncer.URL("images"))
	defer p.Close()
	if _, err := postgres.Migrate(ctx, p); err != nil {
		t.Fatal(err)
	}
	const clients, rounds = 6, 15
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			cp := pool(bouncer.URL("images")) // one pool per simulated function instance
			defer cp.Close()
			store := postgres.NewStore(cp)
			for r := range rounds {
				id := images.NewID()
				if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: "image/png"}); err != nil {
					t.Errorf("client %d round %d create: %v", c, r, err)
					return
				}
				if ok, err := store.MarkDone(ctx, id, images.ThumbnailKey(id)); err != nil || !ok {
					t.Errorf("client %d round %d mark done: %v %v", c, r, ok, err)
					return
				}
				if img, err := store.Get(ctx, id); err != nil || img.Status != images.StatusDone {
					t.Errorf("client %d round %d get: %+v %v", c, r, img, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestPoolIsLazy(t *testing.T) {
	t.Parallel()
	calls := 0
	fail := true
	pg := testenv.StartPostgres(t)
	url := pg.CreateDatabase(t, "lazy")
	p := postgres.NewPool(func(context.Context) (*pgxpool.Config, error) {
		calls++
		if fail {
			return nil, errors.New("secret not readable yet")
		}
		cfg, err := pgxpool.ParseConfig(url)
		if err == nil {
			postgres.ServerlessConfig(cfg)
		}
		return cfg, err
	})
	defer p.Close()
	store := postgres.NewStore(p)
	if calls != 0 {
		t.Fatalf("NewPool/NewStore configured the pool %d times; want 0 before first use", calls)
	}
	ctx := context.Background()
	if _, err := store.Get(ctx, images.NewID()); err == nil || !strings.Contains(err.Error(), "secret not readable yet") {
		t.Errorf("first use with a failing config: err = %v", err)
	}
	fail = false
	if _, err := p.Get(ctx); err != nil {
		t.Fatalf("second use must retry the configuration: %v", err)
	}
	db, _ := p.Get(ctx)
	if calls != 2 {
		t.Errorf("configured %d times, want 2 (a failure is not cached, a success is)", calls)
	}
	if n := db.Stat().TotalConns(); n != 0 {
		t.Errorf("the pool opened %d connections before any query; want 0 (MinConns 0)", n)
	}
}

func TestServerlessConfig(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig("postgres://u@h/db?pool_max_conns=50&pool_min_conns=5")
	if err != nil {
		t.Fatal(err)
	}
	postgres.ServerlessConfig(cfg)
	type settings struct {
		MaxConns, MinConns, MinIdleConns int32
		Mode                             pgx.QueryExecMode
		StatementCache, DescriptionCache int
		Lifetime                         time.Duration
	}
	got := settings{cfg.MaxConns, cfg.MinConns, cfg.MinIdleConns, cfg.ConnConfig.DefaultQueryExecMode,
		cfg.ConnConfig.StatementCacheCapacity, cfg.ConnConfig.DescriptionCacheCapacity, cfg.MaxConnLifetime}
	want := settings{2, 0, 0, pgx.QueryExecModeExec, 0, 0, 10 * time.Minute}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ServerlessConfig: -want +got:\n%s", diff)
	}
}
