package artifact

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"time"
)

// Epoch is the modification time of every file in every artifact. 1980-01-01 is the earliest
// time a zip's MS-DOS date can hold.
var Epoch = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// zipVersion20 is the zip spec version (2.0) a deflated file needs.
const zipVersion20 = 20

// BootstrapName is the file a provided.* Lambda runtime executes.
const BootstrapName = "bootstrap"

// WriteZip writes a Lambda zip holding bootstrap alone: mode 0755 (Lambda runs it as is), time
// Epoch, deflated at the best level. The header is written raw (sizes and CRC known up front) so
// the zip has no data descriptor and no extended-timestamp extra field: its bytes depend on
// bootstrap and the Go toolchain's compress/flate only.
func WriteZip(w io.Writer, bootstrap []byte) error {
	var compressed bytes.Buffer
	fw, err := flate.NewWriter(&compressed, flate.BestCompression)
	if err != nil {
		return fmt.Errorf("cannot create deflate writer: %w", err)
	}
	if _, err := fw.Write(bootstrap); err != nil {
		return fmt.Errorf("cannot deflate %s: %w", BootstrapName, err)
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("cannot deflate %s: %w", BootstrapName, err)
	}

	fh := &zip.FileHeader{
		Name:               BootstrapName,
		Method:             zip.Deflate,
		CRC32:              crc32.ChecksumIEEE(bootstrap),
		CompressedSize64:   uint64(compressed.Len()),
		UncompressedSize64: uint64(len(bootstrap)),
	}
	// Set the MS-DOS fields, not Modified: Modified makes archive/zip add an extended-timestamp
	// extra field, and the MS-DOS date alone is what every unzip reads.
	fh.ModifiedDate, fh.ModifiedTime = msDosTime(Epoch) //nolint:staticcheck // deprecated fields on purpose, see above
	fh.SetMode(0o755)                                   // also marks the creator as Unix, so the mode is honoured
	// CreateRaw leaves the versions as given; say "2.0" (deflate) as CreateHeader would.
	fh.CreatorVersion = fh.CreatorVersion&0xff00 | zipVersion20
	fh.ReaderVersion = zipVersion20

	zw := zip.NewWriter(w)
	fw2, err := zw.CreateRaw(fh)
	if err != nil {
		return fmt.Errorf("cannot add %s to zip: %w", BootstrapName, err)
	}
	if _, err := fw2.Write(compressed.Bytes()); err != nil {
		return fmt.Errorf("cannot write %s to zip: %w", BootstrapName, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot finish zip: %w", err)
	}
	return nil
}

// msDosTime converts t (UTC) to the MS-DOS date and time a zip header holds.
func msDosTime(t time.Time) (date, tm uint16) {
	t = t.UTC()
	date = uint16(t.Day() + int(t.Month())<<5 + (t.Year()-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}
