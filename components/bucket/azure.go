package bucket

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azauthorization"
	"github.com/nimbus-iac/nimbus/components/internal/azstorage"
	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/link"
)

var (
	_ Constructor = AzureBlob{}.New
	_ granter     = azureGrants{}
)

// AzureBlob creates buckets as Blob Storage containers, each in a storage account of its own.
// Its New is a [Constructor].
type AzureBlob struct {
	// ResourceGroupName is the stack's resource group. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the region (azure-native:location). Required.
	Location string
	// SubscriptionID is the subscription the role definitions are read in. Required.
	SubscriptionID pulumi.StringInput
	// Redundancy is the account's SKU: Standard_LRS (default: three copies in one zone) or
	// Standard_ZRS (three zones).
	Redundancy string
}

var azureLocation = regexp.MustCompile(`^[a-z]+[a-z0-9]*$`)

// The blob data actions a prefix condition restricts.
const blobActions = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"

// New creates a storage account (StorageV2) with public blob access off, shared key access off
// (Entra identities only: no account keys, no SAS signed with them), TLS 1.2 and HTTPS only, and
// a private container in it; with ExpireDays a lifecycle policy deletes blobs that many days
// after their last write. Without ForceDestroy the account is retained on destroy (Azure deletes
// an account's blobs with it): the objects outlive the stack.
func (az AzureBlob) New(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error) {
	check.Default(&az.Redundancy, "Standard_LRS")
	p := check.For("bucket", name)
	if az.ResourceGroupName == nil {
		p.Add("ResourceGroupName is required on azure: the resource group the storage account is created in")
	}
	if az.SubscriptionID == nil {
		p.Add("SubscriptionID is required on azure: the subscription whose role definitions grants name")
	}
	if !azureLocation.MatchString(az.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", az.Location)
	}
	p.OneOf("Redundancy", az.Redundancy, "Standard_LRS", "Standard_ZRS")
	if err := p.Err(); err != nil {
		return nil, err
	}
	b, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	account, err := azstorage.NewStorageAccount(ctx, name, &azstorage.StorageAccountArgs{
		ResourceGroupName:            az.ResourceGroupName,
		AccountName:                  pulumi.String(AccountName(ctx.Project(), ctx.Stack(), name)),
		Location:                     pulumi.String(az.Location),
		Kind:                         pulumi.String("StorageV2"),
		Sku:                          &azstorage.SkuArgs{Name: pulumi.String(az.Redundancy)},
		AllowBlobPublicAccess:        pulumi.Bool(false),
		AllowSharedKeyAccess:         pulumi.Bool(false),
		DefaultToOAuthAuthentication: pulumi.Bool(true),
		MinimumTlsVersion:            pulumi.String("TLS1_2"),
		EnableHttpsTrafficOnly:       pulumi.Bool(true),
	}, parent, pulumi.RetainOnDelete(!a.ForceDestroy))
	if err != nil {
		return nil, fmt.Errorf("cannot create the storage account of bucket %q: %w", name, err)
	}
	container, err := azstorage.NewBlobContainer(ctx, name, &azstorage.BlobContainerArgs{
		ResourceGroupName: az.ResourceGroupName,
		AccountName:       account.Name,
		ContainerName:     pulumi.String(name),
		PublicAccess:      pulumi.String("None"),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create the container of bucket %q: %w", name, err)
	}
	if a.ExpireDays > 0 {
		if _, err := azstorage.NewManagementPolicy(ctx, name, &azstorage.ManagementPolicyArgs{
			ResourceGroupName:    az.ResourceGroupName,
			AccountName:          account.Name,
			ManagementPolicyName: pulumi.String("default"),
			Policy: &azstorage.ManagementPolicySchemaArgs{Rules: []azstorage.ManagementPolicyRuleArgs{{
				Name: pulumi.String("expire"), Type: pulumi.String("Lifecycle"), Enabled: pulumi.Bool(true),
				Definition: &azstorage.ManagementPolicyDefinitionArgs{
					Actions: &azstorage.ManagementPolicyActionArgs{BaseBlob: &azstorage.ManagementPolicyBaseBlobArgs{
						Delete: &azstorage.DateAfterModificationArgs{DaysAfterModificationGreaterThan: pulumi.Float64(float64(a.ExpireDays))},
					}},
					Filters: &azstorage.ManagementPolicyFilterArgs{
						BlobTypes:   pulumi.StringArray{pulumi.String("blockBlob")},
						PrefixMatch: pulumi.StringArray{pulumi.String(name + "/")},
					},
				},
			}}},
		}, parent); err != nil {
			return nil, fmt.Errorf("cannot create the expiry policy of bucket %q: %w", name, err)
		}
	}
	b.Name = container.Name
	b.grants = azureGrants{
		bucket: name, subscription: az.SubscriptionID, container: container.ID().ToStringOutput(),
		accountURL: rawres.String(account.PrimaryEndpoints, "blob").ApplyT(func(u string) string { return strings.TrimSuffix(u, "/") }).(pulumi.StringOutput),
	}
	return b, b.finish(ctx)
}

// AccountName is the storage account name of bucket name in a project's stack: storage account
// names are global, 3 to 24 lower-case letters and digits, so it is the bucket's letters and
// digits (at most 14) and 10 hex characters of a hash of project, stack and bucket.
func AccountName(project, stack, name string) string {
	var base []byte
	for _, c := range strings.ToLower(name) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			base = append(base, byte(c))
		}
	}
	if len(base) > 14 {
		base = base[:14]
	}
	sum := sha256.Sum256([]byte(project + "/" + stack + "/" + name))
	return string(base) + hex.EncodeToString(sum[:])[:10]
}

