package artifact

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"strings"
)

// Target is one main package to build and package.
type Target struct {
	// Name is the artifact name: the zip is Name.zip and the image oci/Name.tar.
	Name string
	// Package is the import path or ./relative path of the main package, relative to the module.
	Package string
	// Image says whether an image is also built for it (beside its Lambda zip).
	Image bool
	// Container marks a server for container platforms: only an image is built, no zip, for
	// Arch.
	Container bool
	// Arch is the GOARCH of this Container target; empty means Config.ContainerArch. Only
	// Container targets take it (the Lambda zips and their images are Config.Binary.GOARCH).
	Arch string
}

// goarch returns the GOARCH t is built for: Arch or containerArch for a Container target,
// lambdaArch for the others.
func (t Target) goarch(lambdaArch, containerArch string) string {
	switch {
	case !t.Container:
		return lambdaArch
	case t.Arch != "":
		return t.Arch
	}
	return containerArch
}

// DefaultTargets are the functions of docs/function-contract.md.
var DefaultTargets = []Target{
	{Name: "api", Package: "./cmd/api", Image: true},
	{Name: "worker", Package: "./cmd/worker", Image: true},
	{Name: "migrate", Package: "./cmd/migrate"},
	{Name: "api-server", Package: "./cmd/api-server", Container: true},
	{Name: "worker-server", Package: "./cmd/worker-server", Container: true},
	{Name: "migrate-job", Package: "./cmd/migrate-job", Container: true},
	// The Cloud Run images: the same servers and job with the GCP adapters, kept apart so the
	// Knative images link no Google library.
	{Name: "api-server-gcp", Package: "./cmd/api-server-gcp", Container: true},
	{Name: "worker-server-gcp", Package: "./cmd/worker-server-gcp", Container: true},
	{Name: "migrate-job-gcp", Package: "./cmd/migrate-job-gcp", Container: true},
	// The Container Apps images: the same servers and job with the Azure adapters, kept apart
	// so that no other image links an Azure library.
	{Name: "api-server-azure", Package: "./cmd/api-server-azure", Container: true},
	{Name: "worker-server-azure", Package: "./cmd/worker-server-azure", Container: true},
	{Name: "migrate-job-azure", Package: "./cmd/migrate-job-azure", Container: true},
	// The ECS on Fargate image: the api Lambda function's handler as an HTTP server, for
	// Graviton (Fargate's ARM64 runtime platform), like the Lambda zips.
	{Name: "api-server-aws", Package: "./cmd/api-server-aws", Container: true, Arch: "arm64"},
}

// DefaultContainerArch is the GOARCH of the container images: the local stack's clusters (kind,
// k3d, minikube on a developer's x86-64 machine or a CI runner) are amd64, and so is this build
// machine, where the container benchmark runs the very binary the image holds. The Lambda zips
// stay arm64 (BinaryOptions.GOARCH), and so does api-server-aws (its Target.Arch), which runs on
// Fargate's Graviton.
const DefaultContainerArch = "amd64"

// DefaultTags are the build tags of every binary. lambda.norpc leaves out aws-lambda-go's
// net/rpc entry point, which only the retired go1.x runtime used: smaller binaries, faster init.
var DefaultTags = []string{"lambda.norpc"}

// BinaryOptions say how to compile main packages.
type BinaryOptions struct {
	// Dir is the module directory the packages are relative to; default the current directory.
	Dir string
	// GOOS and GOARCH default to linux and arm64, the Lambda target.
	GOOS, GOARCH string
	// Tags are build tags; nil means DefaultTags.
	Tags []string
	// Env is added to the go command's environment last, e.g. GOCACHE=... to rebuild from scratch.
	Env []string
	// Go is the go command; default "go".
	Go string
}

func (o BinaryOptions) withDefaults() BinaryOptions {
	if o.GOOS == "" {
		o.GOOS = "linux"
	}
	if o.GOARCH == "" {
		o.GOARCH = "arm64"
	}
	if o.Tags == nil {
		o.Tags = DefaultTags
	}
	if o.Go == "" {
		o.Go = "go"
	}
	return o
}

// BuildArgs returns the go command's arguments that build pkgs into outDir, one file per package
// named after the package's last path element.
func BuildArgs(o BinaryOptions, outDir string, pkgs ...string) []string {
	o = o.withDefaults()
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
	if len(o.Tags) > 0 {
		args = append(args, "-tags="+strings.Join(o.Tags, ","))
	}
	args = append(args, "-o", outDir+string(os.PathSeparator))
	return append(args, pkgs...)
}

// BuildEnv returns the go command's environment: the caller's, with the settings that decide the
// output bytes forced. An exported GOFLAGS is cleared so a developer's flags (-race, -cover) cannot
// leak into a deployed binary; the flags BuildArgs passes explicitly win over `go env -w` ones.
func BuildEnv(o BinaryOptions) []string {
	o = o.withDefaults()
	env := os.Environ()
	env = append(env, "CGO_ENABLED=0", "GOOS="+o.GOOS, "GOARCH="+o.GOARCH, "GOFLAGS=")
	return append(env, o.Env...)
}

// BuildBinaries compiles pkgs (main packages) into outDir and returns the output paths in the
// order of pkgs.
func BuildBinaries(ctx context.Context, o BinaryOptions, outDir string, pkgs ...string) ([]string, error) {
	if len(pkgs) == 0 {
		return nil, errors.New("no package to build")
	}
	o = o.withDefaults()
	seen := map[string]string{}
	outs := make([]string, len(pkgs))
	for i, p := range pkgs {
		base := path.Base(p)
		if other, ok := seen[base]; ok {
			return nil, fmt.Errorf("packages %q and %q would both build to %q", other, p, base)
		}
		seen[base] = p
		outs[i] = outDir + string(os.PathSeparator) + base
	}
	cmd := exec.CommandContext(ctx, o.Go, BuildArgs(o, outDir, pkgs...)...)
	cmd.Dir = o.Dir
	cmd.Env = BuildEnv(o)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("cannot build %s for %s/%s: %w\n%s", strings.Join(pkgs, " "), o.GOOS, o.GOARCH, err, stderr.Bytes())
	}
	return outs, nil
}
