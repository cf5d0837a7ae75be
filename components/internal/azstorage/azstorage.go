// Package azstorage is the Blob Storage resources nimbus creates on Azure (a storage account, a
// blob container, a lifecycle policy), as typed wrappers registered with package rawres instead
// of azure-native's storage/v3 module (33,000 lines of generated Go, linked whole). Each wrapper
// has only the properties nimbus sets or reads, and registers what the SDK's NewX would: the same
// token, the package version and its versioned aliases. schema_test.go pins all of that to the
// module's generated source at v3.16.0.
package azstorage

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// AzureNative is azure-native as its v3 Go SDK (v3.16.0) registers resources.
var AzureNative = rawres.Package{Name: "azure-native", Version: "3.16.0"}

// StorageAccountType is a storage account, the unit of endpoints, keys and network rules.
var StorageAccountType = rawres.Type[StorageAccountArgs]{Package: AzureNative, Token: "azure-native:storage:StorageAccount"}

// StorageAccountArgs are a storage account's inputs.
type StorageAccountArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	// AccountName is globally unique, 3 to 24 lower-case letters and digits; autonamed when nil.
	AccountName pulumi.StringPtrInput `pulumi:"accountName"`
	Location    pulumi.StringPtrInput `pulumi:"location"`
	// Kind is StorageV2 for blob storage with every current feature.
	Kind pulumi.StringInput `pulumi:"kind"`
	// Sku is Standard_LRS, Standard_ZRS, ...: how many copies, in how many zones.
	Sku *SkuArgs `pulumi:"sku,required"`
	// AllowBlobPublicAccess false: no container can be made public.
	AllowBlobPublicAccess pulumi.BoolPtrInput `pulumi:"allowBlobPublicAccess"`
	// AllowSharedKeyAccess false: only Entra identities (no account keys, no SAS from them).
	AllowSharedKeyAccess pulumi.BoolPtrInput `pulumi:"allowSharedKeyAccess"`
	// DefaultToOAuthAuthentication makes the portal use Entra too.
	DefaultToOAuthAuthentication pulumi.BoolPtrInput `pulumi:"defaultToOAuthAuthentication"`
	// MinimumTlsVersion is TLS1_2 at least.
	MinimumTlsVersion      pulumi.StringPtrInput `pulumi:"minimumTlsVersion"`
	EnableHttpsTrafficOnly pulumi.BoolPtrInput   `pulumi:"enableHttpsTrafficOnly"`
	Tags                   pulumi.StringMapInput `pulumi:"tags"`
}

// SkuArgs is a storage account's SKU.
type SkuArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
}

// StorageAccount is a storage account's outputs. PrimaryEndpoints.blob is
// https://ACCOUNT.blob.core.windows.net/ (read it with rawres.String).
type StorageAccount struct {
	pulumi.CustomResourceState

	Name             pulumi.StringOutput `pulumi:"name"`
	PrimaryEndpoints pulumi.MapOutput    `pulumi:"primaryEndpoints"`
}

// NewStorageAccount registers a storage account with the SDK's aliases.
func NewStorageAccount(ctx *pulumi.Context, name string, args *StorageAccountArgs, opts ...pulumi.ResourceOption) (*StorageAccount, error) {
	opts = append(opts, rawres.Aliases(StorageAccountAliases))
	return rawres.New[StorageAccount](ctx, StorageAccountType, name, args, opts...)
}

// BlobContainerType is a blob container.
var BlobContainerType = rawres.Type[BlobContainerArgs]{Package: AzureNative, Token: "azure-native:storage:BlobContainer"}

// BlobContainerArgs are a container's inputs.
type BlobContainerArgs struct {
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	AccountName       pulumi.StringInput    `pulumi:"accountName"`
	ContainerName     pulumi.StringPtrInput `pulumi:"containerName"`
	// PublicAccess None: blobs are read with an identity only.
	PublicAccess pulumi.StringPtrInput `pulumi:"publicAccess"`
}

