package alerts

import (
	"fmt"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/azmonitor"
)

// actionGroupID is an Azure Monitor action group's ARM id.
var actionGroupID = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/microsoft\.insights/actionGroups/[^/]+$`)

// AzureAlerts creates where Azure Monitor alerts go. Its New is a [Constructor].
type AzureAlerts struct {
	// ResourceGroupName is the stack's resource group. Required.
	ResourceGroupName pulumi.StringInput
}

// New creates an action group emailing Emails, or uses the Existing action group (its ARM id).
// Target is the action group's id, which metric alerts name in their actions.
func (az AzureAlerts) New(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if az.ResourceGroupName == nil {
		return nil, fmt.Errorf("alerts %q: ResourceGroupName is required: the resource group the action group is created in", name)
	}
	if args != nil {
		if err := CheckAzure(name, *args); err != nil {
			return nil, err
		}
	}
	al, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	if a.Existing != "" {
		al.Target = pulumi.String(a.Existing).ToStringOutput()
		return al, al.finish(ctx)
	}
	var receivers []azmonitor.EmailReceiverArgs
	for i, email := range a.Emails {
		receivers = append(receivers, azmonitor.EmailReceiverArgs{
			Name: pulumi.Sprintf("email-%d", i+1), EmailAddress: pulumi.String(email), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	group, err := azmonitor.NewActionGroup(ctx, name, &azmonitor.ActionGroupArgs{
		ResourceGroupName: az.ResourceGroupName,
		// The short name is what the emails and texts show: at most 12 characters.
		GroupShortName: pulumi.String(shortName(name)),
		Location:       pulumi.String("Global"),
		EmailReceivers: receivers,
	}, pulumi.Parent(al))
	if err != nil {
		return nil, fmt.Errorf("cannot create the action group of alerts %q: %w", name, err)
	}
	al.Target = group.ID().ToStringOutput()
	return al, al.finish(ctx)
}

// shortName fits name into an action group's 12-character short name.
func shortName(name string) string {
	if len(name) > 12 {
		return name[:12]
	}
	return name
}

// CheckAzure rejects what Azure cannot use: an Existing target that is not an action group's
// ARM id. Components that create alerts on Azure call it before registering anything.
func CheckAzure(name string, a AlertsArgs) error {
	if a.Existing != "" && !actionGroupID.MatchString(a.Existing) {
		return fmt.Errorf("alerts %q: Existing must be an Azure Monitor action group's id like /subscriptions/SUBSCRIPTION/resourceGroups/GROUP/providers/microsoft.insights/actionGroups/NAME on azure, got %q", name, a.Existing)
	}
	return nil
}
