package artifact

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Paths inside every image.
const (
	ImageBinaryPath = "/var/task/bootstrap"
	ImageCAPath     = "/etc/ssl/certs/ca-certificates.crt"
	// ImageUser is numeric so a scratch image (no /etc/passwd) can run as non-root.
	ImageUser = "65532:65532"
)

// ModuleRootsPEM returns the root certificates of the pinned golang.org/x/crypto/x509roots/fallback
// module (Mozilla's NSS store) as a PEM bundle. Roots that NSS trusts only with a constraint
// (distrust after a date) cannot be expressed in a PEM bundle and are left out, so the bundle never
// trusts more than NSS does.
func ModuleRootsPEM() []byte {
	var buf bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint != nil {
			continue
		}
		_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate})
	}
	return buf.Bytes()
}

// ValidatePEM reports an error unless pemBytes holds at least one certificate and nothing else.
func ValidatePEM(pemBytes []byte) error {
	n := 0
	for rest := pemBytes; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			if len(bytes.TrimSpace(rest)) != 0 {
				return errors.New("CA bundle has data that is not PEM")
			}
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("CA bundle block %d is %q, want CERTIFICATE", n+1, b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("CA bundle certificate %d: %w", n+1, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("CA bundle holds no certificate")
	}
	return nil
}

// layerFile is one regular file or directory of the image layer.
type layerFile struct {
	name string // without leading slash; directories end in /
	mode int64
	data []byte
}

// LayerTar returns the uncompressed tar of the image's only layer: parent directories, the CA
// bundle and the binary, in a fixed order, owned by root, timed Epoch, with no PAX records.
func LayerTar(binary, caPEM []byte) ([]byte, error) {
	files := []layerFile{
		{name: "etc/", mode: 0o755},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: ImageCAPath[1:], mode: 0o644, data: caPEM},
		{name: "tmp/", mode: 0o1777}, // Lambda and many libraries expect a writable /tmp
		{name: "var/", mode: 0o755},
		{name: "var/task/", mode: 0o755},
		{name: ImageBinaryPath[1:], mode: 0o755, data: binary},
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			ModTime: Epoch,
			Format:  tar.FormatUSTAR,
		}
		if f.name[len(f.name)-1] == '/' {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("cannot write layer entry %q: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("cannot write layer entry %q: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("cannot finish layer: %w", err)
	}
	return buf.Bytes(), nil
}

// Image returns a single-layer OCI image on an empty base running binary (built for linux/arch) as
// its entrypoint, with caPEM at ImageCAPath. Media types are OCI's (manifest, config, layer), and
// WriteImage stores the manifest as built, so the recorded digest is the one a registry serves.
func Image(binary, caPEM []byte, arch string) (v1.Image, error) {
	if err := ValidatePEM(caPEM); err != nil {
		return nil, err
	}
	layerBytes, err := LayerTar(binary, caPEM)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	}, tarball.WithCompressedCaching, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, fmt.Errorf("cannot create layer: %w", err)
	}
	created := v1.Time{Time: Epoch}
	cfg := &v1.ConfigFile{
		Architecture: arch,
		OS:           "linux",
		Created:      created,
		Config: v1.Config{
			Entrypoint: []string{ImageBinaryPath},
			Env: []string{
				"PATH=/usr/local/bin:/usr/bin:/bin",
				"SSL_CERT_FILE=" + ImageCAPath,
			},
			WorkingDir: filepath.Dir(ImageBinaryPath),
			User:       ImageUser,
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.ConfigFile(base, cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot set image config: %w", err)
	}
	img, err = mutate.Append(img, mutate.Addendum{
		Layer:   layer,
		History: v1.History{Created: created, CreatedBy: "nimbus functions/cmd/build", Comment: "bootstrap and CA roots"},
	})
	if err != nil {
		return nil, fmt.Errorf("cannot add layer: %w", err)
	}
	return img, nil
}

// WriteImage writes img as an OCI image layout in a tar archive (an "oci-archive": skopeo copy
// oci-archive:PATH, podman load, or untar and crane push the layout), its manifest annotated with
// ref as org.opencontainers.image.ref.name, and returns the manifest digest. The archive's entries
// are sorted, owned by root and timed Epoch, so the same image always gives the same bytes.
func WriteImage(path, ref string, img v1.Image) (v1.Hash, error) {
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot compute digest of %s: %w", ref, err)
	}
	dir, err := os.MkdirTemp("", "nimbus-oci-")
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot write image %s: %w", ref, err)
	}
	defer os.RemoveAll(dir)
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot write image layout of %s: %w", ref, err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		return v1.Hash{}, fmt.Errorf("cannot write image %s: %w", ref, err)
	}
	archive, err := tarDir(dir)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot archive image %s: %w", ref, err)
	}
	if err := writeFileAtomic(path, archive, 0o644); err != nil {
		return v1.Hash{}, err
	}
	return d, nil
}

// tarDir archives the regular files and folders under dir, in sorted order, with fixed owners,
// modes and times.
func tarDir(dir string) ([]byte, error) {
	var paths []string
	if err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		info, err := os.Lstat(p)
		if err != nil {
			return nil, err
		}
		h := &tar.Header{Name: filepath.ToSlash(rel), ModTime: Epoch, Format: tar.FormatUSTAR}
		var data []byte
		switch {
		case info.IsDir():
			h.Typeflag, h.Mode, h.Name = tar.TypeDir, 0o755, h.Name+"/"
		case info.Mode().IsRegular():
			if data, err = os.ReadFile(p); err != nil {
				return nil, err
			}
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, int64(len(data))
		default:
			return nil, fmt.Errorf("unexpected file %s in the image layout", rel)
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFileAtomic writes data to path through a temporary file in the same directory, so a reader
// never sees a half-written artifact.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