// BlobContainer is a container's outputs. Its id is the account's id +
// /blobServices/default/containers/NAME, the scope of its role assignments.
type BlobContainer struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewBlobContainer registers a container with the SDK's aliases.
func NewBlobContainer(ctx *pulumi.Context, name string, args *BlobContainerArgs, opts ...pulumi.ResourceOption) (*BlobContainer, error) {
	opts = append(opts, rawres.Aliases(BlobContainerAliases))
	return rawres.New[BlobContainer](ctx, BlobContainerType, name, args, opts...)
}

// ManagementPolicyType is an account's lifecycle policy (one per account, named "default").
var ManagementPolicyType = rawres.Type[ManagementPolicyArgs]{Package: AzureNative, Token: "azure-native:storage:ManagementPolicy"}

// ManagementPolicyArgs are a lifecycle policy's inputs.
type ManagementPolicyArgs struct {
	ResourceGroupName pulumi.StringInput `pulumi:"resourceGroupName"`
	AccountName       pulumi.StringInput `pulumi:"accountName"`
	// ManagementPolicyName must be "default".
	ManagementPolicyName pulumi.StringPtrInput       `pulumi:"managementPolicyName"`
	Policy               *ManagementPolicySchemaArgs `pulumi:"policy,required"`
}

// ManagementPolicySchemaArgs are a policy's rules.
type ManagementPolicySchemaArgs struct {
	Rules []ManagementPolicyRuleArgs `pulumi:"rules,required"`
}

// ManagementPolicyRuleArgs is one lifecycle rule.
type ManagementPolicyRuleArgs struct {
	Name pulumi.StringInput `pulumi:"name"`
	// Type is Lifecycle.
	Type       pulumi.StringInput              `pulumi:"type"`
	Enabled    pulumi.BoolPtrInput             `pulumi:"enabled"`
	Definition *ManagementPolicyDefinitionArgs `pulumi:"definition,required"`
}

// ManagementPolicyDefinitionArgs is what a rule does to which blobs.
type ManagementPolicyDefinitionArgs struct {
	Actions *ManagementPolicyActionArgs `pulumi:"actions,required"`
	Filters *ManagementPolicyFilterArgs `pulumi:"filters"`
}

// ManagementPolicyActionArgs are a rule's actions on base blobs.
type ManagementPolicyActionArgs struct {
	BaseBlob *ManagementPolicyBaseBlobArgs `pulumi:"baseBlob"`
}

// ManagementPolicyBaseBlobArgs are the actions on a blob's current version.
type ManagementPolicyBaseBlobArgs struct {
	Delete *DateAfterModificationArgs `pulumi:"delete"`
}

// DateAfterModificationArgs is when an action applies.
type DateAfterModificationArgs struct {
	DaysAfterModificationGreaterThan pulumi.Float64PtrInput `pulumi:"daysAfterModificationGreaterThan"`
}

// ManagementPolicyFilterArgs are the blobs a rule applies to.
type ManagementPolicyFilterArgs struct {
	// BlobTypes is blockBlob for what nimbus writes.
	BlobTypes pulumi.StringArrayInput `pulumi:"blobTypes,required"`
	// PrefixMatch are CONTAINER/PREFIX strings.
	PrefixMatch pulumi.StringArrayInput `pulumi:"prefixMatch"`
}

// ManagementPolicy is a lifecycle policy's outputs.
type ManagementPolicy struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewManagementPolicy registers a lifecycle policy with the SDK's aliases.
func NewManagementPolicy(ctx *pulumi.Context, name string, args *ManagementPolicyArgs, opts ...pulumi.ResourceOption) (*ManagementPolicy, error) {
	opts = append(opts, rawres.Aliases(ManagementPolicyAliases))
	return rawres.New[ManagementPolicy](ctx, ManagementPolicyType, name, args, opts...)
}

