// Command pulumi-resource-kubernetes is the Pulumi Kubernetes provider plugin built from the pinned
// provider module. The module's own cmd/pulumi-resource-kubernetes embeds generated files that are
// not in the module zip, so this main embeds copies of the module's schema.json and
// terraform-mapping.json instead; `go generate` copies them here (they are not committed).
// Build with -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=4.33.0".
package main

//go:generate sh -c "cat \"$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes/schema.json\" > schema.json"
//go:generate sh -c "cat \"$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes/terraform-mapping.json\" > terraform-mapping.json"

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var mapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, mapping)
}
