// Package thumbs benchmarks the worker's thumbnailing on a fixed, generated image set: the
// thumbnails per second one core makes, against the time to only decode the same images (the
// floor any thumbnailer pays). bench/thumbs.sh runs it with GOMAXPROCS=1.
package thumbs

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
)

// Set is a generated image set.
type Set struct {
	Files  [][]byte
	Pixels int64 // total width*height
	Bytes  int64 // total encoded size
}

// Generate returns n JPEG photos-like images of 1 to 4 megapixels with aspect ratios from 3:4 to
// 16:9, built from seed alone: smooth gradients, soft shapes and sensor-like noise, encoded at
// quality 85 (what phones upload, roughly). The same seed always gives the same bytes.
func Generate(seed uint64, n int) (Set, error) {
	rng := rand.New(rand.NewPCG(seed, 0x6e696d627573))
	var s Set
	aspects := []float64{4.0 / 3, 3.0 / 4, 16.0 / 9, 3.0 / 2, 1}
	for i := range n {
		mp := 1e6 + rng.Float64()*3e6
		a := aspects[rng.IntN(len(aspects))]
		w := int(math.Sqrt(mp * a))
		h := int(mp / float64(w))
		img := paint(rng, w, h)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			return Set{}, fmt.Errorf("cannot encode image %d: %w", i, err)
		}
		s.Files = append(s.Files, buf.Bytes())
		s.Pixels += int64(w) * int64(h)
		s.Bytes += int64(buf.Len())
	}
	return s, nil
}

type blob struct {
	cx, cy, r float64
	c         [3]float64
}

func paint(rng *rand.Rand, w, h int) *image.YCbCr {
	// Paint in RGB, store as 4:2:0 YCbCr like a camera JPEG.
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	var c0, c1 [3]float64
	for k := range 3 {
		c0[k], c1[k] = rng.Float64()*255, rng.Float64()*255
	}
	blobs := make([]blob, 6+rng.IntN(10))
	for i := range blobs {
		blobs[i] = blob{cx: rng.Float64() * float64(w), cy: rng.Float64() * float64(h), r: (0.05 + rng.Float64()*0.3) * float64(min(w, h))}
		for k := range 3 {
			blobs[i].c[k] = rng.Float64() * 255
		}
	}
	noise := 4 + rng.Float64()*8
	for y := range h {
		for x := range w {
			t := (float64(x)/float64(w) + float64(y)/float64(h)) / 2
			var p [3]float64
			for k := range 3 {
				p[k] = c0[k]*(1-t) + c1[k]*t
			}
			for _, b := range blobs {
				dx, dy := float64(x)-b.cx, float64(y)-b.cy
				if d2 := dx*dx + dy*dy; d2 < b.r*b.r {
					a := 1 - d2/(b.r*b.r)
					for k := range 3 {
						p[k] = p[k]*(1-a) + b.c[k]*a
					}
				}
			}
			n := rng.NormFloat64() * noise
			r, g, bl := clamp(p[0]+n), clamp(p[1]+n), clamp(p[2]+n)
			yy, cb, cr := color.RGBToYCbCr(r, g, bl)
			img.Y[img.YOffset(x, y)] = yy
			if x%2 == 0 && y%2 == 0 {
				ci := img.COffset(x, y)
				img.Cb[ci], img.Cr[ci] = cb, cr
			}
		}
	}
	return img
}

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}
