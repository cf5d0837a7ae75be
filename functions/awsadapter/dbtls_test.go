package awsadapter_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nimbus-iac/nimbus/functions/awsadapter"
	"github.com/nimbus-iac/nimbus/functions/internal/rdsca"
	"github.com/nimbus-iac/nimbus/functions/internal/testenv"
	"github.com/nimbus-iac/nimbus/functions/postgres"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// serverCert issues a server certificate for the DNS names and the IP address 127.0.0.2 (not the
// 127.0.0.1 the test servers listen on).
func (ca testCA) serverCert(t *testing.T, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 2)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// TestDBVerifyFull connects to a real PostgreSQL serving TLS with a certificate for "localhost"
// (and 127.0.0.2) from a CA made here, in the functions' default sslmode, verify-full: with the CA
// given in DB_SSLROOTCERT it connects (over TLS); with only the system's and Amazon RDS's roots the
// CA is unknown; connecting to 127.0.0.1, which the certificate does not name, is a host name
// mismatch;
// and a certificate from another CA is refused even when the host matches.
func TestDBVerifyFull(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "nimbus test CA")
	certPEM, keyPEM := ca.serverCert(t, "localhost")
	pg := testenv.StartPostgresWith(t, testenv.PostgresOptions{TLSCert: certPEM, TLSKey: keyPEM})
	pg.CreateDatabase(t, "images")
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	otherFile := filepath.Join(dir, "other.pem")
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherFile, newTestCA(t, "some other CA").pem, 0o600); err != nil {
		t.Fatal(err)
	}
	secrets := &fakeSecrets{values: map[string]string{"arn:db": `{"username":"` + pg.User + `","password":"` + pg.Password + `"}`}}
	env := func(host, rootCert string) awsadapter.DBEnv {
		vars := map[string]string{"DB_HOST": host, "DB_PORT": itoa(pg.Port), "DB_NAME": "images", "DB_USER": pg.User,
			"DB_AUTH": "secret", "DB_SECRET_ARN": "arn:db", "DB_SSLROOTCERT": rootCert}
		e, err := awsadapter.LoadEnv("migrate", func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		if e.DB.SSLMode != "verify-full" {
			t.Fatalf("default DB_SSLMODE is %q, want verify-full", e.DB.SSLMode)
		}
		return e.DB
	}
	cases := map[string]struct {
		reason string
		db     awsadapter.DBEnv
		want   string // substring of the error; "" means it connects over TLS
	}{
		"TrustedCA":        {reason: "The CA from DB_SSLROOTCERT verifies the server, which is named localhost.", db: env("localhost", caFile)},
		"UnknownCA":        {reason: "Without the CA, the system's and RDS's roots do not verify it.", db: env("localhost", ""), want: "certificate signed by unknown authority"},
		"HostnameMismatch": {reason: "The certificate names localhost and 127.0.0.2, not the 127.0.0.1 connected to.", db: env("127.0.0.1", caFile), want: "certificate is valid for 127.0.0.2, not 127.0.0.1"},
		"OtherCA":          {reason: "A root from another CA does not verify it.", db: env("localhost", otherFile), want: "certificate signed by unknown authority"},
		"MissingFile":      {reason: "An unreadable DB_SSLROOTCERT is named.", db: env("localhost", filepath.Join(dir, "absent.pem")), want: "cannot read DB_SSLROOTCERT"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := postgres.NewPool(awsadapter.DBConfigFunc(tc.db, "us-east-1", testCreds, secrets))
			defer p.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var ssl bool
			db, err := p.Get(ctx)
			if err == nil {
				err = db.QueryRow(ctx, `SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl)
			}
			switch {
			case tc.want == "" && (err != nil || !ssl):
				t.Errorf("%s\nconnect: err = %v, TLS %v; want a TLS connection", tc.reason, err, ssl)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s\nconnect: err = %v, want one containing %q", tc.reason, err, tc.want)
			}
		})
	}
}

// TestRootCAs checks that verified connections trust Amazon RDS's roots, which the system's
// roots do not hold: a root of the bundle verifies against RootCAs but not the system pool.
func TestRootCAs(t *testing.T) {
	t.Parallel()
	block, _ := pem.Decode(rdsca.PEM())
	rdsRoot, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := awsadapter.RootCAs("")
	if err != nil {
		t.Fatal(err)
	}
	opts := func(p *x509.CertPool) x509.VerifyOptions {
		return x509.VerifyOptions{Roots: p, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	}
	if _, err := rdsRoot.Verify(opts(pool)); err != nil {
		t.Errorf("%s does not verify against RootCAs: %v", rdsRoot.Subject.CommonName, err)
	}
	if system, err := x509.SystemCertPool(); err == nil {
		if _, err := rdsRoot.Verify(opts(system)); err == nil {
			t.Errorf("%s verifies against the system roots alone; the test proves nothing here", rdsRoot.Subject.CommonName)
		}
	}
}
