package engine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/nimbus-iac/nimbus/internal/engine"
	"github.com/nimbus-iac/nimbus/internal/sourcebuilt"
)

// TestBuiltPlugins: a missing plugin that nimbus builds from a pinned module is taken from the
// cache (or built) and installed into the stack's Pulumi home; any other missing plugin fails
// before anything is built, as a *MissingPluginError naming only it.
func TestBuiltPlugins(t *testing.T) {
	kubernetes := engine.Plugin{Name: "kubernetes", Version: sourcebuilt.KubernetesProviderVersion}
	aws := engine.Plugin{Name: "aws", Version: "6.83.4"}
	const fake = "#!/bin/sh\n# a stand-in for pulumi-resource-kubernetes\nexit 0\n"
	tests := map[string]struct {
		reason    string
		need      []engine.Plugin
		cached    bool // the cache holds the provider
		wantErr   string
		wantMiss  []engine.Plugin // the *MissingPluginError's
		wantLog   []string
		installed bool // the Pulumi home holds the cached provider afterwards
	}{
		"Cached": {
			reason:    "the cached provider is installed, and the stack opens",
			need:      []engine.Plugin{kubernetes},
			cached:    true,
			wantLog:   []string{"stack local needs the resource plugin kubernetes v4.33.0, which is not installed in", "installing the one built from tools/pulumi-kubernetes (cached at", "installed the resource plugin kubernetes v4.33.0 in"},
			installed: true,
		},
		"OtherVersion": {
			reason:   "nimbus builds kubernetes only at the pinned version",
			need:     []engine.Plugin{{Name: "kubernetes", Version: "4.30.0"}},
			cached:   true,
			wantMiss: []engine.Plugin{{Name: "kubernetes", Version: "4.30.0"}},
		},
		"OtherPlugin": {
			reason:   "a plugin nimbus cannot build fails the stack before the buildable one is installed",
			need:     []engine.Plugin{aws, kubernetes},
			cached:   true,
			wantMiss: []engine.Plugin{aws},
		},
		"Build": {
			reason:  "an empty cache means a build, announced with its time; here the project has no tools/ to build from",
			need:    []engine.Plugin{kubernetes},
			wantLog: []string{"building it from tools/pulumi-kubernetes first (once per machine", "10 to 18 minutes"},
			wantErr: "cannot build the resource plugin kubernetes v4.33.0 that stack local needs",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cache := t.TempDir()
			if tc.cached {
				bin := filepath.Join(cache, "pulumi-resource-kubernetes-v"+sourcebuilt.KubernetesProviderVersion, "bin", "pulumi-resource-kubernetes")
				if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(bin, []byte(fake), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			dir := project(t, map[string][]byte{"local": []byte("config: {}\n")})
			env := isolated(t)
			var log bytes.Buffer
			_, err := engine.Open(context.Background(), engine.Options{ProjectDir: dir, Stack: "local", Program: thingProgram, CLI: pulumiCLI(t),
				Env: env, Plugins: tc.need, CacheDir: cache, Stdout: &log, Stderr: &log})
			var mp *engine.MissingPluginError
			switch {
			case tc.wantMiss != nil:
				if !errors.As(err, &mp) {
					t.Fatalf("%s: want a *MissingPluginError, got %v", tc.reason, err)
				}
				if diff := cmp.Diff(tc.wantMiss, mp.Missing); diff != "" {
					t.Errorf("%s: missing (-want +got):\n%s", tc.reason, diff)
				}
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s: error %v, want one containing %q", tc.reason, err, tc.wantErr)
				}
			default:
				if diff := cmp.Diff(nil, err, cmpopts.EquateErrors()); diff != "" {
					t.Errorf("%s: Open (-want +got):\n%s", tc.reason, diff)
				}
			}
			for _, want := range tc.wantLog {
				if !strings.Contains(log.String(), want) {
					t.Errorf("%s: the log lacks %q:\n%s", tc.reason, want, log.String())
				}
			}
			got, _ := os.ReadFile(filepath.Join(env["PULUMI_HOME"], "plugins", "resource-kubernetes-v"+sourcebuilt.KubernetesProviderVersion, "pulumi-resource-kubernetes"))
			if tc.installed != (string(got) == fake) {
				t.Errorf("%s: the Pulumi home's kubernetes plugin is %q, want installed: %v", tc.reason, got, tc.installed)
			}
		})
	}
}
