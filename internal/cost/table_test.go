package cost

import (
	"strings"
	"testing"
)

const validTable = `
asOf: "2026-12-02"
currency: USD
prices:
  - id: aws/eu-west-1/kms/key-month
    what: KMS customer managed key
    unit: key-month
    usd: 1
    floor: true
    source: https://aws.amazon.com/kms/pricing/
    verified: true
    evidence: seen
sizes:
  - name: aws/rds/db.t4g.micro
    vcpu: 2
    memoryGiB: 1
    source: https://aws.amazon.com/rds/instance-types/
`

func TestParseRejects(t *testing.T) {
	cases := map[string]struct{ from, to, want string }{
		"unknown field":  {"    verified: true\n", "    verifed: true\n", "field verifed not found"},
		"bad id":         {"id: aws/eu-west-1/kms/key-month", "id: aws/eu-west-1/key-month", "id must be cloud/region/service/meter"},
		"negative":       {"usd: 1", "usd: -1", "usd must be 0 or more, got -1"},
		"http source":    {"source: https://aws.amazon.com/kms/pricing/", "source: http://aws.amazon.com/kms/pricing/", "source must be the https address"},
		"no unit":        {"unit: key-month", "unit: \"\"", "what and unit are required"},
		"bad date":       {`asOf: "2026-12-02"`, `asOf: "December 2026"`, `asOf must be a date YYYY-MM-DD, got "December 2026"`},
		"currency":       {"currency: USD", "currency: EUR", `currency must be USD, got "EUR"`},
		"no evidence":    {"    verified: true\n    evidence: seen\n", "    verified: false\n", "an unverified figure needs evidence"},
		"size no memory": {"memoryGiB: 1", "memoryGiB: 0", "vcpu and memoryGiB must be above 0"},
	}
	if _, err := Parse([]byte(validTable)); err != nil {
		t.Fatalf("the valid table is refused: %v", err)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			bad := strings.Replace(validTable, c.from, c.to, 1)
			if bad == validTable {
				t.Fatalf("the case does not change the table: %q not found", c.from)
			}
			_, err := Parse([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, c.want)
			}
		})
	}
	dup := strings.Replace(validTable, "sizes:", validTable[strings.Index(validTable, "  - id:"):strings.Index(validTable, "sizes:")]+"sizes:", 1)
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), "id is listed twice") {
		t.Fatalf("a duplicate id: err = %v", err)
	}
}

// TestEstimateNeverZero: what the table cannot price is listed with why, never counted as free.
func TestEstimateNeverZero(t *testing.T) {
	tab, err := Parse([]byte(validTable))
	if err != nil {
		t.Fatal(err)
	}
	rs := []Resource{
		{URN: "urn:a", Type: "aws:kms/key:Key", Name: "k", Custom: true},
		{URN: "urn:b", Type: "aws:made/up:Thing", Name: "t", Custom: true},
		{URN: "urn:c", Type: "aws:secretsmanager/secret:Secret", Name: "s", Custom: true},
		{URN: "urn:d", Type: "nimbus:bucket:Bucket", Name: "component"},
		{URN: "urn:e", Type: "aws:iam/role:Role", Name: "r", Custom: true},
	}
	rep := Estimate(tab, "aws", "eu-west-1", rs)
	if rep.Monthly != 1 || len(rep.Resources) != 1 || rep.Resources[0].URN != "urn:a" {
		t.Errorf("floor = %v over %+v, want $1 of the key alone", rep.Monthly, rep.Resources)
	}
	want := map[string]string{
		"aws:made/up:Thing":                "the price table has no model for this type",
		"aws:secretsmanager/secret:Secret": "the price table (as of 2026-12-02) has no aws/eu-west-1/secretsmanager/secret-month",
		"aws:iam/role:Role":                "the price table (as of 2026-12-02) has no aws/eu-west-1/iam/no-charge",
	}
	got := map[string]string{}
	for _, u := range rep.Unpriced {
		got[u.Type] = u.Reason
	}
	for typ, reason := range want {
		if got[typ] != reason {
			t.Errorf("unpriced %s: reason %q, want %q", typ, got[typ], reason)
		}
	}
	if rep.UnpricedCount() != 3 {
		t.Errorf("unpriced count %d, want 3", rep.UnpricedCount())
	}
	other := Estimate(tab, "aws", "us-east-1", rs[:1])
	if other.Monthly != 0 || other.UnpricedCount() != 1 || !strings.Contains(other.Unpriced[0].Reason, "aws/us-east-1/kms/key-month") {
		t.Errorf("a region the table lacks: %+v, want the key unpriced naming aws/us-east-1/kms/key-month", other)
	}
	k8s := Estimate(tab, "kubernetes", "", []Resource{{URN: "urn:k", Type: "kubernetes:core/v1:Namespace", Custom: true}})
	if k8s.UnpricedCount() != 1 || !strings.Contains(k8s.Unpriced[0].Reason, "Kubernetes cluster") {
		t.Errorf("kubernetes: %+v, want unpriced on the cluster", k8s.Unpriced)
	}
}

func TestQuantities(t *testing.T) {
	for in, want := range map[string]float64{"1": 1, "0.5": 0.5, "500m": 0.5, "2000m": 2} {
		if got, err := cpuQuantity(in); err != nil || got != want {
			t.Errorf("cpuQuantity(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]float64{"512Mi": 0.5, "1Gi": 1, "0.5Gi": 0.5, "2Gi": 2, "1024Mi": 1} {
		if got, err := memoryGiB(in); err != nil || got != want {
			t.Errorf("memoryGiB(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := memoryGiB("lots"); err == nil {
		t.Error(`memoryGiB("lots") succeeded`)
	}
}
