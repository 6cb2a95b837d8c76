package inspect

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// maxDecoded bounds what a compressed body may expand to for display, so a
// small recorded body cannot blow up into gigabytes (a zip bomb).
const maxDecoded = 1 << 20

// showRecorded shows a recorded body, decoding gzip or deflate first when
// the header says the body is compressed, as a person wants to read it.
func showRecorded(h http.Header, b []byte) shownBody {
	ct := h.Get("Content-Type")
	enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	if enc == "" || enc == "identity" || len(b) == 0 {
		return showBody(ct, b)
	}
	plain, complete := decode(enc, b)
	if plain == nil {
		return showBody(ct, b) // an encoding we do not read, or not that encoding after all
	}
	s := showBody(ct, plain)
	s.Decoded = enc
	s.DecodedPartly = !complete
	return s
}

// decode undoes a gzip or deflate Content-Encoding, up to maxDecoded
// bytes. It returns nil when nothing could be decoded, and whether the
// whole stream was.
func decode(enc string, b []byte) (plain []byte, complete bool) {
	var r io.Reader
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, false
		}
		zr.Multistream(true)
		r = zr
	case "deflate":
		// HTTP's "deflate" is zlib, but raw deflate is common; zlib
		// streams start with 0x78.
		if len(b) > 2 && b[0] == 0x78 {
			b = b[2:]
		}
		r = flate.NewReader(bytes.NewReader(b))
	default:
		return nil, false
	}
	var out bytes.Buffer
	n, err := io.Copy(&out, io.LimitReader(r, maxDecoded+1))
	if n == 0 && err != nil {
		return nil, false
	}
	if n > maxDecoded {
		return out.Bytes()[:maxDecoded], false
	}
	// A body cut at capture ends in io.ErrUnexpectedEOF: shown as far as
	// it goes.
	return out.Bytes(), err == nil
}
