package guardrails

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

// Severity says whether a violation fails the plan (error) or is reported
// only (warning).
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Rule is one guardrail.
type Rule struct {
	ID          string
	Severity    Severity
	Description string
	// Production rules apply only to stacks with nimbus:production true.
	Production bool
}

// Finding is what a check reports: the resource and property at fault.
type Finding struct {
	URN      string
	Property string
	Message  string
}

// Violation is a finding of a rule.
type Violation struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	URN      string   `json:"urn"`
	Property string   `json:"property"`
	Message  string   `json:"message"`
}

// Plan is what the rules look at.
type Plan struct {
	Cloud      string
	Production bool
	// Resources are every registered resource, components included.
	Resources []fakecloud.Resource
	// Floor is the stack's priced always-on floor and its budget, for budget-monthly-floor;
	// nil when not priced.
	Floor *Floor
}

// Floor is what budget-monthly-floor reads: the priced floor (internal/cost) and the budget.
type Floor struct {
	// StackURN is the stack resource's, where a finding is reported.
	StackURN string
	// Monthly is the priced floor in USD a month; Unpriced counts the resources not in it.
	Monthly  float64
	Unpriced int
	// Budget is nimbus:budget.monthlyFloor in USD; 0 sets none.
	Budget float64
}

// budgetCheck is budget-monthly-floor, the same on every cloud: the priced floor is a lower
// bound of the real one, so a priced floor above the budget is a finding.
func budgetCheck(p *Plan) []Finding {
	f := p.Floor
	if f == nil || f.Budget <= 0 || f.Monthly <= f.Budget {
		return nil
	}
	more := ""
	if f.Unpriced > 0 {
		more = fmt.Sprintf(", and %d resources the price table cannot price add to it", f.Unpriced)
	}
	return []Finding{{URN: f.StackURN, Property: "nimbus:budget.monthlyFloor", Message: fmt.Sprintf(
		"the always-on floor is $%.2f a month at zero traffic%s, above nimbus:budget.monthlyFloor $%.0f: lower warm capacity or database size, or raise the budget",
		f.Monthly, more, f.Budget)}}
}

// Check finds the violations of one rule on one cloud.
type Check func(p *Plan) []Finding

// rules is the neutral rule table, in the order reports list them.
var rules = []Rule{
	{ID: "queue-dead-letter", Severity: Error,
		Description: "Every queue moves messages that keep failing to a dead-letter queue."},
	{ID: "iam-no-wildcards", Severity: Error,
		Description: "No allow statement grants a wildcard action, principal or resource, outside the documented exceptions."},
	{ID: "database-private-encrypted", Severity: Error,
		Description: "Databases are not reachable from the internet and their storage is encrypted."},
	{ID: "pooler-tls", Severity: Error,
		Description: "Connection poolers accept TLS connections only."},
	{ID: "prod-deletion-protection", Severity: Error, Production: true,
		Description: "In production, databases have deletion protection and buckets are not force-destroyed."},
	{ID: "prod-backups", Severity: Error, Production: true,
		Description: "In production, databases keep automated backups."},
	{ID: "prod-warm-http", Severity: Error, Production: true,
		Description: "In production, functions behind an HTTP endpoint keep warm capacity on the invoked alias."},
	{ID: "trigger-targets-alias", Severity: Error,
		Description: "Every trigger (HTTP integration, queue subscription, invoke permission) targets a function alias, never $LATEST or a bare version."},
	{ID: "log-retention", Severity: Warning,
		Description: "Every log group has a retention period, and every function logs to a log group of the plan."},
	{ID: "bucket-public-access-blocked", Severity: Error,
		Description: "Every bucket blocks public access (ACLs and policies)."},
	{ID: "alarms-notify", Severity: Error,
		Description: "Every alarm notifies someone: it has an alarm action, its actions are enabled, and a topic it notifies can take the alarm's messages."},
	{ID: "subscription-dead-letter", Severity: Error,
		Description: "Every event subscription (a Knative Trigger) sends what it cannot deliver to a dead-letter sink, except one reading a dead-letter sink, which keeps its events."},
	{ID: "no-literal-secrets", Severity: Error,
		Description: "No secret's value is written in a manifest: no environment value named like a secret (in a Service's or a Job's pod), no secret object with plaintext data."},
	{ID: "container-requests-readiness", Severity: Error,
		Description: "Every container service requests CPU and memory and has a readiness probe; every Job requests CPU and memory."},
	{ID: "dead-letter-grants", Severity: Error,
		Description: "Whatever dead-letters through a cloud's own agent may do so: on GCP, the Pub/Sub service agent may publish to every dead-letter topic and subscribe to the subscription that uses it."},
	{ID: "no-primitive-roles", Severity: Error,
		Description: "No IAM grant uses a basic role (roles/owner, roles/editor, roles/viewer), which grants every service's permissions."},
	{ID: "no-shared-keys", Severity: Error,
		Description: "Services take identities only: no storage account keys or SAS, no Service Bus SAS keys."},
	{ID: "role-assignment-scope", Severity: Error,
		Description: "Every role assignment is scoped to the one resource it is for, never to a subscription or resource group."},
	{ID: "db-connection-capacity", Severity: Error,
		Description: "The most connections a database can be asked for at once (each direct consumer's most instances times its pool size, plus the pool of each pooler in front of it) fit its max_connections."},
	{ID: "service-public-entry", Severity: Error,
		Description: "A load balancer is the only way in from the internet: only security groups that load balancers alone use admit 0.0.0.0/0 or ::/0, and no service, function or database is placed in a subnet routed to an internet gateway."},
	{ID: "service-private-tasks", Severity: Error,
		Description: "Container services' tasks get no public IP and run in subnets with no route to an internet gateway."},
	{ID: "budget-monthly-floor", Severity: Error,
		Description: "The stack's always-on floor (what it costs a month with zero traffic, priced from the dated table) is within nimbus:budget.monthlyFloor when one is set."},
	{ID: "service-circuit-breaker", Severity: Error,
		Description: "Every container service's deployment stops and rolls back by itself when its new tasks cannot get healthy (a deployment circuit breaker with rollback)."},
}

