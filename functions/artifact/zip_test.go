package artifact

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWriteZip(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		reason    string
		bootstrap []byte
	}{
		"Empty": {
			reason:    "an empty file still gives a valid zip with one entry",
			bootstrap: []byte{},
		},
		"Binary": {
			reason:    "arbitrary bytes survive deflate unchanged",
			bootstrap: bytes.Repeat([]byte("\x7fELF\x00\x01\x02 nimbus"), 10000),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var first, second bytes.Buffer
			if err := WriteZip(&first, tc.bootstrap); err != nil {
				t.Fatalf("%s: WriteZip: %v", tc.reason, err)
			}
			if err := WriteZip(&second, tc.bootstrap); err != nil {
				t.Fatalf("%s: WriteZip again: %v", tc.reason, err)
			}
			if !bytes.Equal(first.Bytes(), second.Bytes()) {
				t.Errorf("%s: two writes of the same bootstrap differ", tc.reason)
			}

			zr, err := zip.NewReader(bytes.NewReader(first.Bytes()), int64(first.Len()))
			if err != nil {
				t.Fatalf("%s: cannot read zip: %v", tc.reason, err)
			}
			type entry struct {
				Name     string
				Mode     fs.FileMode
				Modified string
				Extra    int
				Method   uint16
				DataDesc bool
				Comment  string
				Creator  uint16
				Reader   uint16
			}
			var got []entry
			for _, f := range zr.File {
				got = append(got, entry{
					Name:     f.Name,
					Mode:     f.Mode(),
					Modified: f.Modified.UTC().Format("2006-01-02T15:04:05"),
					Extra:    len(f.Extra),
					Method:   f.Method,
					DataDesc: f.Flags&0x8 != 0,
					Comment:  f.Comment,
					Creator:  f.CreatorVersion,
					Reader:   f.ReaderVersion,
				})
			}
			want := []entry{{Name: "bootstrap", Mode: 0o755, Modified: "1980-01-01T00:00:00", Method: zip.Deflate, Creator: 3<<8 | 20, Reader: 20}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: zip entries -want +got:\n%s", tc.reason, diff)
			}
			if zr.Comment != "" {
				t.Errorf("%s: zip comment %q, want none", tc.reason, zr.Comment)
			}
			rc, err := zr.File[0].Open()
			if err != nil {
				t.Fatalf("%s: cannot open bootstrap: %v", tc.reason, err)
			}
			defer rc.Close()
			content, err := io.ReadAll(rc) // also checks the CRC
			if err != nil {
				t.Fatalf("%s: cannot read bootstrap: %v", tc.reason, err)
			}
			if !bytes.Equal(content, tc.bootstrap) {
				t.Errorf("%s: bootstrap content changed in the zip", tc.reason)
			}
		})
	}
}

func TestMsDosTime(t *testing.T) {
	t.Parallel()
	d, tm := msDosTime(Epoch)
	if d != 0x21 || tm != 0 {
		t.Errorf("msDosTime(1980-01-01) = %#x %#x, want 0x21 0", d, tm)
	}
}
