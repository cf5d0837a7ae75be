package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Serverless pool settings.
const (
	// MaxConns is the default of the most connections one function instance opens (the
	// functions' DB_MAX_CONNS overrides it, 1 to 20). An instance serves one invocation at
	// a time and no code path holds one connection while it waits for another, so 1 is
	// enough; 2 is the setting bench/pooling.sh measures.
	MaxConns = 2
	// MaxConnLifetime bounds how long a connection is reused, under the 15 minutes an
	// RDS IAM auth token is valid for new connections.
	MaxConnLifetime = 10 * time.Minute
	// MaxConnIdleTime closes connections idle that long (a frozen instance holds none
	// open for long).
	MaxConnIdleTime = 2 * time.Minute
)

// ServerlessConfig applies the settings described in the package documentation to cfg.
func ServerlessConfig(cfg *pgxpool.Config) {
	cfg.MaxConns = MaxConns
	cfg.MinConns = 0
	cfg.MinIdleConns = 0
	cfg.MaxConnLifetime = MaxConnLifetime
	cfg.MaxConnIdleTime = MaxConnIdleTime
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	cfg.ConnConfig.StatementCacheCapacity = 0
	cfg.ConnConfig.DescriptionCacheCapacity = 0
}

// ConfigFunc returns the configuration of the pool. It may do network calls (reading a
// secret), since it runs on first use rather than at start-up.
type ConfigFunc func(ctx context.Context) (*pgxpool.Config, error)

// Pool is a pgxpool opened on first use. It is safe for concurrent use.
type Pool struct {
	configure ConfigFunc

	mu   sync.Mutex
	pool *pgxpool.Pool
}

// NewPool returns a Pool that calls configure, then opens the pool, on first use.
// It does no I/O itself.
func NewPool(configure ConfigFunc) *Pool {
	return &Pool{configure: configure}
}

// Get returns the open pool, opening it first if needed.
func (p *Pool) Get(ctx context.Context) (*pgxpool.Pool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		return p.pool, nil
	}
	if p.configure == nil {
		return nil, errors.New("postgres: Pool has no ConfigFunc")
	}
	cfg, err := p.configure(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot configure database pool: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot open database pool: %w", err)
	}
	p.pool = pool
	return pool, nil
}

// Close closes the pool if it was opened.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pool != nil {
		p.pool.Close()
		p.pool = nil
	}
}
