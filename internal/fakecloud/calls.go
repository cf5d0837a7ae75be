package fakecloud

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"slices"
	"sort"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// call answers one invoke token.
type call func(r *Request) (resource.PropertyMap, error)

// calls is the table of invoke models, keyed by token.
var calls = map[string]call{
	"aws:index/getRegion:getRegion":                       getRegion,
	"aws:index/getCallerIdentity:getCallerIdentity":       getCallerIdentity,
	"aws:index/getPartition:getPartition":                 getPartition,
	"aws:index/getAvailabilityZones:getAvailabilityZones": getAvailabilityZones,
	"aws:iam/getPolicyDocument:getPolicyDocument":         getPolicyDocument,
}

// regionNames are the descriptions getRegion reports.
var regionNames = map[string]string{
	"us-east-1":    "US East (N. Virginia)",
	"us-east-2":    "US East (Ohio)",
	"us-west-1":    "US West (N. California)",
	"us-west-2":    "US West (Oregon)",
	"eu-west-1":    "Europe (Ireland)",
	"eu-central-1": "Europe (Frankfurt)",
}

func getRegion(r *Request) (resource.PropertyMap, error) {
	region := r.Region
	if n := r.Str("name"); n != "" {
		region = n
	}
	desc := regionNames[region]
	if desc == "" {
		desc = region
	}
	return props(map[string]any{
		"name":        region,
		"id":          region,
		"description": desc,
		"endpoint":    "ec2." + region + ".amazonaws.com",
	}), nil
}

func getCallerIdentity(r *Request) (resource.PropertyMap, error) {
	return props(map[string]any{
		"accountId": r.Account,
		"arn":       fmt.Sprintf("arn:aws:iam::%s:user/nimbus-plan", r.Account),
		"id":        r.Account,
		"userId":    "AIDAFAKECLOUDPLACEHOLD",
	}), nil
}

func getPartition(*Request) (resource.PropertyMap, error) {
	return props(map[string]any{
		"partition":        "aws",
		"id":               "aws",
		"dnsSuffix":        "amazonaws.com",
		"reverseDnsPrefix": "com.amazonaws",
	}), nil
}

func getAvailabilityZones(r *Request) (resource.PropertyMap, error) {
	var names, ids []string
	for _, s := range []string{"a", "b", "c"} {
		names = append(names, r.Region+s)
		ids = append(ids, zoneID(r.Region, r.Region+s))
	}
	state := r.Str("state")
	return props(map[string]any{
		"id":         r.Region,
		"names":      names,
		"zoneIds":    ids,
		"groupNames": []string{r.Region},
		"state":      state,
	}), nil
}

// policyDoc and policyStatement mirror the Terraform AWS provider's
// IAMPolicyDoc, so the JSON has the provider's key order and shapes.
type policyDoc struct {
	Version    string             `json:",omitempty"`
	ID         string             `json:"Id,omitempty"`
	Statements []*policyStatement `json:"Statement"`
}

type policyStatement struct {
	Sid          string                    `json:",omitempty"`
	Effect       string                    `json:",omitempty"`
	Actions      any                       `json:"Action,omitempty"`
	NotActions   any                       `json:"NotAction,omitempty"`
	Resources    any                       `json:"Resource,omitempty"`
	NotResources any                       `json:"NotResource,omitempty"`
	Principals   any                       `json:"Principal,omitempty"`
	NotPrincipal any                       `json:"NotPrincipal,omitempty"`
	Conditions   map[string]map[string]any `json:"Condition,omitempty"`
}

// stringList renders a set of strings as the provider does: one value as a
// string, several deduplicated and sorted in reverse order.
func stringList(v resource.PropertyValue) any {
	v = unwrap(v)
	if !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		out = append(out, str(e))
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	out = slices.Compact(out)
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	default:
		return out
	}
}

func principals(v resource.PropertyValue) any {
	v = unwrap(v)
	if !v.IsArray() || len(v.ArrayValue()) == 0 {
		return nil
	}
	byType := map[string][]resource.PropertyValue{}
	for _, p := range v.ArrayValue() {
		p = unwrap(p)
		if !p.IsObject() {
			continue
		}
		typ := str(p.ObjectValue()["type"])
		if ids := unwrap(p.ObjectValue()["identifiers"]); ids.IsArray() {
			byType[typ] = append(byType[typ], ids.ArrayValue()...)
		}
	}
	if ids, ok := byType["*"]; ok && len(byType) == 1 {
		if l := stringList(resource.NewProperty(ids)); l == "*" {
			return "*"
		}
	}
	out := map[string]any{}
	for typ, ids := range byType {
		out[typ] = stringList(resource.NewProperty(ids))
	}
	return out
}

