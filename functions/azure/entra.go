package azure

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresScope is the scope of a Microsoft Entra ID access token that logs in to Azure
// Database for PostgreSQL.
const PostgresScope = "https://ossrdbms-aad.database.windows.net/.default"

// ClientIDEnv names the variable holding the client id of the user-assigned managed identity
// the Container App runs as (Container Apps sets none by itself; the stack does).
const ClientIDEnv = "AZURE_CLIENT_ID"

// TokenTimeout bounds one token request made for a new database connection.
const TokenTimeout = 10 * time.Second

// UseEntraAuth makes every new connection of cfg log in with a Microsoft Entra ID access token
// for PostgresScope from cred as its password, asked for in BeforeConnect (azidentity's
// credentials cache a token until shortly before it expires, so a connection never gets a stale
// one, and most connections cost no request). Any password in cfg is removed. The user is the
// database role of the Entra principal (for a managed identity, the name it was added with by
// pgaadauth_create_principal).
func UseEntraAuth(cfg *pgxpool.Config, cred azcore.TokenCredential) {
	cfg.ConnConfig.Password = ""
	before := cfg.BeforeConnect
	cfg.BeforeConnect = func(ctx context.Context, cc *pgx.ConnConfig) error {
		if before != nil {
			if err := before(ctx, cc); err != nil {
				return err
			}
		}
		tctx, cancel := context.WithTimeout(ctx, TokenTimeout)
		defer cancel()
		tok, err := cred.GetToken(tctx, policy.TokenRequestOptions{Scopes: []string{PostgresScope}})
		if err != nil {
			return fmt.Errorf("cannot get a Microsoft Entra ID token (scope %s) for database user %q: %w", PostgresScope, cc.User, err)
		}
		if tok.Token == "" {
			return fmt.Errorf("cannot authenticate database user %q with Microsoft Entra ID: the credential gave an empty token", cc.User)
		}
		cc.Password = tok.Token
		return nil
	}
}

// ManagedIdentity is the token credential of the Container App's managed identity: the
// user-assigned one whose client id is in AZURE_CLIENT_ID, or the system-assigned one when it is
// unset. It is made on the first GetToken, so making it does no I/O and an error (no managed
// identity endpoint) comes with the first token request, when the pool opens or the first blob or
// message is sent.
type ManagedIdentity struct {
	once sync.Once
	cred azcore.TokenCredential
	err  error
}

var _ azcore.TokenCredential = (*ManagedIdentity)(nil)

// GetToken implements azcore.TokenCredential.
func (m *ManagedIdentity) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	m.once.Do(func() {
		var o azidentity.ManagedIdentityCredentialOptions
		if id := os.Getenv(ClientIDEnv); id != "" {
			o.ID = azidentity.ClientID(id)
		}
		m.cred, m.err = azidentity.NewManagedIdentityCredential(&o)
		if m.err != nil {
			m.err = fmt.Errorf("cannot use the managed identity (%s %q): %w", ClientIDEnv, os.Getenv(ClientIDEnv), m.err)
		}
	})
	if m.err != nil {
		return azcore.AccessToken{}, m.err
	}
	return m.cred.GetToken(ctx, opts)
}
