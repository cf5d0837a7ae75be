package artifact

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
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

// Image returns a single-layer image on an empty base running binary (built for linux/arch) as
// its entrypoint, with caPEM at ImageCAPath. Media types are Docker schema 2 (what empty.Image
// starts with): the docker tarball format stores no manifest, and a reader of it (crane push,
// docker load) rebuilds one with those types, so only they keep the recorded digest true.
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
	}, tarball.WithCompressedCaching)
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
	img, err := mutate.ConfigFile(empty.Image, cfg)
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

// WriteImage writes img as a docker tarball (what `docker load` and `crane push` read) tagged tag,
// and returns its manifest digest.
func WriteImage(path, tag string, img v1.Image) (v1.Hash, error) {
	ref, err := name.NewTag(tag)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot use image tag %q: %w", tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("cannot compute digest of %s: %w", tag, err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(ref, img, &buf); err != nil {
		return v1.Hash{}, fmt.Errorf("cannot write image %s: %w", tag, err)
	}
	if err := writeFileAtomic(path, buf.Bytes(), 0o644); err != nil {
		return v1.Hash{}, err
	}
	return d, nil
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
