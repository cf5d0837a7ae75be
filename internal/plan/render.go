package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/cost"
	"github.com/nimbus-iac/nimbus/internal/guardrails"
)

// Formats are the output formats Render knows.
var Formats = []string{"text", "json", "markdown", "mermaid"}

// Render writes the plan in a format.
func Render(w io.Writer, p *Plan, format string) error {
	switch format {
	case "json":
		return renderJSON(w, p)
	case "text":
		s := Text(p)
		if p.Diff != nil {
			s = DiffText(p.Diff) + "\n" + s
		}
		_, err := io.WriteString(w, s)
		return err
	case "markdown":
		_, err := io.WriteString(w, Markdown(p))
		return err
	case "mermaid":
		_, err := io.WriteString(w, Mermaid(p))
		return err
	default:
		return configErrorf("unknown format %q: use one of %s", format, strings.Join(Formats, ", "))
	}
}

func renderJSON(w io.Writer, p *Plan) error {
	doc := struct {
		Project    string                 `json:"project"`
		Stack      string                 `json:"stack"`
		Cloud      string                 `json:"cloud"`
		Region     string                 `json:"region"`
		Resources  []Resource             `json:"resources"`
		Outputs    map[string]any         `json:"outputs"`
		Violations []guardrails.Violation `json:"violations"`
		Generic    map[string]int         `json:"generic"`
		Cost       *cost.Report           `json:"cost,omitempty"`
		Diff       *Diff                  `json:"diff,omitempty"`
	}{p.Project, p.Stack, p.Cloud, p.Region, p.Resources, p.Outputs, p.Violations, p.Generic, p.Cost, p.Diff}
	if doc.Resources == nil {
		doc.Resources = []Resource{}
	}
	if doc.Outputs == nil {
		doc.Outputs = map[string]any{}
	}
	if doc.Violations == nil {
		doc.Violations = []guardrails.Violation{}
	}
	if doc.Generic == nil {
		doc.Generic = map[string]int{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("cannot render plan as JSON: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// settings are the properties the text tree shows per type: what a reviewer
// checks, not everything.
var settings = map[string][]string{
	"aws:lambda/function:Function": {"name", "runtime", "architectures", "memorySize", "timeout", "reservedConcurrentExecutions", "sourceCodeHash", "vpcConfig.subnetIds"},
	"aws:lambda/alias:Alias":       {"name", "functionVersion"},
	"aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": {"qualifier", "provisionedConcurrentExecutions"},
	"aws:lambda/eventSourceMapping:EventSourceMapping":                     {"functionName", "eventSourceArn", "batchSize", "scalingConfig.maximumConcurrency"},
	"aws:lambda/permission:Permission":                                     {"principal", "qualifier", "sourceArn"},
	"aws:lambda/invocation:Invocation":                                     {"qualifier", "input"},
	"aws:iam/role:Role":                                                    {"name"},
	"aws:iam/rolePolicy:RolePolicy":                                        {"policy"},
	"aws:cloudwatch/logGroup:LogGroup":                                     {"name", "retentionInDays"},
	"aws:cloudwatch/metricAlarm:MetricAlarm":                               {"metricName", "dimensions", "threshold"},
	"aws:appautoscaling/target:Target":                                     {"resourceId", "minCapacity", "maxCapacity"},
	"aws:appautoscaling/policy:Policy":                                     {"policyType", "targetTrackingScalingPolicyConfiguration.targetValue"},
	"aws:apigatewayv2/api:Api":                                             {"protocolType", "apiEndpoint"},
	"aws:apigatewayv2/integration:Integration":                             {"integrationType", "integrationUri"},
	"aws:apigatewayv2/route:Route":                                         {"routeKey", "target"},
	"aws:apigatewayv2/stage:Stage":                                         {"name", "invokeUrl", "defaultRouteSettings.throttlingRateLimit", "defaultRouteSettings.throttlingBurstLimit"},
	"aws:sqs/queue:Queue":                                                  {"name", "visibilityTimeoutSeconds", "messageRetentionSeconds", "redrivePolicy"},
	"aws:sqs/redriveAllowPolicy:RedriveAllowPolicy":                        {"redriveAllowPolicy"},
	"aws:s3/bucketV2:BucketV2":                                             {"bucket", "forceDestroy"},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock":               {"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"},
	"aws:ec2/vpc:Vpc":                                                      {"cidrBlock"},
	"aws:ec2/subnet:Subnet":                                                {"cidrBlock", "availabilityZone"},
	"aws:ec2/securityGroup:SecurityGroup":                                  {"name"},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":            {"fromPort", "referencedSecurityGroupId", "cidrIpv4"},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":              {"toPort", "referencedSecurityGroupId", "prefixListId", "cidrIpv4"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                                      {"serviceName", "vpcEndpointType"},
	"aws:rds/instance:Instance":                                            {"engine", "engineVersion", "instanceClass", "allocatedStorage", "multiAz", "publiclyAccessible", "storageEncrypted", "deletionProtection", "backupRetentionPeriod"},
	"aws:rds/proxy:Proxy":                                                  {"engineFamily", "requireTls", "endpoint"},
	"aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup":              {"connectionPoolConfig.maxConnectionsPercent", "connectionPoolConfig.maxIdleConnectionsPercent"},
	"aws:rds/proxyTarget:ProxyTarget":                                      {"dbInstanceIdentifier"},
	"aws:secretsmanager/secret:Secret":                                     {"name"},
	"aws:kms/key:Key":                                                      {"description"},
}

// lookup returns the value at a dotted path.
func lookup(m map[string]any, path string) (any, bool) {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[k]; !ok {
			return nil, false
		}
	}
	return v, true
}

// short formats a value on one line, at most n characters.
func short(v any, n int) string {
	var s string
	switch t := v.(type) {
	case string:
		s = t
		if strings.ContainsAny(s, " \t") {
			s = fmt.Sprintf("%q", s)
		}
	case float64:
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case nil:
		s = "null"
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(t)
		s = strings.TrimSpace(buf.String())
	}
	if len(s) > n && n > 1 {
		s = s[:n-1] + "…"
	}
	return s
}

// summary formats a resource's settings.
func summary(r Resource) string {
	keys := settings[r.Type]
	var parts []string
	src := r.Outputs
	if src == nil {
		src = r.Inputs
	}
	for _, k := range keys {
		v, ok := lookup(src, k)
		if !ok || v == nil {
			continue
		}
		if k == "policy" {
			parts = append(parts, "actions="+policyActions(v))
			continue
		}
		parts = append(parts, k+"="+short(v, 90))
	}
	if r.Generic {
		parts = append(parts, "(generic model)")
	}
	return strings.Join(parts, " ")
}

// policyActions lists the actions of a policy document, for the tree.
func policyActions(v any) string {
	s, ok := v.(string)
	if !ok {
		return short(v, 90)
	}
	var doc struct{ Statement []struct{ Action any } }
	if json.Unmarshal([]byte(s), &doc) != nil {
		return short(v, 90)
	}
	seen := map[string]bool{}
	var out []string
	for _, st := range doc.Statement {
		var acts []string
		switch a := st.Action.(type) {
		case string:
			acts = []string{a}
		case []any:
			for _, e := range a {
				acts = append(acts, fmt.Sprint(e))
			}
		}
		for _, a := range acts {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	return strings.Join(out, ",")
}

// treeLines renders the resources as pulumi preview's tree, children
// sorted by URN.
func treeLines(p *Plan) []string {
	children := map[string][]Resource{}
	var roots []Resource
	known := map[string]bool{}
	for _, r := range p.Resources {
		known[r.URN] = true
	}
	for _, r := range p.Resources {
		if r.Parent != "" && known[r.Parent] {
			children[r.Parent] = append(children[r.Parent], r)
		} else if r.Type == "pulumi:pulumi:Stack" {
			roots = append([]Resource{r}, roots...)
		} else {
			roots = append(roots, r)
		}
	}
	// Default providers belong under the stack in pulumi preview's tree.
	if len(roots) > 1 && roots[0].Type == "pulumi:pulumi:Stack" {
		children[roots[0].URN] = append(children[roots[0].URN], roots[1:]...)
		roots = roots[:1]
	}
	for k := range children {
		sort.Slice(children[k], func(i, j int) bool { return children[k][i].URN < children[k][j].URN })
	}
	type row struct{ prefix, typ, name, settings string }
	var rows []row
	var walk func(r Resource, indent string, last bool, depth int)
	walk = func(r Resource, indent string, last bool, depth int) {
		branch := ""
		next := indent
		if depth > 0 {
			if last {
				branch, next = indent+"└─ ", indent+"   "
			} else {
				branch, next = indent+"├─ ", indent+"│  "
			}
		}
		rows = append(rows, row{branch, r.Type, r.Name, summary(r)})
		kids := children[r.URN]
		for i, c := range kids {
			walk(c, next, i == len(kids)-1, depth+1)
		}
	}
	for _, r := range roots {
		walk(r, "", true, 0)
	}
	width := 0
	for _, r := range rows {
		if n := len([]rune(r.prefix + r.typ)); n > width {
			width = n
		}
	}
	nameWidth := 0
	for _, r := range rows {
		if len(r.name) > nameWidth {
			nameWidth = len(r.name)
		}
	}
	lines := []string{strings.TrimRight(fmt.Sprintf("    %-*s  %-*s  %s", width, "Type", nameWidth, "Name", "Settings"), " ")}
	for _, r := range rows {
		col := r.prefix + r.typ
		pad := width - len([]rune(col))
		lines = append(lines, strings.TrimRight(fmt.Sprintf(" +  %s%s  %-*s  %s", col, strings.Repeat(" ", pad), nameWidth, r.name, r.settings), " "))
	}
	return lines
}

func header(p *Plan) string {
	custom, comps := p.Count()
	env := "dev"
	if p.Production {
		env = "production"
	}
	return fmt.Sprintf("Plan of stack %s (project %s, cloud %s, region %s, %s): %d resources to create (%d cloud resources, %d components); %d used the generic model",
		p.Stack, p.Project, p.Cloud, p.Region, env, custom+comps, custom, comps, p.GenericCount())
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func counts(vs []guardrails.Violation) (errs, warns int) {
	for _, v := range vs {
		if v.Severity == guardrails.Error {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// Text renders the plan for a terminal.
func Text(p *Plan) string {
	var b strings.Builder
	b.WriteString(header(p) + "\n\n")
	for _, l := range treeLines(p) {
		b.WriteString(l + "\n")
	}
	if len(p.Outputs) > 0 {
		b.WriteString("\nOutputs:\n")
		keys := sortedKeys(p.Outputs)
		w := 0
		for _, k := range keys {
			w = max(w, len(k))
		}
		for _, k := range keys {
			fmt.Fprintf(&b, "    %-*s: %s\n", w, k, short(p.Outputs[k], 200))
		}
	}
	if g := p.GenericCount(); g > 0 {
		fmt.Fprintf(&b, "\nGeneric model: %d resources of types without a fake-cloud model:\n", g)
		for _, t := range sortedKeys(p.Generic) {
			fmt.Fprintf(&b, "    %s: %d\n", t, p.Generic[t])
		}
	}
	if p.Cost != nil {
		b.WriteString(costText(p.Cost))
	}
	errs, warns := counts(p.Violations)
	fmt.Fprintf(&b, "\nGuardrails: %d errors, %d warnings\n", errs, warns)
	for _, v := range p.Violations {
		fmt.Fprintf(&b, "    %-7s %s: %s\n      at %s (%s)\n", v.Severity, v.Rule, v.Message, v.URN, v.Property)
	}
	if len(p.Unchecked) > 0 {
		fmt.Fprintf(&b, "    not checked on %s (no check for this cloud yet): %s\n", p.Cloud, strings.Join(p.Unchecked, ", "))
	}
	for _, na := range p.NotApplicable {
		fmt.Fprintf(&b, "    not applicable on %s: %s (%s)\n", p.Cloud, na.Rule, na.Reason)
	}
	return b.String()
}
