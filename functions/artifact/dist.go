package artifact

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Config says what Build builds and where.
type Config struct {
	// OutDir receives the artifacts; created if missing. Required.
	OutDir string
	// Targets default to DefaultTargets.
	Targets []Target
	// Binary says how to compile; Dir is the functions module. GOOS/GOARCH default to linux/arm64.
	Binary BinaryOptions
	// CABundle is a PEM file copied into images; empty means ModuleRootsPEM, which is the same on
	// every machine.
	CABundle string
	// ContainerArch is the GOARCH of Container targets without their own Target.Arch; default
	// DefaultContainerArch.
	ContainerArch string
	// TagPrefix names the image in its layout (org.opencontainers.image.ref.name):
	// TagPrefix+Name+":latest"; default "nimbus/".
	TagPrefix string
}

// Result lists what Build wrote.
type Result struct {
	// Sums maps a path relative to OutDir (slash-separated) to its hex sha256.
	Sums map[string]string
	// Digests maps a target name to its image manifest digest.
	Digests map[string]v1.Hash
}

// Build compiles every target and writes its zip, its image when Target.Image is set, SHA256SUMS
// and oci/DIGESTS into cfg.OutDir.
func Build(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.OutDir == "" {
		return nil, errors.New("no output directory given")
	}
	if cfg.Targets == nil {
		cfg.Targets = DefaultTargets
	}
	if cfg.TagPrefix == "" {
		cfg.TagPrefix = "nimbus/"
	}
	opts := cfg.Binary.withDefaults()

	var caPEM []byte
	if cfg.CABundle == "" {
		caPEM = ModuleRootsPEM()
	} else {
		b, err := os.ReadFile(cfg.CABundle)
		if err != nil {
			return nil, fmt.Errorf("cannot read CA bundle: %w", err)
		}
		caPEM = b
	}
	if err := ValidatePEM(caPEM); err != nil {
		return nil, fmt.Errorf("cannot use CA bundle: %w", err)
	}

	ociDir := filepath.Join(cfg.OutDir, "oci")
	if err := os.MkdirAll(ociDir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create output directory: %w", err)
	}
	binDir, err := os.MkdirTemp("", "nimbus-build-")
	if err != nil {
		return nil, fmt.Errorf("cannot create build directory: %w", err)
	}
	defer os.RemoveAll(binDir)

	if cfg.ContainerArch == "" {
		cfg.ContainerArch = DefaultContainerArch
	}
	for _, t := range cfg.Targets {
		if t.Arch != "" && !t.Container {
			return nil, fmt.Errorf("target %s: Arch %q is only taken by Container targets (the others are built for Binary.GOARCH %s)", t.Name, t.Arch, opts.GOARCH)
		}
	}
	bins, err := buildTargets(ctx, opts, cfg.ContainerArch, binDir, cfg.Targets)
	if err != nil {
		return nil, err
	}

	res := &Result{Sums: map[string]string{}, Digests: map[string]v1.Hash{}}
	for i, t := range cfg.Targets {
		bin, err := os.ReadFile(bins[i])
		if err != nil {
			return nil, fmt.Errorf("cannot read binary of %s: %w", t.Name, err)
		}
		arch := t.goarch(opts.GOARCH, cfg.ContainerArch)
		if t.Container {
			if err := writeImage(cfg, res, t, bin, caPEM, arch); err != nil {
				return nil, err
			}
			continue
		}
		var zbuf bytes.Buffer
		if err := WriteZip(&zbuf, bin); err != nil {
			return nil, fmt.Errorf("cannot package %s: %w", t.Name, err)
		}
		rel := t.Name + ".zip"
		if err := writeFileAtomic(filepath.Join(cfg.OutDir, rel), zbuf.Bytes(), 0o644); err != nil {
			return nil, err
		}
		res.Sums[rel] = sum(zbuf.Bytes())

		if !t.Image {
			continue
		}
		if err := writeImage(cfg, res, t, bin, caPEM, arch); err != nil {
			return nil, err
		}
	}

	if err := writeFileAtomic(filepath.Join(cfg.OutDir, "SHA256SUMS"), res.SumsFile(), 0o644); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(ociDir, "DIGESTS"), res.DigestsFile(), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// buildTargets compiles the targets, Lambda ones for o.GOARCH and Container ones for their
// Arch or containerArch (one go build per architecture), and returns the binaries in the order
// of targets.
func buildTargets(ctx context.Context, o BinaryOptions, containerArch, binDir string, targets []Target) ([]string, error) {
	out := make([]string, len(targets))
	archs := []string{o.GOARCH, containerArch}
	for _, t := range targets {
		if a := t.goarch(o.GOARCH, containerArch); !slices.Contains(archs, a) {
			archs = append(archs, a)
		}
	}
	for _, arch := range archs {
		var pkgs []string
		var idx []int
		for i, t := range targets {
			if out[i] == "" && t.goarch(o.GOARCH, containerArch) == arch {
				pkgs, idx = append(pkgs, t.Package), append(idx, i)
			}
		}
		if len(pkgs) == 0 {
			continue
		}
		ao := o
		ao.GOARCH = arch
		dir := filepath.Join(binDir, arch)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create build directory: %w", err)
		}
		bins, err := BuildBinaries(ctx, ao, dir, pkgs...)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = bins[j]
		}
	}
	return out, nil
}

// writeImage writes the image of t to oci/<name>.tar and records its digest and sum.
func writeImage(cfg Config, res *Result, t Target, bin, caPEM []byte, arch string) error {
	img, err := Image(bin, caPEM, arch)
	if err != nil {
		return fmt.Errorf("cannot build image of %s: %w", t.Name, err)
	}
	rel := "oci/" + t.Name + ".tar"
	p := filepath.Join(cfg.OutDir, filepath.FromSlash(rel))
	d, err := WriteImage(p, cfg.TagPrefix+t.Name+":latest", img)
	if err != nil {
		return err
	}
	res.Digests[t.Name] = d
	written, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("cannot read back %s: %w", rel, err)
	}
	res.Sums[rel] = sum(written)
	return nil
}

// SumsFile renders Sums in `sha256sum -c` format, sorted by path.
func (r *Result) SumsFile() []byte {
	var b bytes.Buffer
	for _, k := range sortedKeys(r.Sums) {
		fmt.Fprintf(&b, "%s  %s\n", r.Sums[k], k)
	}
	return b.Bytes()
}

// DigestsFile renders Digests as "name digest" lines, sorted by name.
func (r *Result) DigestsFile() []byte {
	names := make([]string, 0, len(r.Digests))
	for k := range r.Digests {
		names = append(names, k)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", n, r.Digests[n])
	}
	return b.Bytes()
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
