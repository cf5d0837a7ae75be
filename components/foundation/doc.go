// Package foundation is what a stack's components stand on in each cloud, made before any of
// them: on Azure the resource group every component is created in; on GCP the Google APIs the
// service uses, enabled first, one explicit provider that depends on them, and the Artifact
// Registry repository the images are pushed to; on Kubernetes the one explicit provider (a
// kubeconfig context, or rendering to a folder).
//
// Contract:
//   - Nothing here is a component: each resource is registered at the stack's root, under the
//     name the caller gives, so moving them here from package stacks changed no URN.
//   - Azure: Name is the group's exact name, or empty for one autonamed from the resource name;
//     SubscriptionID is read from the group's ARM id (/subscriptions/S/resourceGroups/NAME), so
//     no stack setting repeats it: it is the subscription the provider deploys to.
//   - GCP: every API is enabled with disableOnDestroy false (other stacks of the project may use
//     it); the provider depends on all of them, so nothing created through it precedes its API.
//   - Kubernetes: Context and RenderDir are exclusive.
//   - Invalid Args are reported together, naming the field, before anything is registered.
package foundation
