package artifact

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push pushes the image in src, an OCI image layout directory or the oci-archive tar WriteImage
// writes (its index must hold exactly one image), to ref (a tag or digest reference) and returns
// the pushed image as a digest reference, repository@sha256:…, which is what a deployment should
// name. The layout's bytes are pushed unchanged, so the digest is the one oci/DIGESTS records;
// Push reads the manifest digest back from the registry and fails if it differs. opts go to
// go-containerregistry's remote.Write (authentication, transport); the context is added.
func Push(ctx context.Context, src, ref string, opts ...remote.Option) (name.Digest, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return name.Digest{}, fmt.Errorf("cannot push to %q: not an image reference: %w", ref, err)
	}
	dir := src
	if info, err := os.Stat(src); err != nil {
		return name.Digest{}, fmt.Errorf("cannot push %s: %w", src, err)
	} else if !info.IsDir() {
		tmp, err := os.MkdirTemp("", "nimbus-push-")
		if err != nil {
			return name.Digest{}, fmt.Errorf("cannot push %s: %w", src, err)
		}
		defer os.RemoveAll(tmp)
		if err := untar(src, tmp); err != nil {
			return name.Digest{}, fmt.Errorf("cannot read oci-archive %s: %w", src, err)
		}
		dir = tmp
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return name.Digest{}, fmt.Errorf("cannot read image layout %s: %w", src, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return name.Digest{}, fmt.Errorf("cannot read image layout %s: %w", src, err)
	}
	if len(im.Manifests) != 1 {
		return name.Digest{}, fmt.Errorf("image layout %s holds %d manifests, want exactly 1", src, len(im.Manifests))
	}
	img, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		return name.Digest{}, fmt.Errorf("cannot read image %s of %s: %w", im.Manifests[0].Digest, src, err)
	}
	want := im.Manifests[0].Digest
	opts = append(opts, remote.WithContext(ctx))
	if err := remote.Write(r, img, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("cannot push %s to %s: %w", src, ref, err)
	}
	desc, err := remote.Head(r.Context().Digest(want.String()), opts...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("cannot read back %s@%s after the push: %w", r.Context(), want, err)
	}
	if desc.Digest != want {
		return name.Digest{}, fmt.Errorf("registry reports %s for %s, built %s", desc.Digest, ref, want)
	}
	return r.Context().Digest(want.String()), nil
}

// untar extracts the regular files and directories of the tar at path into dir.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		clean := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("entry %q leaves the archive", h.Name)
		}
		target := filepath.Join(dir, clean)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %q is neither a file nor a directory", h.Name)
		}
	}
}
