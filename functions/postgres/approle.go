package postgres

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// ServiceTables are the tables the migrations create for the service, the only ones the app
// role may use. TestServiceTablesMatchMigrations keeps the list equal to what the migrations
// create.
var ServiceTables = []string{"images"}

// AppPrivileges are the privileges the app role holds on each of ServiceTables.
const AppPrivileges = "SELECT, INSERT, UPDATE, DELETE"

// AppRole is the database role the api and worker connect as.
type AppRole struct {
	// Name of the role (DB_APP_USER).
	Name string
	// Password set on the role on every run, so that a regenerated secret takes effect. Empty
	// with Group.
	Password string
	// Group makes the role a group (NOLOGIN, no password) whose members are the functions' own
	// login roles, each authenticated by the platform: on Cloud SQL with IAM database
	// authentication, every function's service account is a database user (Cloud SQL creates it,
	// with the group among its database roles), and the privileges below are the group's.
	Group bool
	// Members are made members of the group (Group only), each first created as a Microsoft
	// Entra principal if it is no role yet (Azure Database for PostgreSQL: DB_APP_MEMBERS); see
	// MigrateWithAppRole.
	Members []Member
}

// roleNameRE is compiled on first use: compiling it at package initialisation cost every
// server start about 0.15 ms (bench/containerstart.sh, GODEBUG=inittrace=1).
var roleNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`) })

// ValidateRoleName checks that name may be the app role's: a name that needs no quoting and
// that neither PostgreSQL (pg_) nor RDS (rds) reserves.
func ValidateRoleName(name string) error {
	if !roleNameRE().MatchString(name) {
		return fmt.Errorf("app role name %q must be 1 to 63 letters, digits or underscores, not starting with a digit", name)
	}
	if strings.HasPrefix(strings.ToLower(name), "pg_") || strings.HasPrefix(strings.ToLower(name), "rds") {
		return fmt.Errorf("app role name %q must not start with pg_ or rds (names PostgreSQL and RDS reserve)", name)
	}
	return nil
}

// Validate checks the role before any statement is sent.
func (r AppRole) Validate() error {
	var errs []error
	if err := ValidateRoleName(r.Name); err != nil {
		errs = append(errs, err)
	}
	switch {
	case r.Group && r.Password != "":
		errs = append(errs, fmt.Errorf("app role %q is a group (NOLOGIN), which takes no password", r.Name))
	case !r.Group && r.Password == "":
		errs = append(errs, fmt.Errorf("app role %q needs a password", r.Name))
	}
	if len(r.Members) > 0 && !r.Group {
		errs = append(errs, fmt.Errorf("app role %q has members, which only a group (NOLOGIN) takes", r.Name))
	}
	seen := map[string]bool{}
	for _, m := range r.Members {
		if err := m.Validate(); err != nil {
			errs = append(errs, err)
		}
		switch {
		case m.Name == r.Name:
			errs = append(errs, fmt.Errorf("member %q is the app role itself", m.Name))
		case seen[m.Name]:
			errs = append(errs, fmt.Errorf("member %q is given twice", m.Name))
		}
		seen[m.Name] = true
	}
	return errors.Join(errs...)
}

// ensureAppRole makes role exactly what the api and worker need, in tx (the migration
// transaction, under the migration lock, so concurrent runs serialise):
//
//   - the role exists with LOGIN and no other attribute (created if missing; an existing one
//     with SUPERUSER, REPLICATION or BYPASSRLS is an error, as only a superuser could remove
//     them), is a member of no other role, and has the password of role.Password; a Group
//     role is the same with NOLOGIN and no password instead;
//   - it does not own the database: an owner holds every privilege on it and, from PostgreSQL
//     15, through pg_database_owner, on schema public too, which no REVOKE takes away. A
//     database the role owns (CloudNativePG's bootstrap.initdb.owner makes it so) is given to
//     the migrating user (ALTER DATABASE ... OWNER TO current_user, which needs a superuser, or a
//     migrating user with CREATEDB that is a member of the app role); if that is refused, that is
//     an error saying what to do;
//   - it holds CONNECT on the database, USAGE on the schema of the service's tables, and
//     AppPrivileges on each of ServiceTables, and nothing else on the database, the schema or
//     the relations the migrating user owns in that schema (other grants there are revoked);
//   - neither it nor PUBLIC may create objects in the schema or temporary tables in the
//     database (PUBLIC's CREATE on schema public, PostgreSQL 14 and older, and PUBLIC's
//     TEMPORARY are revoked; if they cannot be, that is an error).
//
// The tables stay owned by the migrating user, so only it holds DDL rights on them.
// Identifiers are quoted by the server (format %I) and the password is sent as a SCRAM-SHA-256
// verifier literal (format %L), so it never appears in clear in statement logs.
func ensureAppRole(ctx context.Context, tx pgx.Tx, role AppRole) error {
	if err := role.Validate(); err != nil {
		return err
	}
	// exec builds a statement on the server with format(), so that identifiers and literals are
	// quoted by PostgreSQL itself, and runs it.
	exec := func(what, template string, args ...any) error {
		var stmt string
		if err := tx.QueryRow(ctx, "SELECT format("+pgLiteral(template)+placeholders(len(args))+")", args...).Scan(&stmt); err != nil {
			return fmt.Errorf("cannot build the statement to %s: %w", what, err)
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("cannot %s: %w", what, err)
		}
		return nil
	}
	var me, database, schema string
	if err := tx.QueryRow(ctx, `SELECT current_user, current_database(), current_schema()`).Scan(&me, &database, &schema); err != nil {
		return fmt.Errorf("cannot read the current user, database and schema: %w", err)
	}
	if me == role.Name {
		return fmt.Errorf("the app role %q must not be the migrating user %q: the api and worker must not hold DDL rights", role.Name, me)
	}

	var super, replication, bypassRLS, created bool
	err := tx.QueryRow(ctx, `SELECT rolsuper, rolreplication, rolbypassrls FROM pg_roles WHERE rolname = $1`, role.Name).Scan(&super, &replication, &bypassRLS)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		created = true
	case err != nil:
		return fmt.Errorf("cannot read role %q: %w", role.Name, err)
	}
	if !created {
		var attrs []string
		for name, set := range map[string]bool{"SUPERUSER": super, "REPLICATION": replication, "BYPASSRLS": bypassRLS} {
			if set {
				attrs = append(attrs, name)
			}
		}
		slices.Sort(attrs)
		if len(attrs) > 0 {
			return fmt.Errorf("role %q has %s: the app role must have LOGIN and no other attribute; drop it or remove them as a superuser", role.Name, strings.Join(attrs, ", "))
		}
	}
	switch {
	case role.Group && created:
		err = exec("create group role "+role.Name, "CREATE ROLE %I WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS", role.Name)
	case role.Group:
		err = exec("set the attributes of group role "+role.Name, "ALTER ROLE %I WITH NOLOGIN NOCREATEDB NOCREATEROLE PASSWORD NULL", role.Name)
	default:
		var verifier string
		if verifier, err = passwordLiteral(role.Password); err != nil {
			return err
		}
		if created {
			err = exec("create role "+role.Name, "CREATE ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L", role.Name, verifier)
		} else {
			err = exec("set the attributes and password of role "+role.Name, "ALTER ROLE %I WITH LOGIN NOCREATEDB NOCREATEROLE PASSWORD %L", role.Name, verifier)
		}
	}
	if err != nil {
		return err
	}

	rows, err := tx.Query(ctx, `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1 ORDER BY 1`, role.Name)
	if err != nil {
		return fmt.Errorf("cannot read the memberships of role %q: %w", role.Name, err)
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("cannot read the memberships of role %q: %w", role.Name, err)
	}
	for _, g := range groups {
		if err := exec("revoke membership in "+g+" from "+role.Name, "REVOKE %I FROM %I", g, role.Name); err != nil {
			return err
		}
	}

	var dbOwner string
	if err := tx.QueryRow(ctx, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()`).Scan(&dbOwner); err != nil {
		return fmt.Errorf("cannot read the owner of database %q: %w", database, err)
	}
	if dbOwner == role.Name {
		if err := exec("make "+me+" the owner of database "+database, "ALTER DATABASE %I OWNER TO %I", database, me); err != nil {
			return fmt.Errorf("database %q is owned by the app role %q (an owner can create objects in it and in schema %q), and the migrating user %q cannot make itself the owner: %w; "+
				"migrate as a superuser, or as a superuser run ALTER DATABASE %s OWNER TO %s first", database, role.Name, schema, me, err, pgx.Identifier{database}.Sanitize(), pgx.Identifier{me}.Sanitize())
		}
	}

	if err := exec("revoke database privileges from "+role.Name, "REVOKE ALL ON DATABASE %I FROM %I", database, role.Name); err != nil {
		return err
	}
	if err := exec("grant CONNECT to "+role.Name, "GRANT CONNECT ON DATABASE %I TO %I", database, role.Name); err != nil {
		return err
	}
	if err := exec("revoke privileges on schema "+schema+" from "+role.Name, "REVOKE ALL ON SCHEMA %I FROM %I", schema, role.Name); err != nil {
		return err
	}
	if err := exec("grant USAGE on schema "+schema+" to "+role.Name, "GRANT USAGE ON SCHEMA %I TO %I", schema, role.Name); err != nil {
		return err
	}

	rows, err = tx.Query(ctx, `SELECT c.relname, c.relkind = 'S'
		FROM pg_class c JOIN pg_roles o ON o.oid = c.relowner
		WHERE c.relnamespace = current_schema()::regnamespace AND o.rolname = current_user AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
		ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("cannot list the relations of schema %q: %w", schema, err)
	}
	type relation struct {
		name     string
		sequence bool
	}
	owned, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (relation, error) {
		var rel relation
		return rel, r.Scan(&rel.name, &rel.sequence)
	})
	if err != nil {
		return fmt.Errorf("cannot list the relations of schema %q: %w", schema, err)
	}
	have := map[string]bool{}
	for _, rel := range owned {
		have[rel.name] = !rel.sequence
		kind := "TABLE"
		if rel.sequence {
			kind = "SEQUENCE"
		}
		if err := exec("revoke privileges on "+rel.name+" from "+role.Name, "REVOKE ALL ON "+kind+" %I.%I FROM %I", schema, rel.name, role.Name); err != nil {
			return err
		}
	}
	for _, table := range ServiceTables {
		if !have[table] {
			return fmt.Errorf("service table %q is not a table of %q in schema %q: the migrations must create it", table, me, schema)
		}
		if err := exec("grant "+AppPrivileges+" on "+table+" to "+role.Name, "GRANT "+AppPrivileges+" ON TABLE %I.%I TO %I", schema, table, role.Name); err != nil {
			return err
		}
	}

	// What PUBLIC holds, every role holds.
	var canCreate, canTemp bool
	check := func() error {
		return tx.QueryRow(ctx, `SELECT has_schema_privilege($1, current_schema(), 'CREATE'), has_database_privilege($1, current_database(), 'TEMPORARY')`, role.Name).Scan(&canCreate, &canTemp)
	}
	if err := check(); err != nil {
		return fmt.Errorf("cannot check the privileges of role %q: %w", role.Name, err)
	}
	if canCreate {
		if err := exec("revoke CREATE on schema "+schema+" from PUBLIC", "REVOKE CREATE ON SCHEMA %I FROM PUBLIC", schema); err != nil {
			return err
		}
	}
	if canTemp {
		if err := exec("revoke TEMPORARY on database "+database+" from PUBLIC", "REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC", database); err != nil {
			return err
		}
	}
	if err := check(); err != nil {
		return fmt.Errorf("cannot check the privileges of role %q: %w", role.Name, err)
	}
	if canCreate || canTemp {
		return fmt.Errorf("role %q can still create objects (CREATE on schema %q: %v, TEMPORARY on database %q: %v), granted to PUBLIC, and %q cannot revoke that: revoke it as the owner of the schema or database", role.Name, schema, canCreate, database, canTemp, me)
	}
	return grantMembers(ctx, tx, role.Name, role.Members)
}

// pgLiteral quotes s as a PostgreSQL string literal (standard_conforming_strings is on since
// PostgreSQL 9.1: only single quotes need doubling). It is used for the fixed statement
// templates of this file only; values go through format() on the server.
func pgLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func placeholders(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, ", $%d::text", i)
	}
	return b.String()
}

// scramIterations is PostgreSQL's default scram_iterations.
const scramIterations = 4096

// passwordLiteral returns what ALTER ROLE ... PASSWORD gets: a SCRAM-SHA-256 verifier in
// PostgreSQL's format (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, RFC 5802 and
// 7677), which the server stores as is, so that the password itself never reaches the server's
// statement logs. PostgreSQL normalises passwords with SASLprep, which leaves printable ASCII
// unchanged; any other password is sent as is and hashed by the server.
func passwordLiteral(password string) (string, error) {
	for _, r := range password {
		if r < 0x20 || r > 0x7e {
			return password, nil
		}
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("cannot make a salt for the app role's password: %w", err)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("cannot hash the app role's password: %w", err)
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(stored[:]), b64(mac(salted, "Server Key"))), nil
}
