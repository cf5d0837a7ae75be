package function

import "testing"

func TestSwapLastType(t *testing.T) {
	cases := map[string]struct{ urn, want string }{
		"root": {"urn:pulumi:dev::nimbus::nimbus:function:Function::api", "urn:pulumi:dev::nimbus::nimbus:service:Service::api"},
		"nested": {"urn:pulumi:dev::nimbus::nimbus:app:App$nimbus:function:Function::api",
			"urn:pulumi:dev::nimbus::nimbus:app:App$nimbus:service:Service::api"},
		"other type": {"urn:pulumi:dev::nimbus::nimbus:queue:Queue::api", "urn:pulumi:dev::nimbus::nimbus:queue:Queue::api"},
		"not a urn":  {"api", "api"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := swapLastType(tc.urn, Type, ServiceType); got != tc.want {
				t.Errorf("swapLastType(%q): want %q, got %q", tc.urn, tc.want, got)
			}
		})
	}
}
