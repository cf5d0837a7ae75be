// Package fakeprovider serves the fake cloud (internal/fakecloud) as Pulumi resource provider
// plugins, so the project's program runs on the real Pulumi engine (the CLI's scheduling,
// dependencies, replacements, failures) where no cloud provider plugin can be had. It is a test
// double at the provider boundary, for the project's own tests; never give it to users, and never
// point a stack that holds real infrastructure at it.
//
// One binary (cmd/fakeprovider) serves every package: the name it runs under says which
// (pulumi-resource-aws serves aws, pulumi-resource-random serves random), and the version it
// reports is the one built in with
//
//	-ldflags "-X github.com/nimbus-iac/nimbus/internal/fakeprovider.Versions=aws=6.83.4,random=4.21.2"
//
// (the versions of the SDK modules the program links, see engine.ModuleVersions), so
// `pulumi plugin install resource aws 6.83.4 --file BINARY` installs it where the engine looks.
//
// The contract, per operation:
//   - GetPluginInfo: the built-in version. GetSchema: a schema naming only the package and
//     version (a Go program needs no more).
//   - CheckConfig and DiffConfig accept any configuration; Configure reads `region` (the fake
//     cloud's default region) and accepts secrets and previews.
//   - Check returns the new inputs as they came (no defaults, no autonaming: names are computed
//     on create, as the fake cloud computes them).
//   - Diff compares the old inputs with the new ones, top-level key by key, secrets unwrapped: no
//     difference is DIFF_NONE; otherwise DIFF_SOME naming the changed keys, and the changed keys
//     the real provider forces a new resource on (ForceNew in the Terraform AWS provider v5 that
//     pulumi-aws v6 bridges, see forceNew) are replacements. An unknown new value is a change.
//   - Create and Update return the fake cloud's model of the type (fakecloud.Cloud.NewResource)
//     for the URN the engine gives, which must be the URN the fake cloud computes. In a preview,
//     a Create returns unknowns wherever the model computes a value the program did not set.
//     Update keeps the resource's id and applies what the real provider does on update that a
//     create model cannot know: a Lambda function with publish set gets the next version number
//     (unknown in a preview).
//   - Read returns the state it is given; Delete deletes nothing (the fake cloud keeps no state
//     across processes); Invoke answers with fakecloud.Cloud.Call.
//
// Environment:
//   - NIMBUS_FAKEPROVIDER_LOG=FILE appends one line "OP SUBJECT" per operation, the SUBJECT being
//     the resource's URN (the invoke's token, or the package for GetPluginInfo, GetSchema and
//     Configure). Create, Update and Delete write "Create URN" when they start and "Created URN"
//     (Updated, Deleted) when they succeed, or "CreateFailed URN" (UpdateFailed, DeleteFailed);
//     a preview writes "PreviewCreate URN" or "PreviewUpdate URN". Each line is one append under
//     an exclusive file lock, then fsync, so the plugins of one deployment (one process per
//     provider) can share the file and its order is the order the operations happened in.
//   - NIMBUS_FAKEPROVIDER_FAIL=TYPE[:NAME] makes Create and Update of resources of that type (and
//     logical name) fail with an error naming the variable, as a Lambda function returning an
//     error fails its aws:lambda/invocation:Invocation. Previews do not fail.
//   - NIMBUS_FAKEPROVIDER_DELAY=TYPE[:NAME]=DURATION makes Create and Update of those resources
//     take that long before they succeed or fail, as an invocation takes as long as its function
//     runs: what does not wait for such a resource shows up in the log while it is in progress.
package fakeprovider
