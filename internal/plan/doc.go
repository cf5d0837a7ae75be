// Package plan runs a Pulumi program offline against the fake cloud and
// renders what a stack would create: `nimbus plan`.
//
// Run resolves the stack's configuration as the Pulumi CLI would (the
// project's defaults from Pulumi.yaml's config block, then Pulumi.STACK.yaml;
// objects and arrays become JSON strings; `secure:` values, which cannot be
// decrypted offline, become the placeholder "[secret]" and are marked
// secret), validates it with the program's own loader, runs the program under
// pulumi.WithMocks with a fakecloud.Cloud, evaluates the guardrails and
// returns a Plan.
//
// Guarantees:
//   - The same program and configuration give byte-identical output in every
//     format: resources are ordered parents and dependencies first, ties
//     broken by URN, every generated value is derived from URNs, and
//     absolute paths below the project folder are written relative to it.
//   - Secret values (pulumi secrets in inputs, outputs and stack outputs, and
//     secret config) are written as "[secret]" and never printed.
//   - Errors: a *ConfigError (usage, stack files, configuration, or a program
//     that fails to run) is exit status 2 for the CLI; a plan with an
//     error-level violation is exit status 1 (see Plan.Failed).
//
// The JSON format is {"project","stack","cloud","region","resources","outputs","cost",
// "violations","generic"}; each resource has the fields of a Pulumi stack
// export resource (urn, custom, id, type, inputs, outputs, parent,
// dependencies, provider, propertyDependencies). The stack resource and the
// default providers the engine would create are included, so every provider
// reference resolves. Component resources have no outputs: the mock monitor
// does not pass registered component outputs on.
package plan
