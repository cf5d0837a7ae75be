package kubetest_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nimbus-iac/nimbus/internal/kubetest"
)

// TestBinaries finds (or, on a clean machine, builds) the two binaries in the real cache root.
// `make kube-tools` runs it alone with a long timeout, so the builds do not count against the
// other tests' timeout.
func TestBinaries(t *testing.T) {
	kubetest.Skip(t) // skips only with NIMBUS_SKIP_KUBE=1, saying so
	apiserver, provider, err := kubetest.Binaries(context.Background(), kubetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(apiserver, "--version").Output()
	if err != nil || strings.TrimSpace(string(out)) != "Kubernetes v"+kubetest.APIServerVersion {
		t.Errorf("%s --version: %q, %v; want Kubernetes v%s", apiserver, out, err, kubetest.APIServerVersion)
	}
	if fi, err := os.Stat(provider); err != nil || fi.Mode().Perm()&0o111 == 0 {
		t.Errorf("provider %s: %v, %v", provider, fi, err)
	}
}

// TestBinariesCache uses what the cache holds when it is the pinned version, and otherwise
// builds, which fails here for want of the modules' folders.
func TestBinariesCache(t *testing.T) {
	tests := map[string]struct {
		reason  string
		version string // what the cached kube-apiserver says
		wantErr string
	}{
		"Pinned": {
			reason:  "a cached kube-apiserver of the pinned version is used as it is",
			version: "Kubernetes v" + kubetest.APIServerVersion,
		},
		"Other": {
			reason:  "a cached kube-apiserver of another version is rebuilt",
			version: "Kubernetes v1.30.0",
			wantErr: "cannot build kube-apiserver v" + kubetest.APIServerVersion,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cache := t.TempDir()
			fake := func(dir, name, script string) string {
				path := filepath.Join(cache, dir, "bin", name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
				return path
			}
			wantAPI := fake("kube-apiserver-v"+kubetest.APIServerVersion, "kube-apiserver", "echo '"+tc.version+"'")
			wantProvider := fake("pulumi-resource-kubernetes-v"+kubetest.ProviderVersion, "pulumi-resource-kubernetes", "exit 0")
			// An empty project folder: a build, if tried, cannot find the modules.
			api, provider, err := kubetest.Binaries(context.Background(), kubetest.Options{CacheDir: cache, ProjectDir: t.TempDir(), Log: io.Discard})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("%s: error %v, want one containing %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil || api != wantAPI || provider != wantProvider {
				t.Errorf("%s: got %s, %s, %v; want %s, %s", tc.reason, api, provider, err, wantAPI, wantProvider)
			}
		})
	}
}
