package artifact

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestPush pushes an oci-archive and an unpacked layout to go-containerregistry's in-process
// registry and checks that the registry serves the digest the build recorded.
func TestPush(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	img, err := Image([]byte("#!binary"), ModuleRootsPEM(), "amd64")
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(t.TempDir(), "api-server.tar")
	built, err := WriteImage(tarPath, "nimbus/api-server:latest", img)
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := t.TempDir()
	if err := untar(tarPath, layoutDir); err != nil {
		t.Fatal(err)
	}
	for mode, src := range map[string]string{"oci-archive": tarPath, "layout": layoutDir} {
		t.Run(mode, func(t *testing.T) {
			ref := host + "/nimbus/api-server:" + mode
			got, err := Push(context.Background(), src, ref)
			if err != nil {
				t.Fatal(err)
			}
			if want := host + "/nimbus/api-server@" + built.String(); got.String() != want {
				t.Errorf("Push returned %s, want %s", got, want)
			}
			// The tag resolves to the built manifest, and the image is readable by digest.
			tag, err := name.ParseReference(ref)
			if err != nil {
				t.Fatal(err)
			}
			desc, err := remote.Head(tag)
			if err != nil {
				t.Fatal(err)
			}
			if desc.Digest != built {
				t.Errorf("registry serves %s for %s, built %s", desc.Digest, ref, built)
			}
			pulled, err := remote.Image(got)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := pulled.ConfigFile()
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Architecture != "amd64" || cfg.Config.Entrypoint[0] != ImageBinaryPath {
				t.Errorf("pulled config: %s %v", cfg.Architecture, cfg.Config.Entrypoint)
			}
		})
	}
}

func TestPushErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.tar")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		reason, src, ref, want string
	}{
		"bad ref":     {reason: "the reference must parse", src: empty, ref: "UPPER/Case:tag!", want: "not an image reference"},
		"missing src": {reason: "the source must exist", src: filepath.Join(dir, "none.tar"), ref: "127.0.0.1:1/x:y", want: "no such file"},
		"no layout":   {reason: "an empty archive holds no layout", src: empty, ref: "127.0.0.1:1/x:y", want: "cannot read image layout"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Push(context.Background(), tc.src, tc.ref)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want an error saying %q", tc.reason, err, tc.want)
			}
		})
	}
}
