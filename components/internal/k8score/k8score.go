// Package k8score is the few Kubernetes core/v1 resources nimbus creates (a Namespace and
// ServiceAccounts), as typed wrappers registered with package rawres instead of
// pulumi-kubernetes' core/v1 package, which registers every core/v1 output type at init and so
// puts about 36,500 symbols in the program binary that the linker cannot drop (issue 9). Each
// wrapper has only the properties nimbus sets or reads; NewX sets apiVersion and kind as the
// typed SDK's NewX does. schema_test.go pins tokens, names and types to the SDK's generated code.
package k8score

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/components/internal/rawres"
)

// Kubernetes is pulumi-kubernetes as its Go SDK (sdk/v4 v4.33.0, go.mod) registers resources, so
// these share the default provider (and any explicit one) with the typed apiextensions resources.
var Kubernetes = rawres.Package{Name: "kubernetes", Version: "4.33.0"}

// ObjectMetaArgs is the part of an object's metadata (meta/v1 ObjectMeta) nimbus sets.
type ObjectMetaArgs struct {
	// Name is the object's name; the provider autonames it when nil.
	Name pulumi.StringPtrInput `pulumi:"name"`
	// Namespace is a namespaced object's namespace; the provider's default namespace when nil.
	Namespace   pulumi.StringPtrInput `pulumi:"namespace"`
	Labels      pulumi.StringMapInput `pulumi:"labels"`
	Annotations pulumi.StringMapInput `pulumi:"annotations"`
}

// NamespaceType is a namespace.
var NamespaceType = rawres.Type[NamespaceArgs]{Package: Kubernetes, Token: "kubernetes:core/v1:Namespace"}

// NamespaceArgs are a namespace's inputs.
type NamespaceArgs struct {
	// ApiVersion and Kind are set by NewNamespace to v1 and Namespace, as the typed SDK sets them;
	// a value given here is replaced.
	ApiVersion pulumi.StringPtrInput `pulumi:"apiVersion"`
	Kind       pulumi.StringPtrInput `pulumi:"kind"`
	Metadata   *ObjectMetaArgs       `pulumi:"metadata"`
}

// Namespace is a namespace's outputs. Read Metadata's name with rawres.String(m, "name").
type Namespace struct {
	pulumi.CustomResourceState

	Metadata pulumi.MapOutput `pulumi:"metadata"`
}

// NewNamespace registers a namespace.
func NewNamespace(ctx *pulumi.Context, name string, args *NamespaceArgs, opts ...pulumi.ResourceOption) (*Namespace, error) {
	a := NamespaceArgs{}
	if args != nil {
		a = *args
	}
	a.ApiVersion, a.Kind = pulumi.StringPtr("v1"), pulumi.StringPtr("Namespace")
	return rawres.New[Namespace](ctx, NamespaceType, name, &a, opts...)
}

// ServiceAccountType is a service account, a workload's identity in the cluster.
var ServiceAccountType = rawres.Type[ServiceAccountArgs]{Package: Kubernetes, Token: "kubernetes:core/v1:ServiceAccount"}

// ServiceAccountArgs are a service account's inputs.
type ServiceAccountArgs struct {
	// ApiVersion and Kind are set by NewServiceAccount to v1 and ServiceAccount, as the typed SDK
	// sets them; a value given here is replaced.
	ApiVersion pulumi.StringPtrInput `pulumi:"apiVersion"`
	Kind       pulumi.StringPtrInput `pulumi:"kind"`
	Metadata   *ObjectMetaArgs       `pulumi:"metadata"`
	// AutomountServiceAccountToken mounts an API token into the account's pods unless false;
	// Kubernetes defaults to true.
	AutomountServiceAccountToken pulumi.BoolPtrInput `pulumi:"automountServiceAccountToken"`
}

// ServiceAccount is a service account's outputs. Read Metadata's name and namespace with
// rawres.String(m, "name") and rawres.String(m, "namespace").
type ServiceAccount struct {
	pulumi.CustomResourceState

	Metadata pulumi.MapOutput `pulumi:"metadata"`
}

// NewServiceAccount registers a service account.
func NewServiceAccount(ctx *pulumi.Context, name string, args *ServiceAccountArgs, opts ...pulumi.ResourceOption) (*ServiceAccount, error) {
	a := ServiceAccountArgs{}
	if args != nil {
		a = *args
	}
	a.ApiVersion, a.Kind = pulumi.StringPtr("v1"), pulumi.StringPtr("ServiceAccount")
	return rawres.New[ServiceAccount](ctx, ServiceAccountType, name, &a, opts...)
}
