package rdsca

import (
	_ "embed"
)

// BundleDate is when the embedded copy was taken.
const BundleDate = "2025-07-14"

//go:embed global-bundle.pem
var bundle []byte

// PEM returns the bundle's PEM bytes.
func PEM() []byte { return bundle }
