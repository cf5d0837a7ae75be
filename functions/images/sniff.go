package images

import (
	"bytes"
	"net/http"
)

// Allowed content types, in the order error messages list them.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeGIF  = "image/gif"
)

// AllowedTypes lists the content types that uploads may have.
var AllowedTypes = []string{TypeJPEG, TypePNG, TypeGIF}

// SniffImage reports the image type of b from its leading bytes (the same signatures
// that http.DetectContentType uses). When b is not an allowed image, ok is false and
// contentType is what http.DetectContentType makes of it, for error messages.
func SniffImage(b []byte) (contentType string, ok bool) {
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return TypeJPEG, true
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, true
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return TypeGIF, true
	}
	return http.DetectContentType(b), false
}
