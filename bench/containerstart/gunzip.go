package main

import (
	"bytes"
	"compress/gzip"
	"io"
)

func gunzipLen(b []byte) (int64, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, zr)
}
