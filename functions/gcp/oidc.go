package gcp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Google's OIDC issuer and the JWKS its ID tokens are signed with.
const (
	GoogleIssuer   = "https://accounts.google.com"
	GoogleJWKSURL  = "https://www.googleapis.com/oauth2/v3/certs"
	jwksGetTimeout = 10 * time.Second
)

// TokenVerifier checks the OIDC ID token of a push request with go-oidc: signature (keys from
// the issuer's JWKS, fetched on first use and cached), issuer, audience, expiry and, when Email
// is set, the verified email claim.
type TokenVerifier struct {
	verifier *oidc.IDTokenVerifier
	email    string
}

// NewGoogleTokenVerifier returns the verifier of Pub/Sub push tokens: issued by Google for
// audience, and for the service account email when email is not empty.
func NewGoogleTokenVerifier(audience, email string) *TokenVerifier {
	return NewTokenVerifier(GoogleIssuer, GoogleJWKSURL, audience, email)
}

// NewTokenVerifier returns a verifier of tokens from issuer whose keys are at jwksURL. It does
// no I/O: the keys are fetched when the first token is verified.
func NewTokenVerifier(issuer, jwksURL, audience, email string) *TokenVerifier {
	ctx := oidc.ClientContext(context.Background(), &http.Client{Timeout: jwksGetTimeout})
	keys := oidc.NewRemoteKeySet(ctx, jwksURL)
	return &TokenVerifier{
		verifier: oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: audience}),
		email:    email,
	}
}

// ErrForbidden is wrapped when a valid token names another identity than the allowed one.
var ErrForbidden = errors.New("token of another identity")

// Verify checks a raw ID token.
func (v *TokenVerifier) Verify(ctx context.Context, raw string) error {
	tok, err := v.verifier.Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("invalid OIDC token: %w", err)
	}
	if v.email == "" {
		return nil
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}
	if err := tok.Claims(&claims); err != nil {
		return fmt.Errorf("cannot read the OIDC token's claims: %w", err)
	}
	if !strings.EqualFold(claims.Email, v.email) || !claims.EmailVerified {
		return fmt.Errorf("%w: the token is for %q (email_verified %t), only %q may push", ErrForbidden, claims.Email, claims.EmailVerified, v.email)
	}
	return nil
}

// VerifyRequest checks r's "Authorization: Bearer" token and returns the status to answer on
// failure: 401 without a valid token, 403 for a valid token of another identity.
func (v *TokenVerifier) VerifyRequest(ctx context.Context, r *http.Request) (int, error) {
	scheme, raw, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
		return http.StatusUnauthorized, errors.New("the push has no Authorization: Bearer token (set the push subscription's OIDC token)")
	}
	if err := v.Verify(ctx, strings.TrimSpace(raw)); err != nil {
		if errors.Is(err, ErrForbidden) {
			return http.StatusForbidden, err
		}
		return http.StatusUnauthorized, err
	}
	return 0, nil
}