// checks selects each cloud's checks, keyed by rule id: the one place a
// cloud's checks are chosen.
var checks = map[string]map[string]Check{
	"aws":        awsChecks,
	"azure":      azureChecks,
	"gcp":        gcpChecks,
	"kubernetes": kubernetesChecks,
}

// notApplicable are, per cloud, the rules that have no meaning there, each with a one-line
// reason: reported by NotApplicable instead of as not checked.
var notApplicable = map[string]map[string]string{
	"azure":      azureNotApplicable,
	"gcp":        gcpNotApplicable,
	"kubernetes": kubernetesNotApplicable,
}

// Inapplicable is a rule that has no meaning on a cloud, and why.
type Inapplicable struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason"`
}

// Rules returns the rule table.
func Rules() []Rule { return append([]Rule(nil), rules...) }

// Clouds returns the clouds that have checks, sorted.
func Clouds() []string {
	var out []string
	for c := range checks {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// appliesTo reports whether the rule is checked on the plan: production rules only on
// production stacks.
func (r Rule) appliesTo(p *Plan) bool { return !r.Production || p.Production }

// HasCheck reports whether a rule has a check for a cloud.
func HasCheck(ruleID, cloud string) bool {
	_, ok := checks[cloud][ruleID]
	return ok
}

// Unchecked returns the ids of the rules that apply to the plan but have no
// check for its cloud, leaving out those NotApplicable lists.
func Unchecked(p *Plan) []string {
	var out []string
	for _, r := range rules {
		if !r.appliesTo(p) {
			continue
		}
		if _, na := notApplicable[p.Cloud][r.ID]; !HasCheck(r.ID, p.Cloud) && !na {
			out = append(out, r.ID)
		}
	}
	return out
}

// NotApplicable returns the rules that apply to the plan but have no meaning on its cloud, in
// rule order, each with the reason: what a report shows for them instead of "not checked".
func NotApplicable(p *Plan) []Inapplicable {
	var out []Inapplicable
	for _, r := range rules {
		if !r.appliesTo(p) {
			continue
		}
		if why, ok := notApplicable[p.Cloud][r.ID]; ok {
			out = append(out, Inapplicable{Rule: r.ID, Reason: why})
		}
	}
	return out
}

// Evaluate runs the rules that apply to the plan and returns the violations,
// sorted by rule order, URN and property.
func Evaluate(p *Plan) []Violation {
	var out []Violation
	for _, r := range rules {
		if !r.appliesTo(p) {
			continue
		}
		check, ok := checks[p.Cloud][r.ID]
		if !ok {
			continue
		}
		found := check(p)
		sort.SliceStable(found, func(a, b int) bool {
			if found[a].URN != found[b].URN {
				return found[a].URN < found[b].URN
			}
			return found[a].Property < found[b].Property
		})
		for _, f := range found {
			out = append(out, Violation{Rule: r.ID, Severity: r.Severity, URN: f.URN, Property: f.Property, Message: f.Message})
		}
	}
	return out
}

// HasErrors reports whether any violation is at error level.
func HasErrors(vs []Violation) bool {
	for _, v := range vs {
		if v.Severity == Error {
			return true
		}
	}
	return false
}

// String formats a violation on one line.
func (v Violation) String() string {
	return fmt.Sprintf("%s [%s] %s (%s): %s", strings.ToUpper(string(v.Severity)), v.Rule, v.URN, v.Property, v.Message)
}
