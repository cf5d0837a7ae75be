// Package deployorder proves the deploy-order claims of stacks.Program on the real Pulumi engine:
// the pinned CLI runs the program inline (engine.Open, as `nimbus up` does) against the fake
// cloud served as the aws and random provider plugins (internal/fakeprovider), and the tests read
// the order of the provider operations from the plugins' log rather than counting resources:
//
//   - the migration's lambda.Invocation (migrate-on-deploy) is created before the api and worker
//     `live` aliases and api's provisioned concurrency are created, so neither goes live on code
//     whose migration has not run;
//   - a second up with no change creates, updates and deletes nothing;
//   - the migration runs again (its invocation is replaced) before the aliases move when the
//     database changes identity (another database name), and when only the migrate code changes;
//   - a migration that fails fails the deploy, and the api's `live` alias is not updated: it
//     still points at the version it pointed at before;
//   - destroy succeeds.
//
// It needs only Go and the pinned CLI (engine.CLI builds it if it is missing), so it runs in
// `make test` everywhere, never skipped.
package deployorder