func conditions(v resource.PropertyValue) map[string]map[string]any {
	v = unwrap(v)
	if !v.IsArray() || len(v.ArrayValue()) == 0 {
		return nil
	}
	out := map[string]map[string]any{}
	for _, c := range v.ArrayValue() {
		c = unwrap(c)
		if !c.IsObject() {
			continue
		}
		m := c.ObjectValue()
		test, variable := str(m["test"]), str(m["variable"])
		if out[test] == nil {
			out[test] = map[string]any{}
		}
		out[test][variable] = stringList(m["values"])
	}
	return out
}

func statementFrom(v resource.PropertyValue) *policyStatement {
	m := unwrap(v).ObjectValue()
	effect := str(m["effect"])
	if effect == "" {
		effect = "Allow"
	}
	return &policyStatement{
		Sid:          str(m["sid"]),
		Effect:       effect,
		Actions:      stringList(m["actions"]),
		NotActions:   stringList(m["notActions"]),
		Resources:    stringList(m["resources"]),
		NotResources: stringList(m["notResources"]),
		Principals:   principals(m["principals"]),
		NotPrincipal: principals(m["notPrincipals"]),
		Conditions:   conditions(m["conditions"]),
	}
}

// mergeStatements adds statements to a document; a statement with the Sid of
// an existing one replaces it, as sourcePolicyDocuments and
// overridePolicyDocuments do.
func mergeStatements(doc *policyDoc, stmts []*policyStatement) {
	for _, s := range stmts {
		replaced := false
		if s.Sid != "" {
			for i, old := range doc.Statements {
				if old.Sid == s.Sid {
					doc.Statements[i], replaced = s, true
					break
				}
			}
		}
		if !replaced {
			doc.Statements = append(doc.Statements, s)
		}
	}
}

func parseDocs(v resource.PropertyValue) ([]*policyStatement, error) {
	v = unwrap(v)
	if !v.IsArray() {
		return nil, nil
	}
	var out []*policyStatement
	for _, d := range v.ArrayValue() {
		var doc struct {
			Statement json.RawMessage
		}
		if err := json.Unmarshal([]byte(str(d)), &doc); err != nil {
			return nil, fmt.Errorf("cannot parse policy document: %w", err)
		}
		var stmts []*policyStatement
		if len(doc.Statement) > 0 && doc.Statement[0] == '{' {
			var s policyStatement
			if err := json.Unmarshal(doc.Statement, &s); err != nil {
				return nil, fmt.Errorf("cannot parse policy statement: %w", err)
			}
			stmts = []*policyStatement{&s}
		} else if err := json.Unmarshal(doc.Statement, &stmts); err != nil {
			return nil, fmt.Errorf("cannot parse policy statements: %w", err)
		}
		out = append(out, stmts...)
	}
	return out, nil
}

func getPolicyDocument(r *Request) (resource.PropertyMap, error) {
	version := r.Str("version")
	if version == "" {
		version = "2012-10-17"
	}
	doc := &policyDoc{Version: version, ID: r.Str("policyId"), Statements: []*policyStatement{}}
	source, err := parseDocs(r.Inputs["sourcePolicyDocuments"])
	if err != nil {
		return nil, err
	}
	mergeStatements(doc, source)
	var own []*policyStatement
	if s := unwrap(r.Inputs["statements"]); s.IsArray() {
		for _, st := range s.ArrayValue() {
			if unwrap(st).IsObject() {
				own = append(own, statementFrom(st))
			}
		}
	}
	mergeStatements(doc, own)
	override, err := parseDocs(r.Inputs["overridePolicyDocuments"])
	if err != nil {
		return nil, err
	}
	mergeStatements(doc, override)

	pretty, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cannot render policy document: %w", err)
	}
	minified, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("cannot render policy document: %w", err)
	}
	out := props(map[string]any{
		"id":           strconv.FormatUint(uint64(crc32.ChecksumIEEE(pretty)), 10),
		"json":         string(pretty),
		"minifiedJson": string(minified),
		"version":      version,
	})
	if s, ok := r.Inputs["statements"]; ok {
		out["statements"] = s
	}
	return out, nil
}
