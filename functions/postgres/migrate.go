package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migration files (migrations/*.sql).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// migrationLockID is the key of the transaction-scoped advisory lock that serializes
// migrators ("nimbus" in ASCII).
const migrationLockID int64 = 0x6e696d627573

// Migrate applies the embedded migrations; see MigrateFS.
func Migrate(ctx context.Context, pool *Pool) ([]string, error) {
	db, err := pool.Get(ctx)
	if err != nil {
		return nil, err
	}
	return MigrateFS(ctx, db, Migrations())
}

// MigrateWithAppRole applies the embedded migrations and then, in the same transaction,
// ensures the app role the api and worker connect as (see ensureAppRole): created if missing,
// its password set, and exactly the privileges the service needs. Both run on every call, so a
// second run applies no migration but re-applies the password and the grants. A group's Members
// are first created as Entra principals where they are no role yet (from PrincipalDatabase,
// before the transaction), then granted the group in the transaction.
func MigrateWithAppRole(ctx context.Context, pool *Pool, role AppRole) ([]string, error) {
	if err := role.Validate(); err != nil {
		return nil, err
	}
	db, err := pool.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := ensurePrincipals(ctx, db, role.Members); err != nil {
		return nil, fmt.Errorf("cannot ensure the app group's members: %w", err)
	}
	return migrateFS(ctx, db, Migrations(), &role)
}

// MigrateFS applies the *.sql files at the root of fsys that are not yet recorded in
// schema_migrations, in name order, in one transaction, and returns the versions (file
// names without .sql) it applied. It is safe to run concurrently and repeatedly.
func MigrateFS(ctx context.Context, db *pgxpool.Pool, fsys fs.FS) ([]string, error) {
	return migrateFS(ctx, db, fsys, nil)
}

func migrateFS(ctx context.Context, db *pgxpool.Pool, fsys fs.FS, role *AppRole) (applied []string, err error) {
	files, err := readMigrations(fsys)
	if err != nil {
		return nil, err
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("cannot begin migration transaction: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx)) // the error that led here is the one to report
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
		return nil, fmt.Errorf("cannot take migration lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    text        PRIMARY KEY,
		checksum   text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("cannot create schema_migrations: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT version, checksum FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}
	done := map[string]string{}
	for rows.Next() {
		var v, sum string
		if err := rows.Scan(&v, &sum); err != nil {
			rows.Close()
			return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
		}
		done[v] = sum
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read schema_migrations: %w", err)
	}

	var changed []error
	for _, m := range files {
		if sum, ok := done[m.version]; ok && sum != m.checksum {
			changed = append(changed, fmt.Errorf("migration %q was applied with checksum %s but the file now has %s: add a new migration instead of editing an applied one", m.version, sum, m.checksum))
		}
	}
	if err := errors.Join(changed...); err != nil {
		return nil, err
	}
	for _, m := range files {
		if _, ok := done[m.version]; ok {
			continue
		}
		// The simple protocol allows several statements in one file.
		if _, err := tx.Exec(ctx, m.sql, pgx.QueryExecModeSimpleProtocol); err != nil {
			return nil, fmt.Errorf("cannot apply migration %q: %w", m.version, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)`, m.version, m.checksum); err != nil {
			return nil, fmt.Errorf("cannot record migration %q: %w", m.version, err)
		}
		applied = append(applied, m.version)
	}
	if role != nil {
		if err := ensureAppRole(ctx, tx, *role); err != nil {
			return nil, fmt.Errorf("cannot ensure the app role: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("cannot commit migrations: %w", err)
	}
	return applied, nil
}

type migration struct {
	version, checksum, sql string
}

func readMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("cannot list migrations: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no migrations (*.sql) found")
	}
	sort.Strings(names)
	out := make([]migration, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("cannot read migration %q: %w", name, err)
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{version: strings.TrimSuffix(path.Base(name), ".sql"), checksum: hex.EncodeToString(sum[:]), sql: string(b)})
	}
	return out, nil
}
