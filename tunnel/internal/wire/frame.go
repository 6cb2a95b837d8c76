package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame bounds a frame body. Real messages are a few hundred bytes;
// the originals had no bound, and a stock ngrokd dies on a 2^40 length.
const DefaultMaxFrame = 64 << 10

// Errors Read returns for frames it refuses. After any of them the
// connection is out of step and must be closed.
var (
	ErrFrameTooLarge = errors.New("wire: frame length over the limit")
	ErrBadLength     = errors.New("wire: negative frame length")
	ErrUnknownType   = errors.New("wire: unknown message type")
	ErrNoPayload     = errors.New("wire: message without Payload")
)

type envelope struct {
	Type    string
	Payload any
}

type rawEnvelope struct {
	Type    string
	Payload json.RawMessage
}

// Encode returns m as one frame: length prefix and JSON body.
func Encode(m Message) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(make([]byte, 8))
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(envelope{Type: m.Type(), Payload: m}); err != nil {
		return nil, fmt.Errorf("wire: encode %s: %w", m.Type(), err)
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	binary.LittleEndian.PutUint64(b[:8], uint64(len(b)-8))
	return b, nil
}

// Write sends m as one frame in a single Write call.
func Write(w io.Writer, m Message) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Read reads one frame and decodes it. A length above max (DefaultMaxFrame
// when max <= 0) is refused before anything is allocated for it.
func Read(r io.Reader, max int64) (Message, error) {
	if max <= 0 {
		max = DefaultMaxFrame
	}
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint64(prefix[:]))
	switch {
	case n < 0:
		return nil, ErrBadLength
	case n > max:
		return nil, fmt.Errorf("%w: %d > %d bytes", ErrFrameTooLarge, n, max)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, unexpected(err)
	}
	return Decode(body)
}

// Decode parses a frame body (without its length prefix).
func Decode(body []byte) (Message, error) {
	var env rawEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("wire: bad frame: %w", err)
	}
	m := newMessage(env.Type)
	if m == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownType, truncate(env.Type))
	}
	if len(env.Payload) == 0 || string(env.Payload) == "null" {
		return nil, fmt.Errorf("%w: %s", ErrNoPayload, env.Type)
	}
	if err := json.Unmarshal(env.Payload, m); err != nil {
		return nil, fmt.Errorf("wire: bad %s payload: %w", env.Type, err)
	}
	return m, nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// truncate keeps error messages short when a peer sends garbage.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}
