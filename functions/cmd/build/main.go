// Command build writes the deployable artifacts of the functions (see package artifact):
//
//	cd functions && go run ./cmd/build -out dist
//
// With -verify it then rebuilds everything with an empty Go build cache into a temporary
// directory and fails unless every file is byte-identical.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/nimbus-iac/nimbus/functions/artifact"
)

func main() {
	out := flag.String("out", "dist", "output directory")
	arch := flag.String("goarch", "arm64", "GOARCH of the binaries (Lambda is configured for arm64)")
	containerArch := flag.String("container-goarch", artifact.DefaultContainerArch, "GOARCH of the container images without an Arch of their own (api-server, worker-server, migrate-job and their -gcp and -azure variants; api-server-aws is always arm64)")
	ca := flag.String("ca-bundle", "", "PEM file to put in images (default: the roots of golang.org/x/crypto/x509roots/fallback, identical on every machine)")
	verify := flag.Bool("verify", false, "rebuild from an empty build cache and fail unless the bytes are identical")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := artifact.Main(ctx, os.Stdout, artifact.Config{
		OutDir:        *out,
		Binary:        artifact.BinaryOptions{GOARCH: *arch},
		ContainerArch: *containerArch,
		CABundle:      *ca,
	}, *verify); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}
