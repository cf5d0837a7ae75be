package imagestest

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
)

// Pattern returns a w x h opaque image with a gradient, so that scaling has work to do.
func Pattern(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x * 255 / max(1, w-1)), G: uint8(y * 255 / max(1, h-1)), B: 128, A: 255})
		}
	}
	return img
}

// PNG returns a w x h PNG.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	must(png.Encode(&b, Pattern(w, h)))
	return b.Bytes()
}

// JPEG returns a w x h JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	must(jpeg.Encode(&b, Pattern(w, h), &jpeg.Options{Quality: 90}))
	return b.Bytes()
}

// GIF returns a w x h GIF.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	must(gif.Encode(&b, Pattern(w, h), nil))
	return b.Bytes()
}

// TransparentPNG returns a w x h PNG whose pixels are all fully transparent.
func TransparentPNG(w, h int) []byte {
	var b bytes.Buffer
	must(png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))))
	return b.Bytes()
}

// CorruptPNG returns bytes that sniff as PNG (they start with the PNG signature) but do
// not decode.
func CorruptPNG() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), []byte("this is not a PNG stream at all, just text after the signature")...)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
