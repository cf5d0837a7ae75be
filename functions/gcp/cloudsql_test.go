package gcp_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/oauth2"

	"github.com/nimbus-iac/nimbus/functions/gcp"
	"github.com/nimbus-iac/nimbus/functions/gcp/cloudrun"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/knative"
)

// rotatingTokens is a token source the test controls: every Token is a new access token, which
// it first makes the role's password (as Cloud SQL accepts any currently valid token), so only
// the newest token logs in.
type rotatingTokens struct {
	t     *testing.T
	admin string // the superuser's URL
	role  string
	mu    sync.Mutex
	calls int
}

func (r *rotatingTokens) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	tok := fmt.Sprintf("ya29.test-token-%d", r.calls)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, r.admin)
	if err != nil {
		return nil, err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, fmt.Sprintf("ALTER ROLE %s PASSWORD '%s'", pgx.Identifier{r.role}.Sanitize(), tok)); err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: tok, TokenType: "Bearer"}, nil
}

func (r *rotatingTokens) Calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func TestCloudSQLIAMAuth(t *testing.T) {
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	const email = "worker@nimbus-test.iam.gserviceaccount.com"
	role := gcp.IAMUser(email)
	if role != "worker@nimbus-test.iam" {
		t.Fatalf("IAMUser(%q) = %q, want the email without .gserviceaccount.com", email, role)
	}
	admin, err := pgx.Connect(ctx, pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE ROLE "+pgx.Identifier{role}.Sanitize()+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	ts := &rotatingTokens{t: t, admin: pg.URL("postgres"), role: role}

	// Configured as the servers configure it: DB_AUTH=cloudsql-iam, DB_USER the email.
	env, err := knative.LoadEnv(knative.FunctionWorker, func(k string) string {
		return map[string]string{"IMAGES_BUCKET": "b", "DB_HOST": pg.Host, "DB_PORT": fmt.Sprint(pg.Port), "DB_NAME": "postgres",
			"DB_USER": email, "DB_AUTH": "cloudsql-iam", "DB_SSLMODE": "disable", "DB_MAX_CONNS": "3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := knative.PoolConfig(env.DB, cloudrun.Platform(ts).DBAuths[knative.DBAuthCloudSQLIAM])
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.Password != "" {
		t.Fatalf("the pool has a static password %q", cfg.ConnConfig.Password)
	}
	pool := newPool(t, cfg)
	// Three connections at once: each logs in with the token current when it was opened.
	var conns []*pgxConn
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
		if got := ts.Calls(); got != i {
			t.Errorf("after %d new connections the token source was asked %d times, want %d", i, got, i)
		}
	}
	for _, c := range conns {
		c.Release()
	}
	// The token really is the password: an older one no longer logs in.
	_, err = pgx.Connect(ctx, pg.URLAs(role, "ya29.test-token-1", "postgres"))
	var pgErr *pgconn.PgError
	if !asPgErr(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("an old token: got %v, want 28P01 (password authentication failed)", err)
	}
	// A token source that fails fails the connection, naming the user.
	cfg2, _ := knative.PoolConfig(knative.DBEnv{Host: pg.Host, Port: pg.Port, Name: "postgres", User: role, SSLMode: "disable", MaxConns: 1, Auth: "cloudsql-iam"},
		cloudrun.Platform(failingTokens{}).DBAuths[knative.DBAuthCloudSQLIAM])
	p2 := newPool(t, cfg2)
	if err := p2.Ping(ctx); err == nil {
		t.Error("a failing token source connected")
	}
}

type failingTokens struct{}

func (failingTokens) Token() (*oauth2.Token, error) {
	return nil, fmt.Errorf("metadata server unreachable")
}
