package fcgi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FastCGI record layout (FastCGI 1.0 spec, section 3.3): an 8-byte header,
// up to 65535 content bytes, and padding to a multiple of 8.
const (
	recBeginRequest = 1
	recAbortRequest = 2
	recEndRequest   = 3
	recParams       = 4
	recStdin        = 5
	recStdout       = 6
	recStderr       = 7

	headerLen  = 8
	maxContent = 65535

	// requestID is the id of every request: one request at a time per
	// connection, as php-fpm does not multiplex.
	requestID = 1

	// roleResponder is FCGI_RESPONDER (section 6.2), the only role this
	// client plays; flagKeepConn is FCGI_KEEP_CONN (section 5.1).
	roleResponder = 1
	flagKeepConn  = 1
)

// errProtocol marks a FastCGI stream we cannot make sense of.
var errProtocol = errors.New("fcgi: malformed FastCGI record")

// recordHeader is a decoded record header.
type recordHeader struct {
	typ     uint8
	id      uint16
	length  uint16
	padding uint8
}

// appendRecordHeader appends the header of a record of typ carrying n bytes.
func appendRecordHeader(b []byte, typ uint8, n int) []byte {
	return append(b, 1, typ, 0, requestID, byte(n>>8), byte(n), byte(-n&7), 0)
}

// appendPadding appends the padding that follows n content bytes.
func appendPadding(b []byte, n int) []byte {
	var zero [8]byte
	return append(b, zero[:-n&7]...)
}

// appendBeginRequest appends FCGI_BEGIN_REQUEST for a keep-alive responder.
func appendBeginRequest(b []byte) []byte {
	b = appendRecordHeader(b, recBeginRequest, 8)
	return append(b, byte(roleResponder>>8), byte(roleResponder), flagKeepConn, 0, 0, 0, 0, 0)
}

// appendPairLen appends a name-value pair length: one byte below 128,
// else four bytes with the top bit set.
func appendPairLen(b []byte, n int) []byte {
	if n < 128 {
		return append(b, byte(n))
	}
	return binary.BigEndian.AppendUint32(b, uint32(n)|1<<31)
}

// readRecordHeader reads one header from r.
func readRecordHeader(r io.Reader, buf *[headerLen]byte) (recordHeader, error) {
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return recordHeader{}, err
	}
	if buf[0] != 1 {
		return recordHeader{}, fmt.Errorf("%w: version %d", errProtocol, buf[0])
	}
	return recordHeader{
		typ:     buf[1],
		id:      binary.BigEndian.Uint16(buf[2:4]),
		length:  binary.BigEndian.Uint16(buf[4:6]),
		padding: buf[6],
	}, nil
}

// pairSize is the encoded size of a name-value pair with these lengths.
func pairSize(nameLen, valueLen int) int {
	size := nameLen + valueLen + 2
	if nameLen >= 128 {
		size += 3
	}
	if valueLen >= 128 {
		size += 3
	}
	return size
}

// errPairTooLarge: a name-value pair that no FCGI_PARAMS record can hold.
var errPairTooLarge = errors.New("fcgi: CGI variable too large for a FastCGI record")

// appendParams frames encoded name-value pairs into FCGI_PARAMS records
// and the empty record that ends them. Each record holds whole pairs:
// php-fpm decodes every record on its own, so a pair cut across two of
// them fails the request. A pair larger than a record is errPairTooLarge;
// pairs that do not decode are errProtocol.
func appendParams(b, pairs []byte) ([]byte, error) {
	for len(pairs) > 0 {
		n := 0
		for n < len(pairs) {
			size, err := nextPair(pairs[n:])
			if err != nil {
				return b, err
			}
			if n+size > maxContent {
				break
			}
			n += size
		}
		if n == 0 {
			return b, errPairTooLarge
		}
		b = appendRecordHeader(b, recParams, n)
		b = append(b, pairs[:n]...)
		b = appendPadding(b, n)
		pairs = pairs[n:]
	}
	return appendRecordHeader(b, recParams, 0), nil
}

// nextPair returns the encoded size of the name-value pair that p starts
// with.
func nextPair(p []byte) (int, error) {
	nameLen, k1, ok := readPairLen(p)
	if !ok {
		return 0, errProtocol
	}
	valueLen, k2, ok := readPairLen(p[k1:])
	if !ok {
		return 0, errProtocol
	}
	size := k1 + k2 + nameLen + valueLen
	if size > len(p) {
		return 0, errProtocol
	}
	return size, nil
}

// readPairLen decodes a length written by appendPairLen: its value and how
// many bytes it took.
func readPairLen(p []byte) (n, width int, ok bool) {
	switch {
	case len(p) == 0:
		return 0, 0, false
	case p[0] < 128:
		return int(p[0]), 1, true
	case len(p) < 4:
		return 0, 0, false
	}
	return int(binary.BigEndian.Uint32(p) &^ (1 << 31)), 4, true
}
