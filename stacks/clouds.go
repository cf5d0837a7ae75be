package stacks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nimbus-iac/nimbus/components/bucket"
	"github.com/nimbus-iac/nimbus/components/database"
	"github.com/nimbus-iac/nimbus/components/function"
	"github.com/nimbus-iac/nimbus/components/network"
	"github.com/nimbus-iac/nimbus/components/queue"
)

// Cloud is one implementation of every component.
type Cloud struct {
	Network  network.Constructor
	Bucket   bucket.Constructor
	Queue    queue.Constructor
	Database database.Constructor
	Function function.Constructor
}

// clouds maps the nimbus:cloud setting to implementations. A nil entry is a cloud the project
// plans for but does not implement yet.
var clouds = map[string]*Cloud{
	"aws": {
		Network:  network.NewAWSNetwork,
		Bucket:   bucket.NewAWSBucket,
		Queue:    queue.NewAWSQueue,
		Database: database.NewAWSDatabase,
		Function: function.NewAWSFunction,
	},
	"azure":      nil,
	"gcp":        nil,
	"kubernetes": nil,
}

// SelectCloud is the one place a cloud is chosen.
func SelectCloud(name string) (*Cloud, error) {
	c, known := clouds[name]
	switch {
	case !known:
		return nil, fmt.Errorf("%s:cloud must be one of %s, got %q", Namespace, strings.Join(cloudNames(false), ", "), name)
	case c == nil:
		return nil, fmt.Errorf("%s:cloud %q is not implemented yet; implemented: %s", Namespace, name, strings.Join(cloudNames(true), ", "))
	}
	return c, nil
}

func cloudNames(implementedOnly bool) []string {
	var names []string
	for n, c := range clouds {
		if c != nil || !implementedOnly {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}
