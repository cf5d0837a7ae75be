// Package awsconsumer is what every AWS compute consumer of links does the same way, whatever
// runs it (a Lambda function, an ECS service): take each link's AWS binding and the network's AWS
// placement, turn the bindings into IAM statements for the consumer's own role, build the
// security group that reaches exactly what the links reach, and render a policy document.
//
// The consumer's kind ("function", "service") names it in errors and descriptions, so that
// the function's plan is what it was before this package existed.
package awsconsumer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/awsec2"
	"github.com/nimbus-iac/nimbus/components/link"
	"github.com/nimbus-iac/nimbus/components/network"
)

// Consumer is one consumer's links and network as AWS applies them, taken and checked before
// anything is created.
type Consumer struct {
	// Kind is "function" or "service"; Name is the consumer's name.
	Kind, Name string
	Links      []Link
	// Placement is the AWS network's; nil without a network.
	Placement *network.AWSPlacement
	// Env is the environment: the links' plain values, then the consumer's own Env.
	Env pulumi.StringMap
}

// Link is a link with its AWS binding.
type Link struct {
	link.Link
	Binding link.AWSBinding
}

// Check takes each link's AWS binding and the network's AWS placement: a resource or network of
// another cloud, a reach without a network or a secret reference is an error naming the
// consumer. secretsWhy says why the runtime cannot take a secret reference.
func Check(kind, name string, links []link.Link, net *network.Network, env map[string]string, secretsWhy string) (Consumer, error) {
	on := Consumer{Kind: kind, Name: name}
	for _, l := range links {
		b, err := link.As[link.AWSBinding](l)
		if err != nil {
			return on, fmt.Errorf("%s %q: %w", kind, name, err)
		}
		if len(b.Reach) > 0 && net == nil {
			return on, fmt.Errorf("%s %q: link %s reaches %s inside a network, so Network is required", kind, name, l.Name, l.Grant.Resource)
		}
		on.Links = append(on.Links, Link{Link: l, Binding: b})
	}
	if net != nil {
		p, err := network.PlacementOf[*network.AWSPlacement](net)
		if err != nil {
			return on, fmt.Errorf("%s %q: %w", kind, name, err)
		}
		on.Placement = p
	}
	on.Env = pulumi.StringMap{}
	for k, v := range link.Environment(links) {
		switch v := v.(type) {
		case link.PlainValue:
			on.Env[k] = v.Value
		case link.SecretRef:
			return on, fmt.Errorf("%s %q: %s is a secret reference, but %s: an AWS resource must hand out the secret's ARN as a plain value, read at run time", kind, name, k, secretsWhy)
		}
	}
	for k, v := range env {
		on.Env[k] = pulumi.String(v)
	}
	return on, nil
}

// Statements are the links' IAM statements, each without a Sid given one from its link's name.
func (on Consumer) Statements() []link.Statement {
	var out []link.Statement
	for _, l := range on.Links {
		for i, s := range l.Binding.Statements {
			if s.Sid == "" {
				s.Sid = fmt.Sprintf("%s%d", SidPart(l.Name), i+1)
			}
			out = append(out, s)
		}
	}
	return out
}

// title is the kind with its first letter upper-cased, for descriptions.
func (on Consumer) title() string {
	return strings.ToUpper(on.Kind[:1]) + on.Kind[1:]
}

