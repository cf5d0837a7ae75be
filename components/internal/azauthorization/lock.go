package azauthorization

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// Management lock levels.
const (
	// LockCanNotDelete lets authorized users read and modify the resource, but not delete it.
	LockCanNotDelete = "CanNotDelete"
	// LockReadOnly lets them only read it.
	LockReadOnly = "ReadOnly"
)

// ManagementLockByScopeType is a management lock on one scope: a resource's id (a Flexible
// Server), and what is below it. Azure refuses to delete a resource under a CanNotDelete lock,
// whoever asks, until the lock is removed.
var ManagementLockByScopeType = rawres.Type[ManagementLockByScopeArgs]{Package: AzureNative, Token: "azure-native:authorization:ManagementLockByScope"}

// ManagementLockByScopeArgs are a lock's inputs.
type ManagementLockByScopeArgs struct {
	// Level is CanNotDelete or ReadOnly (LockCanNotDelete, LockReadOnly).
	Level pulumi.StringInput `pulumi:"level"`
	// Scope is the id of the resource locked.
	Scope pulumi.StringInput `pulumi:"scope"`
	// LockName is autonamed from the resource name when nil.
	LockName pulumi.StringPtrInput `pulumi:"lockName"`
	// Notes say why, up to 512 characters.
	Notes pulumi.StringPtrInput `pulumi:"notes"`
}

// ManagementLockByScope is a lock's outputs. Its id is the scope +
// /providers/Microsoft.Authorization/locks/NAME.
type ManagementLockByScope struct {
	pulumi.CustomResourceState

	Name  pulumi.StringOutput `pulumi:"name"`
	Level pulumi.StringOutput `pulumi:"level"`
}

// ManagementLockByScopeAliases are the types the SDK's NewManagementLockByScope aliases.
var ManagementLockByScopeAliases = func() []string {
	var out []string
	for _, v := range []string{"20160901", "20170401", "20200501"} {
		out = append(out, fmt.Sprintf("azure-native:authorization/v%s:ManagementLockByScope", v))
	}
	return out
}()

// NewManagementLockByScope registers a lock with the SDK's aliases.
func NewManagementLockByScope(ctx *pulumi.Context, name string, args *ManagementLockByScopeArgs, opts ...pulumi.ResourceOption) (*ManagementLockByScope, error) {
	opts = append(opts, rawres.Aliases(ManagementLockByScopeAliases))
	return rawres.New[ManagementLockByScope](ctx, ManagementLockByScopeType, name, args, opts...)
}
