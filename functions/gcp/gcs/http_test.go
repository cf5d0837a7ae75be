package gcs_test

import "net/http"

type (
	httpWriter  = http.ResponseWriter
	httpRequest = http.Request
	httpFunc    = http.HandlerFunc
)
