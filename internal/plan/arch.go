package plan

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// The architecture graph: the service's building blocks and how they are
// wired, found from the real identifiers the fake cloud computed (an
// environment variable holding a queue URL, a policy naming a bucket ARN, a
// mapping naming an alias ARN), not from names.

type archNode struct {
	id, kind, name, urn string
}

type archEdge struct {
	from, to, label string
	dashed          bool
}

// archKinds maps resource types to architecture node kinds.
var archKinds = map[string]string{
	"aws:apigatewayv2/api:Api":         "http",
	"aws:lambda/function:Function":     "function",
	"aws:sqs/queue:Queue":              "queue",
	"aws:s3/bucketV2:BucketV2":         "bucket",
	"aws:rds/proxy:Proxy":              "pooler",
	"aws:rds/instance:Instance":        "database",
	"aws:secretsmanager/secret:Secret": "secret",
}

var nodeID = regexp.MustCompile(`[^A-Za-z0-9]+`)

func str(m map[string]any, path string) string {
	v, _ := lookup(m, path)
	s, _ := v.(string)
	return s
}

// architecture extracts the graph from the plan.
func architecture(p *Plan) ([]archNode, []archEdge) {
	nodes := map[string]archNode{} // by URN
	ident := map[string]string{}   // identifier (ARN, URL, endpoint, name) -> URN
	for _, r := range p.Resources {
		kind, ok := archKinds[r.Type]
		if !ok {
			continue
		}
		nodes[r.URN] = archNode{id: kind + "_" + nodeID.ReplaceAllString(r.Name, "_"), kind: kind, name: r.Name, urn: r.URN}
		for _, k := range []string{"arn", "url", "endpoint", "address", "bucket", "name", "identifier"} {
			if s := str(r.Outputs, k); s != "" {
				ident[s] = r.URN
			}
		}
		if r.Type == "aws:sqs/queue:Queue" {
			ident[r.ID] = r.URN
		}
		// RDS's managed master user secret belongs to the database.
		if v, ok := lookup(r.Outputs, "masterUserSecrets"); ok {
			if l, ok := v.([]any); ok && len(l) > 0 {
				if m, ok := l[0].(map[string]any); ok {
					if arn, ok := m["secretArn"].(string); ok {
						ident[arn] = r.URN
					}
				}
			}
		}
	}
	// resolve finds the node a value names: exactly, or as an ARN prefix
	// (a bucket ARN in arn:aws:s3:::b/originals/*, a proxy in a dbuser ARN).
	resolve := func(v string) string {
		if u, ok := ident[v]; ok {
			return u
		}
		for id, u := range ident {
			if strings.HasPrefix(id, "arn:") && strings.HasPrefix(v, id+"/") {
				return u
			}
		}
		if strings.HasPrefix(v, "arn:aws:rds-db:") {
			// arn:aws:rds-db:R:A:dbuser:prx-ID/USER names the proxy by its id.
			if i := strings.Index(v, ":dbuser:"); i >= 0 {
				res, _, _ := strings.Cut(v[i+len(":dbuser:"):], "/")
				for id, u := range ident {
					if strings.HasSuffix(id, ":"+res) || strings.HasSuffix(id, "db-proxy:"+res) {
						return u
					}
				}
			}
		}
		return ""
	}
	fnByName := map[string]string{}
	for urn, n := range nodes {
		if n.kind == "function" {
			for _, r := range p.Resources {
				if r.URN == urn {
					fnByName[str(r.Outputs, "name")] = urn
				}
			}
		}
	}
	fnOf := func(ref string) string { return fnByName[parseFunction(ref)] }

	edges := map[archEdge]bool{}
	add := func(from, to, label string, dashed bool) {
		if from == "" || to == "" || from == to {
			return
		}
		if _, ok := nodes[from]; !ok {
			return
		}
		if _, ok := nodes[to]; !ok {
			return
		}
		edges[archEdge{from: from, to: to, label: label, dashed: dashed}] = true
	}

	// Which role each function runs as, and each role's policy documents.
	roleOfFn := map[string]string{} // role ARN -> function URN
	policiesOf := map[string][]string{}
	roleArnByName := map[string]string{}
	for _, r := range p.Resources {
		switch r.Type {
		case "aws:lambda/function:Function":
			roleOfFn[str(r.Outputs, "role")] = r.URN
		case "aws:iam/role:Role":
			roleArnByName[str(r.Outputs, "name")] = str(r.Outputs, "arn")
		}
	}
	for _, r := range p.Resources {
		if r.Type == "aws:iam/rolePolicy:RolePolicy" {
			arn := roleArnByName[str(r.Outputs, "role")]
			policiesOf[arn] = append(policiesOf[arn], str(r.Outputs, "policy"))
		}
	}

	consumes := map[[2]string]bool{}
	for _, r := range p.Resources {
		switch r.Type {
		case "aws:apigatewayv2/integration:Integration":
			var api string
			for urn, n := range nodes {
				if n.kind == "http" {
					for _, x := range p.Resources {
						if x.URN == urn && x.ID == str(r.Outputs, "apiId") {
							api = urn
						}
					}
				}
			}
			uri := str(r.Outputs, "integrationUri")
			if i := strings.Index(uri, "/functions/"); i >= 0 {
				uri = strings.TrimSuffix(uri[i+len("/functions/"):], "/invocations")
			}
			add(api, fnOf(uri), "invokes "+qualifier(uri), false)
		case "aws:lambda/eventSourceMapping:EventSourceMapping":
			q, fn := resolve(str(r.Outputs, "eventSourceArn")), fnOf(str(r.Outputs, "functionName"))
			consumes[[2]string{fn, q}] = true
			add(q, fn, "triggers "+qualifier(str(r.Outputs, "functionName")), false)
		case "aws:sqs/queue:Queue":
			var rp struct {
				Target string `json:"deadLetterTargetArn"`
				Max    any    `json:"maxReceiveCount"`
			}
			if json.Unmarshal([]byte(str(r.Outputs, "redrivePolicy")), &rp) == nil && rp.Target != "" {
				add(r.URN, resolve(rp.Target), fmt.Sprintf("dead letters after %v", rp.Max), true)
			}
		case "aws:rds/proxyTarget:ProxyTarget":
			add(resolve(str(r.Outputs, "dbProxyName")), resolve(str(r.Outputs, "dbInstanceIdentifier")), "pools", false)
		}
	}

	// What each function uses: its environment and its role's policies.
	for _, r := range p.Resources {
		if r.Type != "aws:lambda/function:Function" {
			continue
		}
		uses := map[string]map[string]bool{} // target URN -> verbs
		use := func(target, verb string) {
			if target == "" {
				return
			}
			if uses[target] == nil {
				uses[target] = map[string]bool{}
			}
			if verb != "" {
				uses[target][verb] = true
			}
		}
		if vars, ok := lookup(r.Outputs, "environment.variables"); ok {
			if m, ok := vars.(map[string]any); ok {
				for _, k := range sortedKeys(m) {
					if s, ok := m[k].(string); ok {
						use(resolve(s), "")
					}
				}
			}
		}
		for _, doc := range policiesOf[str(r.Outputs, "role")] {
			var d struct {
				Statement []struct {
					Effect   string
					Action   any
					Resource any
				}
			}
			if json.Unmarshal([]byte(doc), &d) != nil {
				continue
			}
			for _, st := range d.Statement {
				if st.Effect == "Deny" {
					continue
				}
				for _, res := range list(st.Resource) {
					for _, a := range list(st.Action) {
						use(resolve(res), verb(a))
					}
				}
			}
		}
		for target, verbs := range uses {
			if consumes[[2]string{r.URN, target}] {
				continue // drawn as the trigger
			}
			var vs []string
			for v := range verbs {
				vs = append(vs, v)
			}
			sort.Strings(vs)
			label := strings.Join(vs, ", ")
			if k := nodes[target].kind; (k == "database" || k == "pooler") && !verbs["connects"] {
				label = strings.Join(append([]string{"connects"}, vs...), ", ")
			}
			if label == "" {
				label = "uses"
			}
			add(r.URN, target, label, false)
		}
	}

	var ns []archNode
	used := map[string]bool{}
	for e := range edges {
		used[e.from], used[e.to] = true, true
	}
	for urn, n := range nodes {
		// Secrets only matter when something reads them.
		if n.kind != "secret" || used[urn] {
			ns = append(ns, n)
		}
	}
	sort.Slice(ns, func(i, j int) bool { return ns[i].id < ns[j].id })
	var es []archEdge
	for e := range edges {
		es = append(es, archEdge{from: nodes[e.from].id, to: nodes[e.to].id, label: e.label, dashed: e.dashed})
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].from != es[j].from {
			return es[i].from < es[j].from
		}
		if es[i].to != es[j].to {
			return es[i].to < es[j].to
		}
		return es[i].label < es[j].label
	})
	return ns, es
}