// The types the SDK's NewX alias (the API-versioned tokens), read from its source at v3.16.0.
var StorageAccountAliases = []string{
	"azure-native:storage/v20150501preview:StorageAccount",
	"azure-native:storage/v20150615:StorageAccount",
	"azure-native:storage/v20160101:StorageAccount",
	"azure-native:storage/v20160501:StorageAccount",
	"azure-native:storage/v20161201:StorageAccount",
	"azure-native:storage/v20170601:StorageAccount",
	"azure-native:storage/v20171001:StorageAccount",
	"azure-native:storage/v20180201:StorageAccount",
	"azure-native:storage/v20180301preview:StorageAccount",
	"azure-native:storage/v20180701:StorageAccount",
	"azure-native:storage/v20181101:StorageAccount",
	"azure-native:storage/v20190401:StorageAccount",
	"azure-native:storage/v20190601:StorageAccount",
	"azure-native:storage/v20200801preview:StorageAccount",
	"azure-native:storage/v20210101:StorageAccount",
	"azure-native:storage/v20210201:StorageAccount",
	"azure-native:storage/v20210401:StorageAccount",
	"azure-native:storage/v20210601:StorageAccount",
	"azure-native:storage/v20210801:StorageAccount",
	"azure-native:storage/v20210901:StorageAccount",
	"azure-native:storage/v20220501:StorageAccount",
	"azure-native:storage/v20220901:StorageAccount",
	"azure-native:storage/v20230101:StorageAccount",
	"azure-native:storage/v20230401:StorageAccount",
	"azure-native:storage/v20230501:StorageAccount",
	"azure-native:storage/v20240101:StorageAccount",
	"azure-native:storage/v20250101:StorageAccount",
	"azure-native:storage/v20250601:StorageAccount",
}
var BlobContainerAliases = []string{
	"azure-native:storage/v20180201:BlobContainer",
	"azure-native:storage/v20180301preview:BlobContainer",
	"azure-native:storage/v20180701:BlobContainer",
	"azure-native:storage/v20181101:BlobContainer",
	"azure-native:storage/v20190401:BlobContainer",
	"azure-native:storage/v20190601:BlobContainer",
	"azure-native:storage/v20200801preview:BlobContainer",
	"azure-native:storage/v20210101:BlobContainer",
	"azure-native:storage/v20210201:BlobContainer",
	"azure-native:storage/v20210401:BlobContainer",
	"azure-native:storage/v20210601:BlobContainer",
	"azure-native:storage/v20210801:BlobContainer",
	"azure-native:storage/v20210901:BlobContainer",
	"azure-native:storage/v20220501:BlobContainer",
	"azure-native:storage/v20220901:BlobContainer",
	"azure-native:storage/v20230101:BlobContainer",
	"azure-native:storage/v20230401:BlobContainer",
	"azure-native:storage/v20230501:BlobContainer",
	"azure-native:storage/v20240101:BlobContainer",
	"azure-native:storage/v20250101:BlobContainer",
	"azure-native:storage/v20250601:BlobContainer",
}
var ManagementPolicyAliases = []string{
	"azure-native:storage/v20180301preview:ManagementPolicy",
	"azure-native:storage/v20181101:ManagementPolicy",
	"azure-native:storage/v20190401:ManagementPolicy",
	"azure-native:storage/v20190601:ManagementPolicy",
	"azure-native:storage/v20200801preview:ManagementPolicy",
	"azure-native:storage/v20210101:ManagementPolicy",
	"azure-native:storage/v20210201:ManagementPolicy",
	"azure-native:storage/v20210401:ManagementPolicy",
	"azure-native:storage/v20210601:ManagementPolicy",
	"azure-native:storage/v20210801:ManagementPolicy",
	"azure-native:storage/v20210901:ManagementPolicy",
	"azure-native:storage/v20220501:ManagementPolicy",
	"azure-native:storage/v20220901:ManagementPolicy",
	"azure-native:storage/v20230101:ManagementPolicy",
	"azure-native:storage/v20230401:ManagementPolicy",
	"azure-native:storage/v20230501:ManagementPolicy",
	"azure-native:storage/v20240101:ManagementPolicy",
	"azure-native:storage/v20250101:ManagementPolicy",
	"azure-native:storage/v20250601:ManagementPolicy",
}