// SecurityGroup creates the consumer's security group, which reaches exactly what its links
// reach: the AWS endpoints over HTTPS (S3 through its gateway) and each linked security group on
// its port, which in turn admits the consumer. It returns the group; callers add their own
// ingress (a service admits its load balancer).
func SecurityGroup(ctx *pulumi.Context, on Consumer, parent pulumi.ResourceOption) (*awsec2.SecurityGroup, error) {
	name, net := on.Name, on.Placement
	sg, err := awsec2.NewSecurityGroup(ctx, name, &awsec2.SecurityGroupArgs{
		VpcId:       net.VpcID,
		Description: pulumi.Sprintf("%s %s: egress to its links only", on.title(), name),
	}, parent)
	if err != nil {
		return nil, fmt.Errorf("cannot create security group for %s %q: %w", on.Kind, name, err)
	}
	egress := func(rule string, args *vpc.SecurityGroupEgressRuleArgs) error {
		args.SecurityGroupId = sg.ID()
		args.IpProtocol = pulumi.String("tcp")
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-"+rule, args, parent); err != nil {
			return fmt.Errorf("cannot allow %s %q egress %s: %w", on.Kind, name, rule, err)
		}
		return nil
	}
	if net.Existing {
		// An existing VPC reaches AWS services its own way (endpoints or NAT): allow HTTPS out.
		if err := egress("https", &vpc.SecurityGroupEgressRuleArgs{
			Description: pulumi.String("HTTPS to AWS services"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), CidrIpv4: pulumi.String("0.0.0.0/0"),
		}); err != nil {
			return nil, err
		}
	} else {
		if err := egress("endpoints", &vpc.SecurityGroupEgressRuleArgs{
			Description: pulumi.String("HTTPS to the interface endpoints"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), ReferencedSecurityGroupId: net.EndpointSecurityGroupID,
		}); err != nil {
			return nil, err
		}
		if err := egress("s3", &vpc.SecurityGroupEgressRuleArgs{
			Description: pulumi.String("HTTPS to S3 through the gateway endpoint"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443), PrefixListId: net.S3PrefixListID,
		}); err != nil {
			return nil, err
		}
	}
	for _, l := range on.Links {
		for i, r := range l.Binding.Reach {
			rule := fmt.Sprintf("%s-%d", strings.ToLower(l.Name), i+1)
			if err := egress(rule, &vpc.SecurityGroupEgressRuleArgs{
				Description: pulumi.String(r.Description), FromPort: pulumi.Int(r.Port), ToPort: pulumi.Int(r.Port), ReferencedSecurityGroupId: r.SecurityGroupID,
			}); err != nil {
				return nil, err
			}
			if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-to-"+rule, &vpc.SecurityGroupIngressRuleArgs{
				SecurityGroupId:           r.SecurityGroupID,
				Description:               pulumi.Sprintf("From %s %s", on.Kind, name),
				IpProtocol:                pulumi.String("tcp"),
				FromPort:                  pulumi.Int(r.Port),
				ToPort:                    pulumi.Int(r.Port),
				ReferencedSecurityGroupId: sg.ID(),
			}, parent); err != nil {
				return nil, fmt.Errorf("cannot admit %s %q to %s: %w", on.Kind, name, l.Grant.Resource, err)
			}
		}
	}
	return sg, nil
}

// PolicyDocument renders IAM statements as a policy document. It only formats values; it creates
// nothing.
func PolicyDocument(statements []link.Statement) pulumi.StringOutput {
	resources := make([]any, len(statements))
	for i, s := range statements {
		resources[i] = s.Resources.ToStringArrayOutput()
	}
	return pulumi.All(resources...).ApplyT(func(all []any) (string, error) {
		type stmt struct {
			Sid       string                         `json:"Sid"`
			Effect    string                         `json:"Effect"`
			Action    []string                       `json:"Action"`
			Resource  []string                       `json:"Resource"`
			Condition map[string]map[string][]string `json:"Condition,omitempty"`
		}
		doc := struct {
			Version   string `json:"Version"`
			Statement []stmt `json:"Statement"`
		}{Version: "2012-10-17"}
		for i, s := range statements {
			actions := append([]string(nil), s.Actions...)
			sort.Strings(actions)
			var cond map[string]map[string][]string
			for _, c := range s.Conditions {
				if cond == nil {
					cond = map[string]map[string][]string{}
				}
				if cond[c.Operator] == nil {
					cond[c.Operator] = map[string][]string{}
				}
				cond[c.Operator][c.Key] = append(cond[c.Operator][c.Key], c.Values...)
			}
			doc.Statement = append(doc.Statement, stmt{Sid: s.Sid, Effect: "Allow", Action: actions, Resource: all[i].([]string), Condition: cond})
		}
		b, err := json.Marshal(doc)
		return string(b), err
	}).(pulumi.StringOutput)
}

// SidPart turns a link name into the alphanumeric form IAM statement ids require.
func SidPart(name string) string {
	var b strings.Builder
	up := true
	for _, r := range strings.ToLower(name) {
		switch {
		case r == '_':
			up = true
		case up:
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
