// Package network places functions and databases in a private network.
//
// NewX constructors (one per cloud, of type [Constructor]) register a `nimbus:network:Network`
// component. Every cloud guarantees: private subnets in at least two zones; the services the
// sample needs (queue, object storage, secrets, the database) reachable privately, without a NAT
// gateway; or an existing network given by ids, in which case nothing is created. The neutral
// [Network] exposes ids only; what a consumer needs to be placed in it is the cloud's
// [Placement], which the consumer's implementation takes with [PlacementOf] (another cloud's
// network is an error naming both clouds).
//
// AWS (NewAWSNetwork): a VPC with DNS, one private subnet per zone (Zones, default 2, from the
// region's available zones), a private route table with no route to the internet, a gateway
// endpoint for S3, interface endpoints for SQS and Secrets Manager with private DNS, and a
// security group for the endpoints that admits HTTPS from inside the VPC only. With ExistingVpcID
// the given subnets are used as they are: they must reach those services themselves (endpoints or
// NAT), and functions in them may send HTTPS anywhere. Placement is an [AWSPlacement]: the VPC,
// its subnets, the endpoints' security group and the S3 prefix list.
//
// Kubernetes (Kubernetes.New): a network is a namespace: Namespace (default nimbus) is created,
// labelled app.kubernetes.io/managed-by nimbus and annotated pulumi.com/skipAwait (its deletion
// needs the namespace controller), or used as it is with Existing. ID is the namespace's name and
// PrivateSubnetIDs is empty: a cluster has no subnets to place workloads in. ExistingVpcID and
// ExistingSubnetIDs are an error naming both fields; CIDR and Zones are checked and unused.
// Placement is a [KubernetesPlacement]: the namespace, an output of the Namespace so everything
// placed in it is created after it. Not yet: a NetworkPolicy per grant.
package network
