package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PrincipalDatabase is the database the Entra principals' roles are created from: Azure
// Database for PostgreSQL's pgaadauth functions are run by the Entra administrator connected to
// the postgres database. Roles are the cluster's, so they are then granted in any database.
const PrincipalDatabase = "postgres"

// Member is a Microsoft Entra principal (a managed identity) the migration makes a member of the
// app group: its database role Name, linked to the principal's ObjectID.
type Member struct {
	Name     string
	ObjectID string
}

var (
	memberNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}$`) })
	objectIDRE   = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	})
)

// Validate checks a member before any statement is sent: a role name of 1 to 63 letters,
// digits, _ . @ or - (a managed identity's name), not reserved (pg_, azure_), and an object id
// that is a UUID.
func (m Member) Validate() error {
	var errs []error
	lower := strings.ToLower(m.Name)
	if !memberNameRE().MatchString(m.Name) || strings.HasPrefix(lower, "pg_") || strings.HasPrefix(lower, "azure_") {
		errs = append(errs, fmt.Errorf("member name %q must be 1 to 63 letters, digits, _ . @ or -, not starting with pg_ or azure_", m.Name))
	}
	if !objectIDRE().MatchString(m.ObjectID) {
		errs = append(errs, fmt.Errorf("member %q: object id %q must be a UUID (the identity's principal id)", m.Name, m.ObjectID))
	}
	return errors.Join(errs...)
}

// ParseMembers reads members written as "name=objectId", comma-separated (DB_APP_MEMBERS); an
// empty string is none. Every problem is reported, naming the entry; a name given twice is one.
func ParseMembers(s string) ([]Member, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Member
	var errs []error
	seen := map[string]bool{}
	for i, entry := range strings.Split(s, ",") {
		name, oid, ok := strings.Cut(strings.TrimSpace(entry), "=")
		if !ok {
			errs = append(errs, fmt.Errorf("entry %d (%q) is not name=objectId", i+1, entry))
			continue
		}
		m := Member{Name: strings.TrimSpace(name), ObjectID: strings.TrimSpace(oid)}
		if err := m.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("entry %d: %w", i+1, err))
			continue
		}
		if seen[m.Name] {
			errs = append(errs, fmt.Errorf("entry %d: member %q is given twice", i+1, m.Name))
			continue
		}
		seen[m.Name] = true
		out = append(out, m)
	}
	return out, errors.Join(errs...)
}

// ensurePrincipals creates, for each member that is not yet a role, its Entra principal, from
// PrincipalDatabase on the server db connects to, with the same credentials:
// pgaadauth_create_principal_with_oid(name, objectId, 'service', false, false), a regular
// (not administrator), MFA-free service principal role. A role that exists is left as it is: its
// link to the principal is Azure's, made when it was created. Each call commits by itself;
// the group memberships are granted afterwards, in the migration's transaction.
func ensurePrincipals(ctx context.Context, db *pgxpool.Pool, members []Member) error {
	if len(members) == 0 {
		return nil
	}
	cfg := db.Config()
	cfg.ConnConfig.Database = PrincipalDatabase
	cfg.MaxConns = 1
	cfg.MinConns = 0
	cfg.MinIdleConns = 0
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("cannot open a connection to database %q to create the members' roles: %w", PrincipalDatabase, err)
	}
	defer p.Close()
	exists := func(name string) (bool, error) {
		var ok bool
		err := p.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&ok)
		return ok, err
	}
	for _, m := range members {
		ok, err := exists(m.Name)
		if err != nil {
			return fmt.Errorf("cannot read role %q: %w", m.Name, err)
		}
		if ok {
			continue
		}
		var created string
		if err := p.QueryRow(ctx, `SELECT * FROM pgaadauth_create_principal_with_oid($1::text, $2::text, 'service', false, false)`, m.Name, m.ObjectID).Scan(&created); err != nil {
			// Another migration may have created it meanwhile.
			if again, rerr := exists(m.Name); rerr == nil && again {
				continue
			}
			return fmt.Errorf("cannot create the Entra principal %q (object id %s) in database %q: %w", m.Name, m.ObjectID, PrincipalDatabase, err)
		}
	}
	return nil
}

// grantMembers makes each member a member of the group role, in tx. GRANT of a membership the
// member holds already changes nothing.
func grantMembers(ctx context.Context, tx pgx.Tx, group string, members []Member) error {
	for _, m := range members {
		var stmt string
		if err := tx.QueryRow(ctx, `SELECT format('GRANT %I TO %I', $1::text, $2::text)`, group, m.Name).Scan(&stmt); err != nil {
			return fmt.Errorf("cannot build the statement to grant %s to %s: %w", group, m.Name, err)
		}
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("cannot grant %s to %s: %w", group, m.Name, err)
		}
	}
	return nil
}
