package azauthorization

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
	"github.com/nimbus-iac/nimbus/components/internal/rawres/rawrestest"
)

// TestLockSchema pins the lock wrapper's token, inputs and outputs to the SDK's generated
// source.
func TestLockSchema(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "managementLockByScope.go"), "ManagementLockByScope")
	if err != nil {
		t.Fatal(err)
	}
	enums, err := rawrestest.ParseEnums(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string(nil), rawrestest.Pin(rawrestest.ResolveEnums(sdk, enums), ManagementLockByScopeType, reflect.TypeFor[ManagementLockByScope]())); diff != "" {
		t.Errorf("ManagementLockByScope differs from the SDK's (-want +got):\n%s", diff)
	}
}

type wrongLockArgs struct {
	Level pulumi.StringPtrInput `pulumi:"level"`
	Scope pulumi.StringInput    `pulumi:"scope"`
	Kind  pulumi.StringPtrInput `pulumi:"kind"`
}

// TestLockPinFails checks the pin notices the required level left optional and a property the
// SDK does not have.
func TestLockPinFails(t *testing.T) {
	dir := rawrestest.DownloadDir(t, sdkModule, sdkVersion)
	sdk, err := rawrestest.ParseSDK(rawrestest.SDKFile(dir, "managementLockByScope.go"), "ManagementLockByScope")
	if err != nil {
		t.Fatal(err)
	}
	wrong := rawres.Type[wrongLockArgs]{Package: AzureNative, Token: ManagementLockByScopeType.Token}
	want := []string{
		`input "kind" is not an input of azure-native:authorization:ManagementLockByScope`,
		`input "level" is required by azure-native:authorization:ManagementLockByScope but not by the wrapper`,
	}
	if diff := cmp.Diff(want, rawrestest.Pin(sdk, wrong, reflect.TypeFor[ManagementLockByScope]())); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// TestLockRegisterOptions checks the wrapper registers what the SDK's NewManagementLockByScope
// adds: the version, the aliases, and nothing else.
func TestLockRegisterOptions(t *testing.T) {
	path := rawrestest.SDKFile(rawrestest.DownloadDir(t, sdkModule, sdkVersion), "managementLockByScope.go")
	rec := rawrestest.NewRegistrations()
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewManagementLockByScope(ctx, "lock", &ManagementLockByScopeArgs{Level: pulumi.String(LockCanNotDelete), Scope: pulumi.String("/s")})
		return err
	}, pulumi.WithMocks("nimbus", "test", rec))
	if err != nil {
		t.Fatal(err)
	}
	rec.MirrorsSDK(t, path, "ManagementLockByScope", ManagementLockByScopeType.Token, AzureNative.Version, "level", "scope")
}
