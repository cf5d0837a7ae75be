package bucket_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/bucket/buckettest"
	"github.com/nimbus-iac/nimbus/components/componenttest"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/internal/fakecloud"
)

var azureBucket = bucket.AzureBlob{ResourceGroupName: pulumi.String("nimbus-dev"), Location: "westeurope", SubscriptionID: pulumi.String(fakecloud.AzureSubscription)}

const (
	storageAccountType = "azure-native:storage:StorageAccount"
	containerType      = "azure-native:storage:BlobContainer"
	roleAssignmentType = "azure-native:authorization:RoleAssignment"
)

// azureConsumer stands for the Container Apps function: the binding's grants for its identity,
// under the consumer's component.
func azureConsumer(ctx *pulumi.Context, t *testing.T, g link.Grant) (link.AzureApplied, map[string]any) {
	t.Helper()
	b := componenttest.Binding[link.AzureBinding](t, g)
	var fn struct{ pulumi.ResourceState }
	if err := ctx.RegisterComponentResource(buckettest.ConsumerType, "api", &fn); err != nil {
		t.Fatal(err)
	}
	applied, err := link.ApplyAzureGrants(ctx, "api-images", b, link.AzureConsumer{PrincipalID: pulumi.String("api-principal"), ClientID: pulumi.String("api-client"), Name: pulumi.String("api")}, pulumi.Parent(&fn))
	if err != nil {
		t.Fatal(err)
	}
	return applied, componenttest.AwaitEnv(t, b.Env)
}

func TestAzureBucketConformance(t *testing.T) {
	var env map[string]any
	buckettest.Run(t, azureBucket.New, buckettest.Cloud{
		Private: func(t *testing.T, r componenttest.Result) {
			acct := r.One(t, storageAccountType)
			got := map[string]any{}
			for _, k := range []string{"kind", "sku", "allowBlobPublicAccess", "allowSharedKeyAccess", "minimumTlsVersion", "enableHttpsTrafficOnly"} {
				got[k] = componenttest.Prop(acct.Inputs, k)
			}
			want := map[string]any{
				"kind": "StorageV2", "sku": map[string]any{"name": "Standard_LRS"}, "allowBlobPublicAccess": false,
				"allowSharedKeyAccess": false, "minimumTlsVersion": "TLS1_2", "enableHttpsTrafficOnly": true,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("no public access, no shared keys, TLS 1.2, HTTPS only (-want +got):\n%s", diff)
			}
			c := r.One(t, containerType)
			if got := componenttest.Prop(c.Inputs, "publicAccess"); got != "None" {
				t.Errorf("the container is private, got publicAccess %v", got)
			}
			policy := r.One(t, "azure-native:storage:ManagementPolicy")
			rule := componenttest.Prop(policy.Inputs, "policy.rules.0")
			wantRule := map[string]any{"name": "expire", "type": "Lifecycle", "enabled": true, "definition": map[string]any{
				"actions": map[string]any{"baseBlob": map[string]any{"delete": map[string]any{"daysAfterModificationGreaterThan": 30.0}}},
				"filters": map[string]any{"blobTypes": []any{"blockBlob"}, "prefixMatch": []any{"images/"}},
			}}
			if diff := cmp.Diff(wantRule, rule); diff != "" {
				t.Errorf("blobs expire 30 days after their last write (-want +got):\n%s", diff)
			}
			roles := map[string]string{}
			for _, ra := range r.ByType(roleAssignmentType) {
				role := componenttest.Str(ra.Inputs, "roleDefinitionId")
				roles[ra.Name] = role[strings.LastIndex(role, "/")+1:] + " on " + componenttest.Str(ra.Inputs, "scope")
			}
			wantRoles := map[string]string{
				"api-images-read-originals":   "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1 on " + c.ID,
				"api-images-write-thumbnails": "ba92f5b4-2d11-453d-a403-e96b0029c9fe on " + c.ID,
			}
			if diff := cmp.Diff(wantRoles, roles); diff != "" {
				t.Errorf("a data role per prefix, on the container only (-want +got):\n%s", diff)
			}
			conds := map[string]any{}
			for _, ra := range r.ByType(roleAssignmentType) {
				conds[ra.Name] = componenttest.Str(ra.Inputs, "condition") + " v" + componenttest.Str(ra.Inputs, "conditionVersion")
			}
			wantConds := map[string]any{
				"api-images-read-originals":   bucket.BlobCondition("read", "originals/") + " v2.0",
				"api-images-write-thumbnails": bucket.BlobCondition("write", "thumbnails/") + " v2.0",
			}
			if diff := cmp.Diff(wantConds, conds); diff != "" {
				t.Errorf("each role narrowed to its prefix (-want +got):\n%s", diff)
			}
			acctName := componenttest.Str(acct.Outputs, "name")
			if diff := cmp.Diff(map[string]any{"ACCOUNT_URL": "https://" + acctName + ".blob.core.windows.net"}, env); diff != "" {
				t.Errorf("the consumer's env (-want +got):\n%s", diff)
			}
			if g := r.Cloud.Generic(); len(g) > 0 {
				t.Errorf("every Azure type has a fake cloud model, these used the generic one: %v", g)
			}
		},
		Grant: func(t *testing.T, g link.Grant) {
			b := componenttest.Binding[link.AzureBinding](t, g)
			if len(b.Grants) != 2 {
				t.Errorf("want one grant per prefix, got %d", len(b.Grants))
			}
		},
		Consume: func(ctx *pulumi.Context, t *testing.T, g link.Grant) {
			_, env = azureConsumer(ctx, t, g)
		},
	})
}

