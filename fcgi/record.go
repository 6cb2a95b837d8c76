package fcgi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/yookoala/gofast"
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

	flagKeepConn = 1
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
	role := uint16(gofast.RoleResponder)
	return append(b, byte(role>>8), byte(role), flagKeepConn, 0, 0, 0, 0, 0)
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
