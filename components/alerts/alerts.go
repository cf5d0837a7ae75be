package alerts

import (
	"fmt"
	"net/mail"
	"regexp"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
)

// Type is the component's type token.
const Type = "nimbus:alerts:Alerts"

// Constructor creates where alarms go on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error)

// AlertsArgs say where alarms go. The zero value creates a target nobody is subscribed to yet.
type AlertsArgs struct {
	// Emails are subscribed to the target by email. Default none.
	Emails []string
	// Existing is a notification target to use instead of creating one (on AWS an SNS topic ARN);
	// Emails must then be empty.
	Existing string
}

// Alerts is a notification target.
type Alerts struct {
	pulumi.ResourceState

	// Target is what alarm actions name: on AWS the SNS topic's ARN; on GCP the notification
	// channels' names, joined by commas.
	Target pulumi.StringOutput `pulumi:"target"`

	channels pulumi.StringArrayOutput // GCP
}

// snsTopicARN is an SNS topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME.
var snsTopicARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// Validate reports every problem with the args of alerts called name. Components that create
// alerts as their child call it with their own Args, before registering anything.
func (a AlertsArgs) Validate(name string) error {
	p := check.For("alerts", name)
	for i, e := range a.Emails {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e {
			p.Add("Emails[%d] must be a plain email address like ops@example.com, got %q", i, e)
		}
	}
	if a.Existing != "" && len(a.Emails) > 0 {
		p.Add("Emails must be empty with Existing (%s): subscribe them where that target is managed", a.Existing)
	}
	return p.Err()
}

func register(ctx *pulumi.Context, name string, args *AlertsArgs, opts []pulumi.ResourceOption) (*Alerts, AlertsArgs, error) {
	if args == nil {
		args = &AlertsArgs{}
	}
	if err := args.Validate(name); err != nil {
		return nil, *args, err
	}
	al := &Alerts{}
	if err := ctx.RegisterComponentResource(Type, name, al, opts...); err != nil {
		return nil, *args, fmt.Errorf("cannot register alerts %q: %w", name, err)
	}
	return al, *args, nil
}

func (al *Alerts) finish(ctx *pulumi.Context) error {
	return ctx.RegisterResourceOutputs(al, pulumi.Map{"target": al.Target})
}
