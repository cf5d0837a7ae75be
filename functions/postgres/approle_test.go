package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

const (
	master   = "nimbus_master"
	masterPW = "master-password"
	app      = "nimbus_app"
)

// sqlState returns the SQLSTATE of err, or "" when it has none.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestAppRole migrates as a master user that is no superuser (as on RDS: CREATEROLE, owner of
// the database), ensuring the app role, then connects as the app role: it may read and write
// images rows and nothing else. A second run applies no migration, re-applies the password (the
// old one stops working) and leaves the privileges as they were.
func TestAppRole(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	mp := pool(masterURL)
	defer mp.Close()
	ctx := context.Background()

	first, err := postgres.MigrateWithAppRole(ctx, mp, postgres.AppRole{Name: app, Password: "first-password"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"0001_create_images"}, first); diff != "" {
		t.Errorf("first run applied: -want +got:\n%s", diff)
	}

	appPool := pool(pg.URLAs(app, "first-password", "images"))
	defer appPool.Close()
	store := postgres.NewStore(appPool)
	id := images.NewID()
	if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 3}); err != nil {
		t.Fatalf("the app role cannot insert: %v", err)
	}
	if ok, err := store.MarkDone(ctx, id, images.ThumbnailKey(id)); err != nil || !ok {
		t.Fatalf("the app role cannot update: %v %v", ok, err)
	}
	if img, err := store.Get(ctx, id); err != nil || img.Status != images.StatusDone {
		t.Fatalf("the app role cannot select: %+v %v", img, err)
	}
	db, err := appPool.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `DELETE FROM images WHERE id = $1::uuid`, id); err != nil {
		t.Errorf("the app role cannot delete: %v", err)
	}

	// Everything else is refused with insufficient_privilege (42501).
	refused := map[string]string{}
	for name, stmt := range map[string]string{
		"create table":            `CREATE TABLE t (x int)`,
		"create temporary table":  `CREATE TEMPORARY TABLE t (x int)`,
		"create schema":           `CREATE SCHEMA s`,
		"alter images":            `ALTER TABLE images ADD COLUMN x int`,
		"create index on images":  `CREATE INDEX ON images (status)`,
		"drop images":             `DROP TABLE images`,
		"truncate images":         `TRUNCATE images`,
		"read schema_migrations":  `SELECT count(*) FROM schema_migrations`,
		"write schema_migrations": `INSERT INTO schema_migrations (version, checksum) VALUES ('x', 'y')`,
		"create role":             `CREATE ROLE intruder`,
	} {
		_, err := db.Exec(ctx, stmt)
		refused[name] = sqlState(err)
	}
	want := map[string]string{}
	for name := range refused {
		want[name] = "42501"
	}
	if diff := cmp.Diff(want, refused); diff != "" {
		t.Errorf("SQLSTATE of what the app role must not do (42501 = refused): -want +got:\n%s", diff)
	}

	super, err := pgx.Connect(ctx, pg.URL("images"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	type roleState struct {
		Attributes []bool // super, inherit, createrole, createdb, canlogin, replication, bypassrls
		Verifier   bool   // the password is stored as a SCRAM-SHA-256 verifier
		Member     []string
		Grants     []string
		Database   string
	}
	state := func() roleState {
		t.Helper()
		var s roleState
		s.Attributes = make([]bool, 7)
		var pw string
		if err := super.QueryRow(ctx, `SELECT rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolpassword FROM pg_authid WHERE rolname = $1`, app).
			Scan(&s.Attributes[0], &s.Attributes[1], &s.Attributes[2], &s.Attributes[3], &s.Attributes[4], &s.Attributes[5], &s.Attributes[6], &pw); err != nil {
			t.Fatal(err)
		}
		s.Verifier = strings.HasPrefix(pw, "SCRAM-SHA-256$4096:")
		rows, _ := super.Query(ctx, `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1) ORDER BY 1`, app)
		s.Member, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		rows, _ = super.Query(ctx, `SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 ORDER BY 1`, app)
		s.Grants, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		if err := super.QueryRow(ctx, `SELECT concat_ws(',', CASE WHEN has_database_privilege($1, 'images', 'CONNECT') THEN 'CONNECT' END,
			CASE WHEN has_database_privilege($1, 'images', 'CREATE') THEN 'CREATE' END, CASE WHEN has_database_privilege($1, 'images', 'TEMPORARY') THEN 'TEMPORARY' END,
			CASE WHEN has_schema_privilege($1, 'public', 'USAGE') THEN 'USAGE' END, CASE WHEN has_schema_privilege($1, 'public', 'CREATE') THEN 'SCHEMA CREATE' END)`, app).Scan(&s.Database); err != nil {
			t.Fatal(err)
		}
		return s
	}
	wantState := roleState{
		Attributes: []bool{false, true, false, false, true, false, false},
		Verifier:   true,
		Grants:     []string{"images:DELETE", "images:INSERT", "images:SELECT", "images:UPDATE"},
		Database:   "CONNECT,USAGE",
	}
	if diff := cmp.Diff(wantState, state(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the app role after the first run: -want +got:\n%s", diff)
	}

	// Second run, with a regenerated password.
	second, err := postgres.MigrateWithAppRole(ctx, mp, postgres.AppRole{Name: app, Password: "second-password"})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if len(second) != 0 {
		t.Errorf("second run applied %v, want nothing", second)
	}
	if diff := cmp.Diff(wantState, state(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the app role after the second run: -want +got:\n%s", diff)
	}
	for pw, wantCode := range map[string]string{"first-password": "28P01", "second-password": ""} {
		c, err := pgx.Connect(ctx, pg.URLAs(app, pw, "images"))
		if err == nil {
			c.Close(ctx)
		}
		if got := sqlState(err); got != wantCode {
			t.Errorf("connecting with %s after the second run: SQLSTATE %q (%v), want %q (28P01 = wrong password)", pw, got, err, wantCode)
		}
	}
}

// TestAppRoleRepairsDrift gives an existing app role more than it should have (attributes, a
// membership, a grant on another table of the migrator's, a grant on schema_migrations): the run
// takes it all away.
func TestAppRoleRepairsDrift(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	mp := pool(masterURL)
	defer mp.Close()
	ctx := context.Background()
	if _, err := postgres.Migrate(ctx, mp); err != nil {
		t.Fatal(err)
	}
	mdb, err := mp.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mdb.Exec(ctx, `
		CREATE ROLE nimbus_app LOGIN CREATEDB CREATEROLE PASSWORD 'old';
		CREATE ROLE reporting;
		GRANT reporting TO nimbus_app;
		CREATE TABLE audit (x int);
		GRANT ALL ON audit, schema_migrations TO nimbus_app;
		GRANT TRUNCATE, REFERENCES, TRIGGER ON images TO nimbus_app;
		GRANT CREATE ON SCHEMA public TO nimbus_app;
		GRANT CREATE ON DATABASE images TO nimbus_app`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.MigrateWithAppRole(ctx, mp, postgres.AppRole{Name: app, Password: "new-password"}); err != nil {
		t.Fatal(err)
	}
	super, err := pgx.Connect(ctx, pg.URL("images"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	var got struct {
		CreateDB, CreateRole, SchemaCreate, DBCreate bool
		Members, Grants                              []string
	}
	if err := super.QueryRow(ctx, `SELECT rolcreatedb, rolcreaterole, has_schema_privilege(rolname, 'public', 'CREATE'), has_database_privilege(rolname, 'images', 'CREATE') FROM pg_roles WHERE rolname = $1`, app).
		Scan(&got.CreateDB, &got.CreateRole, &got.SchemaCreate, &got.DBCreate); err != nil {
		t.Fatal(err)
	}
	rows, _ := super.Query(ctx, `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)`, app)
	if got.Members, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	rows, _ = super.Query(ctx, `SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 ORDER BY 1`, app)
	if got.Grants, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	want := got
	want.CreateDB, want.CreateRole, want.SchemaCreate, want.DBCreate, want.Members = false, false, false, false, nil
	want.Grants = []string{"images:DELETE", "images:INSERT", "images:SELECT", "images:UPDATE"}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the app role after repairing: -want +got:\n%s", diff)
	}
}

// TestAppRoleRefused: what the run must refuse rather than paper over.
func TestAppRoleRefused(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	mp := pool(masterURL)
	defer mp.Close()
	ctx := context.Background()
	super, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	if _, err := super.Exec(ctx, `CREATE ROLE powerful LOGIN SUPERUSER`); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		role   postgres.AppRole
		want   string
	}{
		"Superuser":    {reason: "An existing role with SUPERUSER cannot be made an app role by a non-superuser.", role: postgres.AppRole{Name: "powerful", Password: "p"}, want: `role "powerful" has SUPERUSER`},
		"Migrator":     {reason: "The app role must not be the migrating user.", role: postgres.AppRole{Name: master, Password: "p"}, want: `must not be the migrating user`},
		"BadName":      {reason: "A name that needs quoting is refused before anything is sent.", role: postgres.AppRole{Name: `app"; DROP TABLE images; --`, Password: "p"}, want: "must be 1 to 63 letters"},
		"Reserved":     {reason: "pg_ names are PostgreSQL's.", role: postgres.AppRole{Name: "pg_app", Password: "p"}, want: "must not start with pg_ or rds"},
		"NoPassword":   {reason: "A role without a password could not log in through the pooler.", role: postgres.AppRole{Name: app}, want: "needs a password"},
		"PasswordKept": {reason: "A password with quotes is a literal, not SQL.", role: postgres.AppRole{Name: app, Password: `it's'; DROP TABLE images; --`}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := postgres.MigrateWithAppRole(ctx, mp, tc.role)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("%s\n%v", tc.reason, err)
				}
				c, err := pgx.Connect(ctx, pg.URLAs(tc.role.Name, tc.role.Password, "images"))
				if err != nil {
					t.Fatalf("%s\ncannot log in with the password: %v", tc.reason, err)
				}
				c.Close(ctx)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nerr = %v, want one containing %q", tc.reason, err, tc.want)
			}
		})
	}
	var tables int
	if err := super.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = 'images'`).Scan(&tables); err != nil || tables != 1 {
		t.Errorf("the images database is gone: %v", err)
	}
}

// TestAppRoleConcurrently runs six migrators at once through PgBouncer, each ensuring the app
// role: the migration lock serialises them, none fails, one applies the migrations, and the role
// ends as one run left it.
func TestAppRoleConcurrently(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateOwner(t, "m", master, masterPW)
	bouncer := testenv.StartPgBouncer(t, pg, testenv.PgBouncerOptions{PoolSize: 2, Users: map[string]string{master: masterPW, app: "pw"}})
	const n = 6
	var wg sync.WaitGroup
	results := make([][]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			p := pool(bouncer.URLAs(master, masterPW, "m"))
			defer p.Close()
			<-start
			results[i], errs[i] = postgres.MigrateWithAppRole(context.Background(), p, postgres.AppRole{Name: app, Password: "pw"})
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
		}
	}
	if appliers != 1 {
		t.Errorf("%d migrators applied migrations, want exactly 1 (%v)", appliers, results)
	}
	p := pool(bouncer.URLAs(app, "pw", "m"))
	defer p.Close()
	if _, err := postgres.NewStore(p).Get(context.Background(), images.NewID()); !errors.Is(err, images.ErrNotFound) {
		t.Errorf("the app role through PgBouncer: %v, want a not-found answer", err)
	}
}

// TestServiceTablesMatchMigrations: the app role is granted exactly postgres.ServiceTables, so
// the list must name every table the migrations create (schema_migrations is the migrator's).
func TestServiceTablesMatchMigrations(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	p := pool(pg.CreateDatabase(t, "m"))
	defer p.Close()
	ctx := context.Background()
	if _, err := postgres.Migrate(ctx, p); err != nil {
		t.Fatal(err)
	}
	db, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := db.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm', 'f') AND relname <> 'schema_migrations' ORDER BY 1`)
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(postgres.ServiceTables, tables); diff != "" {
		t.Errorf("tables the migrations create vs postgres.ServiceTables: -want +got:\n%s", diff)
	}
}