type azureGrants struct {
	bucket       string
	subscription pulumi.StringInput
	container    pulumi.StringOutput
	accountURL   pulumi.StringOutput
}

// bind makes one role assignment per prefix, on the container only: Storage Blob Data Reader for
// read, Contributor for write, and with a prefix an ABAC condition (version 2.0) that lets the
// role's blob actions through only under the prefix. Write alone denies reading entirely.
func (g azureGrants) bind(uses []Use) link.Binding {
	var prefixes []string
	access := map[string]map[link.Access]bool{}
	for _, u := range uses {
		if access[u.Prefix] == nil {
			prefixes = append(prefixes, u.Prefix)
			access[u.Prefix] = map[link.Access]bool{}
		}
		access[u.Prefix][u.Access] = true
	}
	out := link.AzureBinding{Env: map[string]link.Value{"ACCOUNT_URL": link.Plain(g.accountURL)}}
	for _, prefix := range prefixes {
		out.Grants = append(out.Grants, g.role(prefix, access[prefix]))
	}
	return out
}

func (g azureGrants) role(prefix string, access map[link.Access]bool) link.AzureApply {
	role, use := azauthorization.StorageBlobDataContributor, "readwrite"
	switch {
	case !access[link.Write]:
		role, use = azauthorization.StorageBlobDataReader, "read"
	case !access[link.Read]:
		use = "write"
	}
	suffix := use
	if prefix != "" {
		suffix += "-" + strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(prefix, "/"), "/", "-"))
	}
	return func(ctx *pulumi.Context, name string, c link.AzureConsumer, opts ...pulumi.ResourceOption) (link.AzureApplied, error) {
		args := &azauthorization.RoleAssignmentArgs{
			PrincipalId:      c.PrincipalID,
			PrincipalType:    pulumi.String("ServicePrincipal"),
			RoleDefinitionId: azauthorization.RoleDefinitionID(g.subscription, role),
			Scope:            g.container,
			Description:      pulumi.String(use + " " + prefix + " of bucket " + g.bucket),
		}
		if cond := BlobCondition(use, prefix); cond != "" {
			args.Condition, args.ConditionVersion = pulumi.String(cond), pulumi.String("2.0")
		}
		ra, err := azauthorization.NewRoleAssignment(ctx, name+"-"+suffix, args, opts...)
		if err != nil {
			return link.AzureApplied{}, fmt.Errorf("cannot grant %s on bucket %s %s: %w", use, g.bucket, prefix, err)
		}
		return link.AzureApplied{Ready: []pulumi.Resource{ra}}, nil
	}
}

// BlobCondition is the role assignment condition of use ("read", "write" or "readwrite") on the
// blobs under prefix: the role's blob actions are allowed only on blob paths starting with
// prefix, and for "write" reading is denied entirely. "" for the whole container and read or
// readwrite (the role alone is the grant).
func BlobCondition(use, prefix string) string {
	not := func(action string) string { return fmt.Sprintf("!(ActionMatches{'%s/%s'})", blobActions, action) }
	writes := strings.Join([]string{not("write"), not("add/action"), not("delete")}, " AND ")
	under := fmt.Sprintf("@Resource[%s:path] StringStartsWith '%s'", blobActions, prefix)
	switch {
	case use == "write" && prefix == "":
		return fmt.Sprintf("(%s)", not("read"))
	case use == "write":
		return fmt.Sprintf("((%s) AND ((%s) OR (%s)))", not("read"), writes, under)
	case prefix == "":
		return ""
	case use == "read":
		return fmt.Sprintf("((%s) OR (%s))", not("read"), under)
	default:
		return fmt.Sprintf("((%s AND %s) OR (%s))", not("read"), writes, under)
	}
}
