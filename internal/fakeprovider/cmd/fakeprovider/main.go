// Command fakeprovider serves the fake cloud as the Pulumi resource provider it is named for
// (pulumi-resource-aws, pulumi-resource-random): a test double, see internal/fakeprovider.
package main

import (
	"fmt"
	"os"

	"github.com/nimbus-iac/nimbus/internal/fakeprovider"
)

func main() {
	if err := fakeprovider.Main(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
