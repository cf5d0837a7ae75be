// Package engine runs the project's program on the real Pulumi engine, inline through the
// Automation API, with the project folder as the workspace: Pulumi.yaml and Pulumi.STACK.yaml
// apply exactly as under `pulumi up`.
//
// The CLI (CLI): a `pulumi` on PATH whose version fits (v3, at least CLIVersion) is used as it is;
// otherwise the CLI pinned in tools/pulumi/go.mod is built once into a cache folder
// (NIMBUS_CACHE_DIR, else the user cache folder, under nimbus/pulumi-vVERSION/bin/pulumi), and the
// build says so with its expected time. Concurrent callers wait on one build.
//
// The backend (Open): PULUMI_BACKEND_URL when set, else a file backend in the git-ignored folder
// .pulumi-state of the project. Secrets use the passphrase provider: PULUMI_CONFIG_PASSPHRASE or
// PULUMI_CONFIG_PASSPHRASE_FILE must be set, or the stack file must name a cloud secrets
// provider; only the stacks in LocalStacks (machines' own, never shared) fall back to an empty
// passphrase. Missing, a stack fails before the engine starts, saying which variable to set.
//
// Plugins (Options.Plugins): before preview, up, refresh and destroy, the program's resource
// types (from its offline plan) name the provider plugins it needs, at the versions of the SDK
// modules linked into this binary. A missing plugin that nimbus builds from a pinned module
// (internal/sourcebuilt: today only kubernetes v4.33.0, from tools/pulumi-kubernetes) is built
// once per machine into the cache folder (cold: 10 to 18 minutes on 2 cores; concurrent callers
// wait on one build) or taken from it, and installed into the Pulumi home the CLI uses, saying so
// with the expected time; then the operation goes on. Any other missing plugin fails, before
// anything is built and before the stack is created or touched, with its name and version, how to
// install it, and `nimbus plan` as the offline alternative. A program that registers no resource
// needs no plugin, which is how the config proof (TestCLIResolvesLikePlan) runs on any machine.
package engine
