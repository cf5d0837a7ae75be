package artifact

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func TestModuleRootsPEM(t *testing.T) {
	t.Parallel()
	roots := ModuleRootsPEM()
	if err := ValidatePEM(roots); err != nil {
		t.Fatalf("ValidatePEM(ModuleRootsPEM()): %v", err)
	}
	if !bytes.Equal(roots, ModuleRootsPEM()) {
		t.Error("ModuleRootsPEM differs between calls")
	}
	// The functions talk to AWS endpoints, whose chains end at Amazon's roots.
	found := false
	for rest := roots; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if c.Subject.CommonName == "Amazon Root CA 1" {
			found = true
		}
	}
	if !found {
		t.Error("ModuleRootsPEM lacks Amazon Root CA 1")
	}
}

func TestValidatePEM(t *testing.T) {
	t.Parallel()
	valid := ModuleRootsPEM()
	cases := map[string]struct {
		reason  string
		pem     []byte
		wantErr bool
	}{
		"Roots":    {reason: "a bundle of certificates is valid", pem: valid},
		"Empty":    {reason: "an empty file would leave the image without roots", pem: nil, wantErr: true},
		"NotPEM":   {reason: "trailing garbage means a wrong file", pem: append(append([]byte{}, valid...), "garbage"...), wantErr: true},
		"OtherPEM": {reason: "a key is not a root", pem: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}), wantErr: true},
		"BadCert":  {reason: "a CERTIFICATE block must parse", pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2}}), wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePEM(tc.pem)
			if (err != nil) != tc.wantErr {
				t.Errorf("%s: ValidatePEM() = %v, want error %v", tc.reason, err, tc.wantErr)
			}
		})
	}
}

func TestImage(t *testing.T) {
	t.Parallel()
	bin := bytes.Repeat([]byte("fake binary "), 1000)
	ca := ModuleRootsPEM()

	img1, err := Image(bin, ca, "arm64")
	if err != nil {
		t.Fatalf("Image: %v", err)
	}
	img2, err := Image(bin, ca, "arm64")
	if err != nil {
		t.Fatalf("Image again: %v", err)
	}
	d1, err := img1.Digest()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := img2.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if d1 != d2 {
		t.Errorf("two builds of the same image have digests %s and %s", d1, d2)
	}
	other, err := Image(append([]byte("x"), bin...), ca, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	if d3, _ := other.Digest(); d3 == d1 {
		t.Error("a different binary gave the same digest")
	}

	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	w1, err := WriteImage(p1, "nimbus/api:latest", img1)
	if err != nil {
		t.Fatalf("WriteImage: %v", err)
	}
	if _, err := WriteImage(p2, "nimbus/api:latest", img2); err != nil {
		t.Fatalf("WriteImage again: %v", err)
	}
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	if !bytes.Equal(b1, b2) {
		t.Error("two writes of the same image differ")
	}
	if w1 != d1 {
		t.Errorf("WriteImage returned %s, want %s", w1, d1)
	}

	// What a registry will see: the image read back from the archived OCI layout.
	back := readLayout(t, p1)
	if mt, _ := back.MediaType(); mt != types.OCIManifestSchema1 {
		t.Errorf("manifest media type %s, want %s", mt, types.OCIManifestSchema1)
	}
	db, err := back.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if db != d1 {
		t.Errorf("digest read back from the tarball is %s, written %s", db, d1)
	}

	cf, err := back.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	type config struct {
		Arch, OS   string
		Created    string
		Entrypoint []string
		User       string
	}
	got := config{cf.Architecture, cf.OS, cf.Created.UTC().Format("2006-01-02T15:04:05Z"), cf.Config.Entrypoint, cf.Config.User}
	want := config{"arm64", "linux", "1980-01-01T00:00:00Z", []string{"/var/task/bootstrap"}, "65532:65532"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("image config -want +got:\n%s", diff)
	}

	layers, err := back.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("image has %d layers, want 1", len(layers))
	}
	files := layerFiles(t, layers[0])
	type file struct {
		Mode     int64
		UID, GID int
		ModTime  string
		Content  []byte
	}
	wantFiles := map[string]file{
		"etc/":                              {Mode: 0o755, ModTime: "1980-01-01"},
		"etc/ssl/":                          {Mode: 0o755, ModTime: "1980-01-01"},
		"etc/ssl/certs/":                    {Mode: 0o755, ModTime: "1980-01-01"},
		"etc/ssl/certs/ca-certificates.crt": {Mode: 0o644, ModTime: "1980-01-01", Content: ca},
		"tmp/":                              {Mode: 0o1777, ModTime: "1980-01-01"},
		"var/":                              {Mode: 0o755, ModTime: "1980-01-01"},
		"var/task/":                         {Mode: 0o755, ModTime: "1980-01-01"},
		"var/task/bootstrap":                {Mode: 0o755, ModTime: "1980-01-01", Content: bin},
	}
	gotFiles := map[string]file{}
	for n, f := range files {
		gotFiles[n] = file{Mode: f.hdr.Mode, UID: f.hdr.Uid, GID: f.hdr.Gid, ModTime: f.hdr.ModTime.UTC().Format("2006-01-02"), Content: f.data}
	}
	if diff := cmp.Diff(wantFiles, gotFiles); diff != "" {
		t.Errorf("layer files -want +got:\n%s", diff)
	}
}

func TestImageRejectsBadCABundle(t *testing.T) {
	t.Parallel()
	if _, err := Image([]byte("bin"), []byte("not a bundle"), "arm64"); err == nil {
		t.Error("Image accepted a CA bundle that is not PEM")
	}
}

type tarFile struct {
	hdr  *tar.Header
	data []byte
}

func layerFiles(t *testing.T, l v1.Layer) map[string]tarFile {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]tarFile{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			data = nil
		}
		out[h.Name] = tarFile{hdr: h, data: data}
	}
}

// readLayout untars an oci-archive and returns its only image, checking the ref annotation.
func readLayout(t *testing.T, archive string) v1.Image {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("not an OCI image layout: %v", err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 1 || m.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "nimbus/api:latest" {
		t.Fatalf("want one image named nimbus/api:latest, got %+v", m.Manifests)
	}
	img, err := idx.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
