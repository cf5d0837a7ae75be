package gcp

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
)

// SQLLoginScope is the OAuth2 scope of a Cloud SQL IAM database login token.
const SQLLoginScope = "https://www.googleapis.com/auth/sqlservice.login"

const serviceAccountSuffix = ".gserviceaccount.com"

// IAMUser returns the database user of an IAM principal: a service account's email without
// ".gserviceaccount.com" (Cloud SQL's naming of CLOUD_IAM_SERVICE_ACCOUNT users), any other
// email as is.
func IAMUser(email string) string {
	return strings.TrimSuffix(email, serviceAccountSuffix)
}

// DefaultTokenSource returns Application Default Credentials' token source with SQLLoginScope
// (on Cloud Run: the service's service account, from the metadata server). It fetches nothing
// until the first Token.
func DefaultTokenSource(ctx context.Context) (oauth2.TokenSource, error) {
	ts, err := google.DefaultTokenSource(ctx, SQLLoginScope)
	if err != nil {
		return nil, fmt.Errorf("cannot find Application Default Credentials for Cloud SQL IAM authentication: %w", err)
	}
	return ts, nil
}

// UseIAMAuth makes every new connection of cfg log in with an OAuth2 access token from ts as its
// password, asked for in BeforeConnect (a token source caches a token until shortly before it
// expires, so a connection never gets a stale one). Any password in cfg is removed.
func UseIAMAuth(cfg *pgxpool.Config, ts oauth2.TokenSource) {
	cfg.ConnConfig.Password = ""
	before := cfg.BeforeConnect
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		if before != nil {
			if err := before(ctx, cc); err != nil {
				return err
			}
		}
		tok, err := ts.Token()
		if err != nil {
			return fmt.Errorf("cannot get an access token for Cloud SQL IAM authentication of %q: %w", cc.User, err)
		}
		if tok.AccessToken == "" {
			return fmt.Errorf("cannot authenticate %q to Cloud SQL: the token source gave an empty access token", cc.User)
		}
		cc.Password = tok.AccessToken
		return nil
	}
}
