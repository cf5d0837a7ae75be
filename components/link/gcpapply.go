package link

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ApplyGCPGrants applies a binding's Grants for consumer c (its service account; c.Service nil),
// naming them from name (unique per consumer and link, "api-images"), and merges what they give:
// Env (a key set by two grants is an error naming it) and Ready, which the consumer's service
// must wait for. The Cloud Run function calls it per link once its service account exists and
// before it creates its service; Deliveries are applied after the service.
func ApplyGCPGrants(ctx *pulumi.Context, name string, b GCPBinding, c GCPConsumer, opts ...pulumi.ResourceOption) (GCPApplied, error) {
	out := GCPApplied{Env: map[string]Value{}}
	if c.Email == nil || c.Member == nil {
		return out, fmt.Errorf("cannot apply the grants of %q: the consumer needs its service account's Email and Member", name)
	}
	for i, apply := range b.Grants {
		if apply == nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: it is nil", i, name)
		}
		got, err := apply(ctx, name, GCPConsumer{Email: c.Email, Member: c.Member}, opts...)
		if err != nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: %w", i, name, err)
		}
		if err := mergeEnv(out.Env, got.Env); err != nil {
			return out, fmt.Errorf("cannot apply grant %d of %q: %w", i, name, err)
		}
		out.Ready = append(out.Ready, got.Ready...)
	}
	return out, nil
}

// mergeEnv adds add to env; a key already there is an error naming it.
func mergeEnv(env, add map[string]Value) error {
	for _, k := range slices.Sorted(maps.Keys(add)) {
		if _, ok := env[k]; ok {
			return fmt.Errorf("%s is set by an earlier grant", k)
		}
		env[k] = add[k]
	}
	return nil
}

// GCPServiceAccountMember is the IAM member of a service account: "serviceAccount:" + email.
func GCPServiceAccountMember(email pulumi.StringInput) pulumi.StringOutput {
	return pulumi.Sprintf("serviceAccount:%s", email)
}
