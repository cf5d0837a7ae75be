// Package cost prices a plan's always-on floor: what a stack costs a month with zero traffic.
//
// The floor is what bills while resources merely exist: warm capacity (Lambda provisioned
// concurrency, Cloud Run minimum instances, Container Apps minimum replicas, Fargate's fewest
// tasks), database instances and their storage, managed poolers (RDS Proxy), load balancers and
// their public addresses, interface endpoints, keys, secrets, alarms, registries, namespaces.
// Usage prices (requests, messages, GB stored or moved) are listed per unit and never added:
// guessing traffic is the reviewer's job, not the plan's.
//
// Contract:
//   - Prices come from one dated table, prices.yaml, embedded in the binary: per
//     cloud/region/service/meter, in USD, on demand, before free tiers and discounts, each with
//     the public price page it is from and whether the figure was verified for the region (false
//     says where it was carried from). Parse refuses a table with an unknown field, a duplicate
//     id, a negative figure, a missing unit or source.
//   - A month is 730 hours (HoursPerMonth), as the clouds' calculators price one.
//   - Estimate prices every custom resource by its type's model. A type with no standing charge
//     cites the table's no-charge or usage-only statement for it. A type without a model, a size
//     or region the table lacks, or a reference it cannot follow is listed in Unpriced with the
//     reason, never priced at zero: with any unpriced resource the floor is a lower bound, and
//     the renderings say so. Kubernetes stacks are unpriced: their floor is the cluster's nodes.
//   - Warm capacity is priced at the rate the cloud bills an idle warm instance: Lambda's
//     provisioned-concurrency GB-second; Cloud Run's idle minimum-instance rates when CPU is
//     allocated only during requests, its instance-based rates when always allocated; Container
//     Apps' idle rates. High availability doubles what the cloud doubles (an RDS Multi-AZ
//     instance's rate and storage, a Cloud SQL REGIONAL instance's HA rates, a Flexible Server's
//     standby).
//   - Compare prices a change with the same table on both sides, so its difference is the
//     change's, and lists each resource whose floor moves.
//   - Amounts are rounded to a hundredth of a cent, so plans stay byte-identical.
//
// The budget guardrail (budget-monthly-floor, nimbus:budget.monthlyFloor) reads the floor: the
// plan fails when the priced floor is above the budget.
package cost