// TestAppRoleOwnsDatabase is CloudNativePG's shape: bootstrap.initdb.owner makes the app role the
// owner of the database (and so, on PostgreSQL 15, of schema public through pg_database_owner),
// and the migrate job connects as the superuser. The run gives the database to the migrating
// user, so the app role ends with DML on images and no way to create anything; a second run
// applies nothing and leaves the same state.
func TestAppRoleOwnsDatabase(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	super, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	const password = "cnpg-generated"
	if _, err := super.Exec(ctx, `CREATE ROLE nimbus_app LOGIN PASSWORD 'cnpg-generated'`); err != nil {
		t.Fatal(err)
	}
	if _, err := super.Exec(ctx, `CREATE DATABASE app OWNER nimbus_app`); err != nil {
		t.Fatal(err)
	}
	sp := pool(pg.URL("app"))
	defer sp.Close()

	type dbState struct {
		Owner                       string
		DBCreate, DBTemp, DBConnect bool
		SchemaCreate, SchemaUsage   bool
		Grants                      []string
	}
	state := func() dbState {
		t.Helper()
		c, err := pgx.Connect(ctx, pg.URL("app"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		var s dbState
		if err := c.QueryRow(ctx, `SELECT pg_get_userbyid(datdba),
			has_database_privilege($1, datname, 'CREATE'), has_database_privilege($1, datname, 'TEMPORARY'), has_database_privilege($1, datname, 'CONNECT'),
			has_schema_privilege($1, 'public', 'CREATE'), has_schema_privilege($1, 'public', 'USAGE')
			FROM pg_database WHERE datname = current_database()`, app).
			Scan(&s.Owner, &s.DBCreate, &s.DBTemp, &s.DBConnect, &s.SchemaCreate, &s.SchemaUsage); err != nil {
			t.Fatal(err)
		}
		rows, _ := c.Query(ctx, `SELECT table_name || ':' || privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 ORDER BY 1`, app)
		if s.Grants, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if before := state(); before.Owner != app || !before.SchemaCreate || !before.DBCreate {
		t.Fatalf("setup: %+v, want the app role owning the database with CREATE on it and on schema public", before)
	}
	want := dbState{Owner: pg.User, DBConnect: true, SchemaUsage: true, Grants: []string{"images:DELETE", "images:INSERT", "images:SELECT", "images:UPDATE"}}

	for run, wantApplied := range [][]string{{"0001_create_images"}, nil} {
		applied, err := postgres.MigrateWithAppRole(ctx, sp, postgres.AppRole{Name: app, Password: password})
		if err != nil {
			t.Fatalf("run %d: %v", run+1, err)
		}
		if diff := cmp.Diff(wantApplied, applied, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("run %d applied: -want +got:\n%s", run+1, diff)
		}
		if diff := cmp.Diff(want, state(), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("the database and the app role after run %d: -want +got:\n%s", run+1, diff)
		}

		ap := pool(pg.URLAs(app, password, "app"))
		store := postgres.NewStore(ap)
		id := images.NewID()
		if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 3}); err != nil {
			t.Errorf("run %d: the app role cannot insert: %v", run+1, err)
		}
		if ok, err := store.MarkDone(ctx, id, images.ThumbnailKey(id)); err != nil || !ok {
			t.Errorf("run %d: the app role cannot update: %v %v", run+1, ok, err)
		}
		if img, err := store.Get(ctx, id); err != nil || img.Status != images.StatusDone {
			t.Errorf("run %d: the app role cannot select: %+v %v", run+1, img, err)
		}
		db, err := ap.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `DELETE FROM images WHERE id = $1::uuid`, id); err != nil {
			t.Errorf("run %d: the app role cannot delete: %v", run+1, err)
		}
		refused := map[string]string{}
		for name, stmt := range map[string]string{
			"create table":           `CREATE TABLE t (x int)`,
			"create temporary table": `CREATE TEMPORARY TABLE t (x int)`,
			"create schema":          `CREATE SCHEMA s`,
			"alter database":         `ALTER DATABASE app SET work_mem = '1GB'`,
			"alter images":           `ALTER TABLE images ADD COLUMN x int`,
		} {
			_, err := db.Exec(ctx, stmt)
			refused[name] = sqlState(err)
		}
		wantRefused := map[string]string{}
		for name := range refused {
			wantRefused[name] = "42501"
		}
		if diff := cmp.Diff(wantRefused, refused); diff != "" {
			t.Errorf("run %d: SQLSTATE of what the app role must not do (42501 = refused): -want +got:\n%s", run+1, diff)
		}
		ap.Close()
	}
}

