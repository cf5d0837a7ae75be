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
// its subnets, the endpoints' security group and the S3 prefix list. The EC2 types are registered
// through components/internal/awsec2's typed wrappers, so pulumi-aws's ec2 package is not linked.
//
// Kubernetes (Kubernetes.New): a network is a namespace: Namespace (default nimbus) is created,
// labelled app.kubernetes.io/managed-by nimbus and annotated pulumi.com/skipAwait (its deletion
// needs the namespace controller), or used as it is with Existing. ID is the namespace's name and
// PrivateSubnetIDs is empty: a cluster has no subnets to place workloads in. ExistingVpcID and
// ExistingSubnetIDs are an error naming both fields; CIDR and Zones are checked and unused.
// Placement is a [KubernetesPlacement]: the namespace, an output of the Namespace so everything
// placed in it is created after it. Not yet: a NetworkPolicy per grant.
//
// GCP (GCP.New, Region required, the stack's gcp:region): a custom-mode VPC (no automatic
// subnets) with one regional subnet holding the whole CIDR in Region, with Private Google Access,
// so services without external addresses reach Pub/Sub and Cloud Storage with no NAT; and private
// services access: a global address of purpose VPC_PEERING (INTERNAL, prefix length
// PrivateServicesPrefixLength, default 20, a free range Google picks outside the subnet) and a
// servicenetworking.Connection of it to servicenetworking.googleapis.com, so Cloud SQL gets a
// private IP in the VPC. A GCP subnet spans every zone of its region: Zones is checked and unused,
// PrivateSubnetIDs is the one subnet. ExistingVpcID and ExistingSubnetIDs are an error naming both
// fields. The compute types are registered through components/internal/gcpcompute's typed
// wrappers, never pulumi-gcp's compute package (2 minutes and 8 GB to compile). Placement is a
// [GCPPlacement]: the VPC's and the subnet's ids and the region, for Cloud Run's Direct VPC
// egress (template.vpcAccess.networkInterfaces), and Ready (the connection), which a Cloud SQL
// instance depends on. Direct VPC egress rather than a Serverless VPC Access connector: a
// connector is a set of always-on VMs (at least 2) billed whether or not anything runs, a hop
// that caps throughput by its machine type, and one more resource to size; Direct VPC egress puts
// the service's instances in the subnet itself, costs nothing beyond the service, scales with it,
// and needs only a subnet with room for about twice the instances' count in addresses (a /26 at
// least: the /16 to /22 of CIDR is ample). Routes keep the VPC's default route to the internet
// gateway, which Private Google Access uses; without a NAT or external addresses nothing placed
// in the network reaches the internet through it.
//
// Azure (Azure.New, ResourceGroupName and Location required, the stack's resource group and
// azure-native:location): a virtual network holding CIDR with two subnets cut from its start,
// the first /23 delegated to Microsoft.App/environments (a Container Apps environment's
// infrastructure subnet: /23 is what a consumption environment needs) and the /24 after it
// delegated to Microsoft.DBforPostgreSQL/flexibleServers; and a private DNS zone
// NAME.private.postgres.database.azure.com linked to the network, which a Flexible Server with
// private access registers its name in. Subnets span every zone of the region: Zones is checked
// and unused; ExistingVpcID and ExistingSubnetIDs are an error. Service Bus and Blob Storage are
// reached on their public endpoints with Entra identities only (no keys, TLS 1.2), not through
// private endpoints (not yet). Placement is an [AzurePlacement]: the network, the two subnets,
// the zone, the region, and Ready (the zone's link), which a server depends on. The three types
// are registered through components/internal/aznetwork's typed wrappers, so azure-native's
// network module is not compiled or linked.
package network
