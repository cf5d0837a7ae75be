package fakecloud

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// kubernetesKinds are the Kubernetes objects nimbus registers, keyed by the provider's type token
// (kubernetes:GROUP/VERSION:KIND; apiextensions.CustomResource registers under the same form),
// and whether each is namespaced.
var kubernetesKinds = map[string]bool{
	"kubernetes:core/v1:Namespace":                  false,
	"kubernetes:core/v1:ServiceAccount":             true,
	"kubernetes:core/v1:Secret":                     true,
	"kubernetes:serving.knative.dev/v1:Service":     true,
	"kubernetes:eventing.knative.dev/v1:Broker":     true,
	"kubernetes:eventing.knative.dev/v1:Trigger":    true,
	"kubernetes:postgresql.cnpg.io/v1:Cluster":      true,
	"kubernetes:postgresql.cnpg.io/v1:Pooler":       true,
	"kubernetes:networking.k8s.io/v1:NetworkPolicy": true,
	"kubernetes:batch/v1:Job":                       true,
}

func init() {
	for typ, namespaced := range kubernetesKinds {
		models[typ] = kubernetesObject(namespaced)
	}
}

// kubernetesObject models what pulumi-kubernetes v4 reports after creating an object with no
// controller running (a plan, or an API server without Knative's or CNPG's controllers): the
// inputs, metadata.name autonamed as the provider does (the logical name, "-" and 8 lower-case
// letters and digits) when the program set none, metadata.namespace "default" for a namespaced
// object without one, a uid, and no status. The id is NAMESPACE/NAME, or NAME for cluster-scoped
// objects.
func kubernetesObject(namespaced bool) model {
	return func(r *Request) (string, resource.PropertyMap) {
		meta := resource.PropertyMap{}
		if v := unwrap(r.Inputs["metadata"]); v.IsObject() {
			meta = v.ObjectValue().Copy()
		}
		name := str(meta["name"])
		if name == "" {
			name = r.Name + "-" + r.Alnum(8, "k8s-autoname")
			meta["name"] = resource.NewProperty(name)
		}
		id := name
		if namespaced {
			ns := str(meta["namespace"])
			if ns == "" {
				ns = "default"
				meta["namespace"] = resource.NewProperty(ns)
			}
			id = ns + "/" + name
		}
		meta["uid"] = resource.NewProperty(r.UUID("k8s-uid"))
		meta["creationTimestamp"] = resource.NewProperty(fixedTime)
		return id, resource.PropertyMap{"metadata": resource.NewProperty(meta)}
	}
}