// TestAppRoleOwnsDatabaseRefused: a migrating user that is no superuser (and no member of the app
// role) cannot take the database over; the run fails, naming the role, the database and what to
// do, and leaves nothing behind.
func TestAppRoleOwnsDatabaseRefused(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	pg.CreateOwner(t, "other", master, masterPW)
	ctx := context.Background()
	super, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close(ctx)
	for _, stmt := range []string{`CREATE ROLE nimbus_app LOGIN PASSWORD 'pw'`, `CREATE DATABASE app OWNER nimbus_app`} {
		if _, err := super.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	appDB, err := pgx.Connect(ctx, pg.URL("app"))
	if err != nil {
		t.Fatal(err)
	}
	defer appDB.Close(ctx)
	// So that the migrations themselves succeed and the run reaches the app role.
	if _, err := appDB.Exec(ctx, `GRANT CREATE ON SCHEMA public TO nimbus_master`); err != nil {
		t.Fatal(err)
	}
	mp := pool(pg.URLAs(master, masterPW, "app"))
	defer mp.Close()
	_, err = postgres.MigrateWithAppRole(ctx, mp, postgres.AppRole{Name: app, Password: "pw"})
	for _, want := range []string{`database "app" is owned by the app role "nimbus_app"`, `the migrating user "nimbus_master" cannot make itself the owner`, "migrate as a superuser", `ALTER DATABASE "app" OWNER TO "nimbus_master"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want one containing %q", err, want)
		}
	}
	var owner string
	var migrated bool
	if err := appDB.QueryRow(ctx, `SELECT pg_get_userbyid(datdba), to_regclass('schema_migrations') IS NOT NULL FROM pg_database WHERE datname = 'app'`).Scan(&owner, &migrated); err != nil {
		t.Fatal(err)
	}
	if owner != app || migrated {
		t.Errorf("after the failed run: owner %q, schema_migrations exists %v; want the app role still owning it and nothing committed", owner, migrated)
	}
}

// TestAppRoleGroup: with Group the app role is a NOLOGIN group without a password, as on Cloud
// SQL with IAM database authentication, where each function's service account is a login role
// the platform makes a member of it. A member holds exactly the group's privileges, and a second
// run keeps the membership.
func TestAppRoleGroup(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	mp := pool(masterURL)
	defer mp.Close()
	ctx := context.Background()
	group := postgres.AppRole{Name: app, Group: true}
	if _, err := postgres.MigrateWithAppRole(ctx, mp, group); err != nil {
		t.Fatal(err)
	}
	// What Cloud SQL does for a CLOUD_IAM_SERVICE_ACCOUNT user with database roles [app].
	su, err := pgx.Connect(ctx, pg.URL("images"))
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(ctx)
	for _, stmt := range []string{`CREATE ROLE "api-sa@p.iam" LOGIN PASSWORD 'token-1'`, `GRANT ` + app + ` TO "api-sa@p.iam"`} {
		if _, err := su.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	var login bool
	var password *string
	if err := su.QueryRow(ctx, `SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1`, app).Scan(&login, &password); err != nil {
		t.Fatal(err)
	}
	if login || password != nil {
		t.Errorf("the group role: login %v, password set %v; want NOLOGIN and no password", login, password != nil)
	}
	// A second run, as on every deploy, keeps the member's privileges.
	if _, err := postgres.MigrateWithAppRole(ctx, mp, group); err != nil {
		t.Fatal(err)
	}
	memberPool := pool(pg.URLAs("api-sa@p.iam", "token-1", "images"))
	defer memberPool.Close()
	store := postgres.NewStore(memberPool)
	id := images.NewID()
	if err := store.Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 3}); err != nil {
		t.Fatalf("a member of the group cannot insert: %v", err)
	}
	db, err := memberPool.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if _, err := db.Exec(ctx, `CREATE TABLE t (x int)`); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
		t.Errorf("a member of the group created a table: %v", err)
	}

	for name, tc := range map[string]struct {
		role postgres.AppRole
		want string
	}{
		"GroupWithPassword": {role: postgres.AppRole{Name: app, Group: true, Password: "p"}, want: "is a group (NOLOGIN), which takes no password"},
		"LoginWithout":      {role: postgres.AppRole{Name: app}, want: "needs a password"},
	} {
		if err := tc.role.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: want %q, got %v", name, tc.want, err)
		}
	}
}