// TestAzureBlobConditions checks the condition each use of a prefix gets: the role's blob
// actions only under the prefix, and no reading at all for write alone.
func TestAzureBlobConditions(t *testing.T) {
	const blobs = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
	under := "@Resource[" + blobs + ":path] StringStartsWith 'originals/'"
	noRead := "!(ActionMatches{'" + blobs + "/read'})"
	noWrite := "!(ActionMatches{'" + blobs + "/write'}) AND !(ActionMatches{'" + blobs + "/add/action'}) AND !(ActionMatches{'" + blobs + "/delete'})"
	cases := map[string]struct {
		use, prefix, want string
	}{
		"read all":         {"read", "", ""},
		"readwrite all":    {"readwrite", "", ""},
		"write all":        {"write", "", "(" + noRead + ")"},
		"read prefix":      {"read", "originals/", "((" + noRead + ") OR (" + under + "))"},
		"write prefix":     {"write", "originals/", "((" + noRead + ") AND ((" + noWrite + ") OR (" + under + ")))"},
		"readwrite prefix": {"readwrite", "originals/", "((" + noRead + " AND " + noWrite + ") OR (" + under + "))"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, bucket.BlobCondition(tc.use, tc.prefix)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestAzureAccountName checks storage account names fit Azure's rule (3 to 24 lower-case
// letters and digits, global) and differ by stack.
func TestAzureAccountName(t *testing.T) {
	names := map[string]bool{}
	for _, stack := range []string{"dev-azure", "prod-azure"} {
		for _, bucketName := range []string{"images", "Very-Long_Bucket.Name.2026"} {
			n := bucket.AccountName("nimbus", stack, bucketName)
			if len(n) < 3 || len(n) > 24 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
				t.Errorf("AccountName(%s, %s) = %q: not 3 to 24 lower-case letters and digits", stack, bucketName, n)
			}
			names[n] = true
		}
	}
	if len(names) != 4 {
		keys := make([]string, 0, len(names))
		for k := range names {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Errorf("names must differ by stack and bucket, got %v", keys)
	}
	if got := bucket.AccountName("nimbus", "dev-azure", "images"); got != bucket.AccountName("nimbus", "dev-azure", "images") || !strings.HasPrefix(got, "images") {
		t.Errorf("the name must be stable and start with the bucket's, got %q", got)
	}
}

func TestAzureBucketInvalid(t *testing.T) {
	cases := map[string]struct {
		az   bucket.AzureBlob
		want string
	}{
		"redundancy": {bucket.AzureBlob{ResourceGroupName: pulumi.String("g"), SubscriptionID: pulumi.String("s"), Location: "westeurope", Redundancy: "Premium_LRS"}, `Redundancy must be one of [Standard_LRS Standard_ZRS], got "Premium_LRS"`},
		"location":   {bucket.AzureBlob{ResourceGroupName: pulumi.String("g"), SubscriptionID: pulumi.String("s")}, "Location must be an Azure region like westeurope"},
		"group":      {bucket.AzureBlob{SubscriptionID: pulumi.String("s"), Location: "westeurope"}, "ResourceGroupName is required on azure"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			componenttest.AssertRejected(t, func(ctx *pulumi.Context) error {
				_, err := tc.az.New(ctx, "images", nil)
				return err
			}, tc.want)
		})
	}
}
