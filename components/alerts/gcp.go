package alerts

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v9/go/gcp/monitoring"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

var _ Constructor = NewGCPAlerts

// notificationChannel is a Cloud Monitoring notification channel's name.
var notificationChannel = regexp.MustCompile(`^projects/[a-z][a-z0-9-]{4,28}[a-z0-9]/notificationChannels/[0-9]+$`)

// NewGCPAlerts creates a Cloud Monitoring email notification channel per email, or uses an
// existing channel. Target is the channels' names joined by commas; alert policies take
// GCPChannels.
func NewGCPAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	if args != nil {
		if err := CheckGCP(name, *args); err != nil {
			return nil, err
		}
	}
	al, a, err := register(ctx, name, args, opts)
	if err != nil {
		return nil, err
	}
	if a.Existing != "" {
		al.channels = pulumi.ToStringArray([]string{a.Existing}).ToStringArrayOutput()
		al.Target = pulumi.String(a.Existing).ToStringOutput()
		return al, al.finish(ctx)
	}
	var channels pulumi.StringArray
	for i, email := range a.Emails {
		ch, err := monitoring.NewNotificationChannel(ctx, fmt.Sprintf("%s-email-%d", name, i+1), &monitoring.NotificationChannelArgs{
			DisplayName: pulumi.Sprintf("%s: %s", name, email),
			Type:        pulumi.String("email"),
			Labels:      pulumi.StringMap{"email_address": pulumi.String(email)},
		}, pulumi.Parent(al))
		if err != nil {
			return nil, fmt.Errorf("cannot create the notification channel of %s for alerts %q: %w", email, name, err)
		}
		channels = append(channels, ch.Name)
	}
	al.channels = channels.ToStringArrayOutput()
	al.Target = al.channels.ApplyT(func(c []string) string { return strings.Join(c, ",") }).(pulumi.StringOutput)
	return al, al.finish(ctx)
}

// GCPChannels are the notification channels an alert policy of these alerts names; empty when
// nobody is subscribed yet (the policy still records incidents).
func GCPChannels(al *Alerts) pulumi.StringArrayOutput {
	if al.channels == (pulumi.StringArrayOutput{}) {
		return pulumi.ToStringArray(nil).ToStringArrayOutput()
	}
	return al.channels
}

// CheckGCP rejects what GCP cannot use: an Existing target that is not a notification channel's
// name. Components that create alerts on GCP call it before registering anything.
func CheckGCP(name string, a AlertsArgs) error {
	if a.Existing != "" && !notificationChannel.MatchString(a.Existing) {
		return fmt.Errorf("alerts %q: Existing must be a Cloud Monitoring notification channel like projects/my-project/notificationChannels/123 on GCP, got %q", name, a.Existing)
	}
	return nil
}
