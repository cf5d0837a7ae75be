package azure_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/azure"
	"github.com/nimbus-iac/nimbus/functions/azure/containerapps"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// fakeCredential is a token credential the test controls: every GetToken is a new token,
// which it first makes the role's password (as Azure Database for PostgreSQL accepts any
// currently valid Entra token), so only the newest token logs in. It records the scopes asked
// for.
type fakeCredential struct {
	admin string // the superuser's URL
	role  string
	err   error

	mu     sync.Mutex
	calls  int
	scopes [][]string
}

func (f *fakeCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.scopes = append(f.scopes, opts.Scopes)
	if f.err != nil {
		return azcore.AccessToken{}, f.err
	}
	tok := fmt.Sprintf("eyJ0eXAi.test-token-%d", f.calls)
	c, err := pgx.Connect(ctx, f.admin)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{f.role}.Sanitize(), tok)); err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func (f *fakeCredential) Calls() (int, [][]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.scopes
}

func TestEntraAuth(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	// A managed identity's database role is its name (pgaadauth_create_principal).
	const role = "nimbus-worker"
	admin, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	cred := &fakeCredential{admin: pg.URL("postgres"), role: role}

	// Configured as the servers configure it: DB_AUTH=entra, no password.
	env, err := knative.LoadEnv(knative.FunctionWorker, func(k string) string {
		return map[string]string{"IMAGES_BUCKET": "images", "IMAGES_STORE": "azblob", "IMAGES_ACCOUNT_URL": "https://a.blob.core.windows.net",
			"DB_HOST": pg.Host, "DB_PORT": strconv.Itoa(pg.Port), "DB_NAME": "postgres",
			"DB_USER": role, "DB_AUTH": "entra", "DB_SSLMODE": "disable", "DB_MAX_CONNS": "3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := knative.PoolConfig(env.DB, containerapps.Platform(cred).DBAuths[knative.DBAuthEntra])
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.Password != "" {
		t.Fatalf("the pool has a static password %q", cfg.ConnConfig.Password)
	}
	pool := newPool(t, cfg)
	// Three connections at once: each logs in with the token current when it was opened.
	var conns []*pgxpool.Conn
	for i := 1; i <= 3; i++ {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		var user string
		if err := c.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
			t.Fatal(err)
		}
		if user != role {
			t.Errorf("connected as %q, want %q", user, role)
		}
		if got, _ := cred.Calls(); got != i {
			t.Errorf("after %d new connections the credential was asked %d times, want %d", i, got, i)
		}
	}
	for _, c := range conns {
		c.Release()
	}
	_, scopes := cred.Calls()
	want := [][]string{{azure.PostgresScope}, {azure.PostgresScope}, {azure.PostgresScope}}
	if diff := cmp.Diff(want, scopes); diff != "" {
		t.Errorf("scopes asked for: -want +got:\n%s", diff)
	}
	// The token really is the password: an older one no longer logs in.
	_, err = pgx.Connect(ctx, pg.URLAs(role, "eyJ0eXAi.test-token-1", "postgres"))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("an old token: got %v, want 28P01 (password authentication failed)", err)
	}

	// A credential that fails fails the connection, naming the user and the scope.
	failing := &fakeCredential{err: errors.New("no managed identity endpoint")}
	cfg2, err := knative.PoolConfig(knative.DBEnv{Host: pg.Host, Port: pg.Port, Name: "postgres", User: role, SSLMode: "disable", MaxConns: 1, Auth: "entra"},
		containerapps.Platform(failing).DBAuths[knative.DBAuthEntra])
	if err != nil {
		t.Fatal(err)
	}
	err = newPool(t, cfg2).Ping(ctx)
	if err == nil || !errors.Is(err, failing.err) {
		t.Errorf("a failing credential: %v, want its error", err)
	}
}

func newPool(t *testing.T, cfg *pgxpool.Config) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func mustClient(t *testing.T, az *azurite) *azblob.Client {
	t.Helper()
	c, err := az.client(nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
