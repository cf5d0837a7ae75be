package thumbs

import (
	"bytes"
	"crypto/sha256"
	"image"
	_ "image/jpeg"
	"sync"
	"testing"
	"time"

	"github.com/nimbus-iac/nimbus/functions/images"
)

// thumbnail is the function under test: the worker's own, from the cloud-free package.
var thumbnail = func(src []byte) ([]byte, error) {
	return images.Thumbnail(src, images.ThumbnailMaxSide, images.DefaultMaxPixels)
}

const (
	seed  = 20261126
	count = 50
)

var (
	setOnce sync.Once
	set     Set
	setErr  error
)

func imageSet(b *testing.B) Set {
	b.Helper()
	setOnce.Do(func() { set, setErr = Generate(seed, count) })
	if setErr != nil {
		b.Fatal(setErr)
	}
	return set
}

// BenchmarkDecode is the baseline: decoding every image of the set, nothing else.
func BenchmarkDecode(b *testing.B) {
	s := imageSet(b)
	b.SetBytes(s.Bytes)
	b.ResetTimer()
	for b.Loop() {
		for _, f := range s.Files {
			if _, _, err := image.Decode(bytes.NewReader(f)); err != nil {
				b.Fatal(err)
			}
		}
	}
	report(b, s, "decodes/s")
}

// BenchmarkThumbnail makes the thumbnail of every image of the set.
func BenchmarkThumbnail(b *testing.B) {
	s := imageSet(b)
	b.SetBytes(s.Bytes)
	b.ResetTimer()
	for b.Loop() {
		for _, f := range s.Files {
			out, err := thumbnail(f)
			if err != nil || len(out) == 0 {
				b.Fatalf("thumbnail: %d bytes, %v", len(out), err)
			}
		}
	}
	report(b, s, "thumbs/s")
}

func report(b *testing.B, s Set, unit string) {
	perImage := b.Elapsed().Seconds() / float64(b.N) / float64(len(s.Files))
	b.ReportMetric(1/perImage, unit)
	b.ReportMetric(float64(s.Pixels)/float64(len(s.Files))/perImage/1e6, "MP/s")
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	a, err := Generate(seed, 3)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(seed, 3)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Generate(seed+1, 3)
	if err != nil {
		t.Fatal(err)
	}
	h := func(s Set) [32]byte {
		d := sha256.New()
		for _, f := range s.Files {
			d.Write(f)
		}
		return [32]byte(d.Sum(nil))
	}
	if h(a) != h(b) {
		t.Error("the same seed gave different images")
	}
	if h(a) == h(c) {
		t.Error("different seeds gave the same images")
	}
	for i, f := range a.Files {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(f))
		if err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		if mp := cfg.Width * cfg.Height; mp < 900_000 || mp > 4_000_000 {
			t.Errorf("image %d is %dx%d, want 1-4 MP", i, cfg.Width, cfg.Height)
		}
	}
}

// BenchmarkPaired alternates a decode-only pass and a thumbnail pass over the set in every op,
// so that a noisy machine slows both alike, and reports both rates and their time ratio.
// bench/thumbs.sh uses it.
func BenchmarkPaired(b *testing.B) {
	s := imageSet(b)
	var decode, thumbs time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		for _, f := range s.Files {
			if _, _, err := image.Decode(bytes.NewReader(f)); err != nil {
				b.Fatal(err)
			}
		}
		t1 := time.Now()
		for _, f := range s.Files {
			if out, err := thumbnail(f); err != nil || len(out) == 0 {
				b.Fatalf("thumbnail: %d bytes, %v", len(out), err)
			}
		}
		decode += t1.Sub(t0)
		thumbs += time.Since(t1)
	}
	n := float64(b.N * len(s.Files))
	b.ReportMetric(n/decode.Seconds(), "decodes/s")
	b.ReportMetric(n/thumbs.Seconds(), "thumbs/s")
	b.ReportMetric(thumbs.Seconds()/decode.Seconds(), "thumb/decode")
}
