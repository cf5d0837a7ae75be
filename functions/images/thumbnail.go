package images

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // registers the GIF decoder for image.Decode
	"image/jpeg"
	_ "image/png" // registers the PNG decoder for image.Decode

	"golang.org/x/image/draw"
)

// Thumbnail defaults.
const (
	// ThumbnailMaxSide is the length in pixels of a thumbnail's longest side.
	ThumbnailMaxSide = 256
	// DefaultMaxPixels bounds the decoded size of an original (width*height), so that
	// a small file that declares a huge canvas cannot exhaust the worker's memory.
	DefaultMaxPixels = 50_000_000
	thumbnailQuality = 85
)

// ErrUndecodable is wrapped by Thumbnail's errors when the original is not an image it
// can decode (corrupt data, an unsupported format, or a canvas over the pixel limit).
// Retrying such an image cannot succeed.
var ErrUndecodable = errors.New("image cannot be decoded")

// Thumbnail decodes a JPEG, PNG or GIF (its first frame) and returns a JPEG scaled so
// that its longest side is maxSide pixels, keeping the aspect ratio (the shorter side is
// at least 1 px). Transparent pixels are composited onto white, since JPEG has no alpha.
// Images larger than maxPixels (width*height) are refused with ErrUndecodable.
func Thumbnail(src []byte, maxSide int, maxPixels int64) ([]byte, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: %s has an empty canvas %dx%d", ErrUndecodable, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, fmt.Errorf("%w: %s canvas %dx%d is over the limit of %d pixels", ErrUndecodable, format, cfg.Width, cfg.Height, maxPixels)
	}
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUndecodable, err)
	}
	w, h := ThumbnailSize(img.Bounds().Dx(), img.Bounds().Dy(), maxSide)
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Over, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: thumbnailQuality}); err != nil {
		return nil, fmt.Errorf("cannot encode thumbnail: %w", err)
	}
	return out.Bytes(), nil
}

// ThumbnailSize returns the size of the thumbnail of a w x h image: the longest side
// becomes maxSide, the other keeps the aspect ratio, rounded, and is at least 1.
func ThumbnailSize(w, h, maxSide int) (int, int) {
	if w >= h {
		return maxSide, max(1, int((int64(h)*int64(maxSide)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(maxSide)+int64(h)/2)/int64(h))), maxSide
}
