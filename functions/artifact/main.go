package artifact

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
)

// Main is the body of cmd/build: Build, print the sums and digests to w, and with verify rebuild
// into a temporary directory with an empty Go build cache and compare every file.
func Main(ctx context.Context, w io.Writer, cfg Config, verify bool) error {
	res, err := Build(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", cfg.OutDir)
	w.Write(res.SumsFile())
	w.Write(res.DigestsFile())
	if !verify {
		return nil
	}

	tmp, err := os.MkdirTemp("", "nimbus-verify-")
	if err != nil {
		return fmt.Errorf("cannot create verify directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	again := cfg
	again.OutDir = tmp + "/dist"
	again.Binary.Env = append(append([]string(nil), cfg.Binary.Env...), "GOCACHE="+tmp+"/gocache")
	res2, err := Build(ctx, again)
	if err != nil {
		return fmt.Errorf("cannot rebuild to verify: %w", err)
	}
	if !bytes.Equal(res.SumsFile(), res2.SumsFile()) || !bytes.Equal(res.DigestsFile(), res2.DigestsFile()) {
		return fmt.Errorf("artifacts are not reproducible: first build\n%s%s\nrebuild from an empty cache\n%s%s",
			res.SumsFile(), res.DigestsFile(), res2.SumsFile(), res2.DigestsFile())
	}
	fmt.Fprintln(w, "verified: a rebuild from an empty build cache gave identical bytes")
	return nil
}
