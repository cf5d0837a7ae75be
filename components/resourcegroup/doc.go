// Package resourcegroup is where an Azure stack's resources live: the resource group every
// component is given as its ResourceGroupName, and the subscription it is in, which names the
// built-in role definitions the components assign.
//
// Contract:
//   - Azure makes one group per stack: a group's location holds only its metadata, the
//     resources in it name their own (the stack's azure-native:location).
//   - Name is the group's exact name, or empty for one autonamed from the resource name.
//   - SubscriptionID is read from the group's ARM id (/subscriptions/S/resourceGroups/NAME), so
//     no stack setting repeats it: it is the subscription the provider deploys to (the
//     credentials', or azure-native:subscriptionId).
//   - Invalid Args are reported together, naming the field, before anything is registered.
package resourcegroup
