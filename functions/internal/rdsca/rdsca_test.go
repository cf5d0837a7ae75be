package rdsca_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/functions/internal/rdsca"
)

// TestBundle pins the embedded bundle: it parses, holds exactly the certificates it held when
// vendored (the digest of their DER bytes in order), three self-signed Amazon RDS roots per
// region, every one valid on the bundle's date and today.
func TestBundle(t *testing.T) {
	t.Parallel()
	date, err := time.Parse(time.DateOnly, rdsca.BundleDate)
	if err != nil {
		t.Fatal(err)
	}
	rest := rdsca.PEM()
	var certs []*x509.Certificate
	digest := sha256.New()
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			t.Fatalf("PEM block of type %q in the bundle", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("certificate %d does not parse: %v", len(certs), err)
		}
		digest.Write(block.Bytes)
		certs = append(certs, c)
	}
	if strings.TrimSpace(string(rest)) != "" {
		t.Errorf("%d bytes after the last certificate", len(rest))
	}
	regions := map[string][]string{}
	for _, c := range certs {
		cn := c.Subject.CommonName
		region, kind, ok := strings.Cut(strings.TrimPrefix(cn, "Amazon RDS "), " Root CA ")
		if !ok || c.Subject.String() != c.Issuer.String() || !c.IsCA || c.CheckSignatureFrom(c) != nil ||
			!slices.Equal(c.Subject.Organization, []string{"Amazon Web Services, Inc."}) || !slices.Equal(c.Subject.OrganizationalUnit, []string{"Amazon RDS"}) {
			t.Errorf("%q is not a self-signed Amazon RDS root CA", c.Subject)
			continue
		}
		regions[region] = append(regions[region], kind)
		for name, at := range map[string]time.Time{"the bundle's date": date, "today": time.Now()} {
			if at.Before(c.NotBefore) || at.After(c.NotAfter) {
				t.Errorf("%q is not valid on %s (%s): valid %s to %s", cn, name, at.Format(time.DateOnly), c.NotBefore, c.NotAfter)
			}
		}
	}
	got := map[string]any{"certificates": len(certs), "regions": len(regions), "digest": hex.EncodeToString(digest.Sum(nil))}
	want := map[string]any{"certificates": 102, "regions": 34, "digest": "e8d53555eb864bf98319d7c986afcaf05e81538e62447f730821aee0f2da3404"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bundle -want +got:\n%s", diff)
	}
	for region, kinds := range regions {
		slices.Sort(kinds)
		if diff := cmp.Diff([]string{"ECC384 G1", "RSA2048 G1", "RSA4096 G1"}, kinds); diff != "" {
			t.Errorf("roots of %s: -want +got:\n%s", region, diff)
		}
	}
	for _, r := range []string{"us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-7", "mx-central-1"} {
		if _, ok := regions[r]; !ok {
			t.Errorf("no roots for %s", r)
		}
	}
}
