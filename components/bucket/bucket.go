package bucket

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/check"
	"github.com/nimbus-iac/nimbus/components/link"
)

// Type is the component's type token.
const Type = "nimbus:bucket:Bucket"

// Constructor creates a bucket on one cloud.
type Constructor func(ctx *pulumi.Context, name string, args *BucketArgs, opts ...pulumi.ResourceOption) (*Bucket, error)

// BucketArgs describe a bucket. Zero values take the documented defaults.
type BucketArgs struct {
	// ExpireDays deletes objects this many days after they were written: 0 (never, the default)
	// to 3650.
	ExpireDays int
	// ForceDestroy deletes the bucket's objects with the bucket on destroy. Default false.
	ForceDestroy bool
}

// Bucket is object storage.
type Bucket struct {
	pulumi.ResourceState

	// Name is the cloud's name of the bucket.
	Name pulumi.StringOutput `pulumi:"name"`

	name   string
	grants granter
}

type granter interface {
	// bind makes the cloud's binding for uses, already checked.
	bind(uses []Use) link.Binding
}

// Use is one kind of access on one key prefix.
type Use struct {
	Access link.Access // link.Read or link.Write
	Prefix string      // "" (the whole bucket) or a prefix ending in "/", such as "originals/"
}

// Grant hands a consumer the given uses. Env: BUCKET (the bucket's name).
func (b *Bucket) Grant(uses ...Use) (link.Grant, error) {
	p := check.For("bucket", b.name)
	g := link.Grant{Resource: "bucket " + b.name, Env: map[string]link.Value{"BUCKET": link.Plain(b.Name)}}
	var access []string
	var valid []Use
	for _, u := range uses {
		if u.Access != link.Read && u.Access != link.Write {
			p.Add("access must be %s or %s, got %q", link.Read, link.Write, u.Access)
			continue
		}
		if u.Prefix != "" && (!strings.HasSuffix(u.Prefix, "/") || strings.ContainsAny(u.Prefix, "*?")) {
			p.Add("prefix must be empty or end in / without wildcards, got %q", u.Prefix)
			continue
		}
		valid = append(valid, u)
		access = append(access, string(u.Access)+" "+u.Prefix)
	}
	if len(uses) == 0 {
		p.Add("Grant needs at least one use")
	}
	g.Access = link.Access(strings.Join(access, ", "))
	if err := p.Err(); err != nil {
		return g, err
	}
	g.Binding = b.grants.bind(valid)
	return g, nil
}

func (a BucketArgs) validate(name string) error {
	p := check.For("bucket", name)
	p.Between("ExpireDays", a.ExpireDays, 0, 3650)
	return p.Err()
}

func register(ctx *pulumi.Context, name string, args *BucketArgs, opts []pulumi.ResourceOption) (*Bucket, BucketArgs, error) {
	if args == nil {
		args = &BucketArgs{}
	}
	if err := args.validate(name); err != nil {
		return nil, *args, err
	}
	b := &Bucket{name: name}
	if err := ctx.RegisterComponentResource(Type, name, b, opts...); err != nil {
		return nil, *args, fmt.Errorf("cannot register bucket %q: %w", name, err)
	}
	return b, *args, nil
}

func (b *Bucket) finish(ctx *pulumi.Context) error {
	return ctx.RegisterResourceOutputs(b, pulumi.Map{"name": b.Name})
}
