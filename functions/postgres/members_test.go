package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nimbus-iac/nimbus/functions/images"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// standInPgaadauth is a test-only function with the signature of Azure Database for
// PostgreSQL's pg_catalog.pgaadauth_create_principal_with_oid(roleName, objectId, objectType,
// isAdmin, isMfa), created in the postgres database as Azure's is used there: it creates a LOGIN
// role and records the Entra link in the role's comment (Azure uses a pgaadauth security label,
// which needs Azure's label provider), and counts its calls.
const standInPgaadauth = `
CREATE TABLE public.pgaadauth_calls (role_name text, object_id text, object_type text);
CREATE FUNCTION public.pgaadauth_create_principal_with_oid(roleName text, objectId text, objectType text, isAdmin boolean, isMfa boolean)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
	IF objectType NOT IN ('user', 'group', 'service') THEN
		RAISE EXCEPTION 'objectType must be user, group or service, got %', objectType;
	END IF;
	INSERT INTO public.pgaadauth_calls VALUES (roleName, objectId, objectType);
	EXECUTE format('CREATE ROLE %I LOGIN', roleName);
	EXECUTE format('COMMENT ON ROLE %I IS %L', roleName,
		format('aadauth,oid=%s,type=%s', objectId, objectType) || CASE WHEN isAdmin THEN ',admin' ELSE '' END || CASE WHEN isMfa THEN ',mfa' ELSE '' END);
	RETURN 'Created role for ' || roleName;
END $$;`

var (
	apiMember    = postgres.Member{Name: "api-id", ObjectID: "0a0a0a0a-0000-4000-a000-000000000001"}
	workerMember = postgres.Member{Name: "worker-id", ObjectID: "0b0b0b0b-0000-4000-a000-000000000002"}
)

// TestAppRoleEntraMembers migrates as an administrator that is no superuser (as Azure's Entra
// administrator: CREATEROLE, owner of the database) with a group app role and two members, as
// the Azure migrate job does with DB_APP_MEMBERS. The member that is no role yet is created
// through pgaadauth_create_principal_with_oid (a stand-in here: see standInPgaadauth) as a
// non-admin, MFA-free service principal; the one that is a role already is not created again.
// Both become members of the group and hold exactly its privileges; a second run changes
// nothing and creates nobody.
func TestAppRoleEntraMembers(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	ctx := context.Background()
	su, err := pgx.Connect(ctx, pg.URL(postgres.PrincipalDatabase))
	if err != nil {
		t.Fatal(err)
	}
	defer su.Close(ctx)
	// worker-id is a role already (an earlier run made it); api-id is new.
	for _, stmt := range []string{standInPgaadauth, `CREATE ROLE "worker-id" LOGIN`} {
		if _, err := su.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	mp := pool(masterURL)
	defer mp.Close()
	role := postgres.AppRole{Name: app, Group: true, Members: []postgres.Member{apiMember, workerMember}}
	for run := 1; run <= 2; run++ {
		if _, err := postgres.MigrateWithAppRole(ctx, mp, role); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}

	rows, err := su.Query(ctx, `SELECT role_name || ' ' || object_id || ' ' || object_type FROM public.pgaadauth_calls ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	calls, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"api-id 0a0a0a0a-0000-4000-a000-000000000001 service"}, calls); diff != "" {
		t.Errorf("principals created over two runs (-want +got):\n%s", diff)
	}
	var label string
	if err := su.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname = 'api-id'`).Scan(&label); err != nil {
		t.Fatal(err)
	}
	if label != "aadauth,oid=0a0a0a0a-0000-4000-a000-000000000001,type=service" {
		t.Errorf("api-id's Entra link %q: want a service principal, no admin, no MFA", label)
	}
	rows, err = su.Query(ctx, `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
		WHERE g.rolname = $1 AND r.rolname <> $2 ORDER BY 1`, app, master)
	if err != nil {
		t.Fatal(err)
	}
	members, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"api-id", "worker-id"}, members); diff != "" {
		t.Errorf("members of the group (-want +got):\n%s", diff)
	}

	// The member logs in (with a password here: Azure takes its Entra token) and holds exactly
	// the group's privileges.
	if _, err := su.Exec(ctx, `ALTER ROLE "api-id" PASSWORD 'token-1'`); err != nil {
		t.Fatal(err)
	}
	memberPool := pool(pg.URLAs("api-id", "token-1", "images"))
	defer memberPool.Close()
	id := images.NewID()
	if err := postgres.NewStore(memberPool).Create(ctx, images.Image{ID: id, Status: images.StatusPending, OriginalKey: images.OriginalKey(id), ContentType: images.TypePNG, SizeBytes: 3}); err != nil {
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
}

// TestAppRoleEntraMembersFail: where the principal cannot be created (no pgaadauth: not an Azure
// server), the run fails naming the member and the database, before any migration is applied.
func TestAppRoleEntraMembersFail(t *testing.T) {
	t.Parallel()
	pg := testenv.StartPostgres(t)
	masterURL := pg.CreateOwner(t, "images", master, masterPW)
	ctx := context.Background()
	mp := pool(masterURL)
	defer mp.Close()
	_, err := postgres.MigrateWithAppRole(ctx, mp, postgres.AppRole{Name: app, Group: true, Members: []postgres.Member{apiMember}})
	const want = `cannot ensure the app group's members: cannot create the Entra principal "api-id" (object id 0a0a0a0a-0000-4000-a000-000000000001) in database "postgres"`
	if err == nil || !strings.Contains(err.Error(), want) || sqlState(err) != "42883" {
		t.Fatalf("want %q (undefined function, 42883), got %v", want, err)
	}
	db, err := mp.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var migrated bool
	if err := db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&migrated); err != nil {
		t.Fatal(err)
	}
	if migrated {
		t.Error("the migrations ran although the members could not be made")
	}
}

func TestAppRoleMembersInvalid(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		role postgres.AppRole
		want []string
	}{
		"login role": {
			role: postgres.AppRole{Name: app, Password: "p", Members: []postgres.Member{apiMember}},
			want: []string{`app role "nimbus_app" has members, which only a group (NOLOGIN) takes`},
		},
		"bad members": {
			role: postgres.AppRole{Name: app, Group: true, Members: []postgres.Member{
				{Name: "azure_pg_admin", ObjectID: apiMember.ObjectID}, {Name: "x", ObjectID: "1"}, apiMember, apiMember, {Name: app, ObjectID: apiMember.ObjectID},
			}},
			want: []string{
				`member name "azure_pg_admin" must be 1 to 63 letters, digits, _ . @ or -, not starting with pg_ or azure_`,
				`member "x": object id "1" must be a UUID`,
				`member "api-id" is given twice`,
				`member "nimbus_app" is the app role itself`,
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			err := tc.role.Validate()
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("want %q, got %v", w, err)
				}
			}
		})
	}
}

func TestParseMembers(t *testing.T) {
	t.Parallel()
	got, err := postgres.ParseMembers(" api-id=0a0a0a0a-0000-4000-a000-000000000001 ,worker-id = 0b0b0b0b-0000-4000-a000-000000000002")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]postgres.Member{apiMember, workerMember}, got); diff != "" {
		t.Errorf("-want +got:\n%s", diff)
	}
	if got, err := postgres.ParseMembers(""); got != nil || err != nil {
		t.Errorf("empty: want none, got %v, %v", got, err)
	}
}
