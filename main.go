// Command nimbus-program is the Pulumi program of the nimbus project; all of it is stacks.Program.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/nimbus-iac/nimbus/stacks"
)

func main() { pulumi.Run(stacks.Program) }