func list(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// verb names what an action does, for edge labels.
func verb(action string) string {
	_, a, _ := strings.Cut(action, ":")
	switch {
	case action == "sqs:SendMessage":
		return "publishes"
	case strings.HasPrefix(action, "sqs:"):
		return "consumes"
	case action == "rds-db:connect":
		return "connects"
	case strings.HasPrefix(action, "secretsmanager:"):
		return "reads secret"
	case strings.HasPrefix(a, "Get"), strings.HasPrefix(a, "List"), strings.HasPrefix(a, "Describe"):
		return "reads"
	case strings.HasPrefix(a, "Put"), strings.HasPrefix(a, "Delete"), strings.HasPrefix(a, "Create"):
		return "writes"
	}
	return ""
}

// parseFunction returns the function name of a name, ARN or qualified ARN.
func parseFunction(ref string) string {
	if i := strings.Index(ref, ":function:"); i >= 0 {
		fn, _, _ := strings.Cut(ref[i+len(":function:"):], ":")
		return fn
	}
	return ref
}

// qualifier returns the alias or version a function ARN is qualified with,
// "$LATEST" when none.
func qualifier(ref string) string {
	if i := strings.Index(ref, ":function:"); i >= 0 {
		if _, q, ok := strings.Cut(ref[i+len(":function:"):], ":"); ok {
			return q
		}
	}
	return "$LATEST"
}

var shapes = map[string][2]string{
	"http":     {"{{", "}}"},
	"function": {"[", "]"},
	"queue":    {"[[", "]]"},
	"bucket":   {"[/", "/]"},
	"pooler":   {"([", "])"},
	"database": {"[(", ")]"},
	"secret":   {">", "]"},
}

var kindLabels = map[string]string{
	"http": "HTTP API", "function": "function", "queue": "queue", "bucket": "bucket",
	"pooler": "pooler", "database": "database", "secret": "secret",
}

// Mermaid renders the architecture as a Mermaid flowchart.
func Mermaid(p *Plan) string {
	nodes, edges := architecture(p)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, n := range nodes {
		s := shapes[n.kind]
		fmt.Fprintf(&b, "    %s%s\"%s<br/><small>%s</small>\"%s\n", n.id, s[0], n.name, kindLabels[n.kind], s[1])
	}
	for _, e := range edges {
		arrow := "-->"
		if e.dashed {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "    %s %s|\"%s\"| %s\n", e.from, arrow, strings.ReplaceAll(e.label, `"`, "'"), e.to)
	}
	if d := p.Diff; d != nil {
		// Against a base: what the change adds is green, what it removes red (drawn apart, as it
		// is no longer wired to anything), what it changes amber.
		added, changed := map[string]bool{}, map[string]bool{}
		for _, r := range d.Added {
			added[r.URN] = true
		}
		for _, r := range d.Changed {
			changed[r.URN] = true
		}
		var marks []string
		for _, n := range nodes {
			switch {
			case added[n.urn]:
				marks = append(marks, fmt.Sprintf("    class %s added\n", n.id))
			case changed[n.urn]:
				marks = append(marks, fmt.Sprintf("    class %s changed\n", n.id))
			}
		}
		for _, n := range d.removedNodes {
			s := shapes[n.kind]
			fmt.Fprintf(&b, "    removed_%s%s\"%s<br/><small>%s, removed</small>\"%s\n", n.id, s[0], n.name, kindLabels[n.kind], s[1])
			marks = append(marks, fmt.Sprintf("    class removed_%s removed\n", n.id))
		}
		if len(marks) > 0 {
			b.WriteString("    classDef added fill:#d4f7d4,stroke:#1a7f37\n    classDef changed fill:#fff3c4,stroke:#9a6700\n    classDef removed fill:#ffd7d5,stroke:#cf222e,stroke-dasharray:4\n")
			for _, m := range marks {
				b.WriteString(m)
			}
		}
	}
	return b.String()
}
