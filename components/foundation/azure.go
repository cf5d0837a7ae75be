package foundation

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azresources"
	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// AzureGroup is an Azure resource group.
type AzureGroup struct {
	// Name is the group's name, every component's ResourceGroupName.
	Name pulumi.StringOutput
	// ID is its ARM id, /subscriptions/S/resourceGroups/NAME.
	ID pulumi.StringOutput
	// SubscriptionID is the S of ID: the subscription role definitions are named in.
	SubscriptionID pulumi.StringOutput
	// Resource is the azure-native:resources:ResourceGroup.
	Resource pulumi.Resource
}

// AzureArgs describe a resource group.
type AzureArgs struct {
	// Name is the exact name, 1 to 90 letters, digits and . _ - ( ), not ending in a period;
	// empty autonames it from the resource name.
	Name string
	// Location is the region of the group's metadata (the stack's azure-native:location).
	// Required.
	Location string
	// Tags are put on the group.
	Tags map[string]string
}

var (
	groupName = regexp.MustCompile(`^[-\w._()]{0,89}[-\w_()]$`)
	location  = regexp.MustCompile(`^[a-z][a-z0-9]*$`)
)

// NewAzure creates the stack's resource group.
func NewAzure(ctx *pulumi.Context, name string, args *AzureArgs, opts ...pulumi.ResourceOption) (*AzureGroup, error) {
	if args == nil {
		args = &AzureArgs{}
	}
	p := check.For("resource group", name)
	if args.Name != "" && !groupName.MatchString(args.Name) {
		p.Add("Name must be 1 to 90 letters, digits and . _ - ( ), not ending in a period, got %q", args.Name)
	}
	if !location.MatchString(args.Location) {
		p.Add("Location must be an Azure region like westeurope (the stack's azure-native:location), got %q", args.Location)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	in := &azresources.ResourceGroupArgs{Location: pulumi.StringPtr(args.Location)}
	if args.Name != "" {
		in.ResourceGroupName = pulumi.StringPtr(args.Name)
	}
	if len(args.Tags) > 0 {
		in.Tags = pulumi.ToStringMap(args.Tags)
	}
	rg, err := azresources.NewResourceGroup(ctx, name, in, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create resource group %q: %w", name, err)
	}
	id := rg.ID().ToStringOutput()
	return &AzureGroup{
		Name:           rg.Name,
		ID:             id,
		SubscriptionID: id.ApplyT(SubscriptionOf).(pulumi.StringOutput),
		Resource:       rg,
	}, nil
}

// SubscriptionOf is the subscription id of an ARM id /subscriptions/S/...; empty for anything
// else.
func SubscriptionOf(id string) string {
	rest, ok := strings.CutPrefix(id, "/subscriptions/")
	if !ok {
		return ""
	}
	s, _, _ := strings.Cut(rest, "/")
	return s
}
