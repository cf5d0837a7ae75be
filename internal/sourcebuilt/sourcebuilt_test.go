package sourcebuilt_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nimbus-iac/nimbus/internal/sourcebuilt"
)

// TestPlugin: nimbus builds the kubernetes plugin at the pinned version only.
func TestPlugin(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		reason        string
		name, version string
		want          *sourcebuilt.Binary
	}{
		"Pinned":       {reason: "the provider tools/pulumi-kubernetes builds", name: "kubernetes", version: sourcebuilt.KubernetesProviderVersion, want: sourcebuilt.KubernetesProvider},
		"OtherVersion": {reason: "tools/pulumi-kubernetes builds one version", name: "kubernetes", version: "4.30.0"},
		"WithV":        {reason: "versions come without the v, as engine.Plugin has them", name: "kubernetes", version: "v" + sourcebuilt.KubernetesProviderVersion},
		"Other":        {reason: "the AWS provider does not build from the module proxy", name: "aws", version: "6.83.4"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, ok := sourcebuilt.Plugin(tc.name, tc.version)
			if ok != (tc.want != nil) || got != tc.want {
				t.Errorf("%s: Plugin(%q, %q) = %v, %v; want %v", tc.reason, tc.name, tc.version, got, ok, tc.want)
			}
		})
	}
	if diff := cmp.Diff([]string{"plugin", "install", "resource", "kubernetes", "v4.33.0", "--file", "/x"}, sourcebuilt.InstallArgs("kubernetes", "4.33.0", "/x")); diff != "" {
		t.Errorf("InstallArgs (-want +got):\n%s", diff)
	}
}
