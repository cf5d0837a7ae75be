package awsadapter

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nimbus-iac/nimbus/functions/internal/rdsca"
)

// DefaultSSLMode is DB_SSLMODE's default: the server's certificate must chain to a trusted root
// and name the host connected to.
const DefaultSSLMode = "verify-full"

// baseRoots are the roots every verified database connection trusts: the system's (on Lambda,
// the runtime's CA bundle; in the OCI images, the roots the image carries) and Amazon RDS's CA
// bundle (package rdsca), which signs the certificates of RDS instances reached directly. RDS
// Proxy presents ACM certificates, which chain to the public Amazon Root CAs among the system's.
// Built on first use (the first connection), never at start-up.
var baseRoots = sync.OnceValues(func() (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(rdsca.PEM()) {
		return nil, errors.New("the embedded Amazon RDS CA bundle holds no certificate")
	}
	return pool, nil
})

// RootCAs returns the roots verified database connections trust: baseRoots plus, when extraFile
// is not empty (DB_SSLROOTCERT), the PEM certificates of that file.
func RootCAs(extraFile string) (*x509.CertPool, error) {
	base, err := baseRoots()
	if err != nil {
		return nil, err
	}
	if extraFile == "" {
		return base, nil
	}
	pem, err := os.ReadFile(extraFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read DB_SSLROOTCERT %q: %w", extraFile, err)
	}
	pool := base.Clone()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("DB_SSLROOTCERT %q holds no PEM certificate", extraFile)
	}
	return pool, nil
}

// applyRoots makes every TLS configuration of cfg (pgx's, from sslmode) that has no roots of its
// own (no sslrootcert in a URL) trust RootCAs(extraFile). With verify-full pgx also checks the
// host name; with verify-ca only the chain; with require and prefer nothing is verified, whatever
// the roots.
func applyRoots(cfg *pgxpool.Config, extraFile string) error {
	configs := []*tls.Config{cfg.ConnConfig.TLSConfig}
	for _, fb := range cfg.ConnConfig.Fallbacks {
		configs = append(configs, fb.TLSConfig)
	}
	var pool *x509.CertPool
	for _, c := range configs {
		if c == nil || c.RootCAs != nil {
			continue
		}
		if pool == nil {
			var err error
			if pool, err = RootCAs(extraFile); err != nil {
				return err
			}
		}
		c.RootCAs = pool
	}
	return nil
}
