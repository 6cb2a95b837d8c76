package gzip

import (
	"encoding/binary"
	"io"
	"sync"

	kgzip "github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// zstdWindow caps the zstd window, and with it the memory of each pooled
// encoder and of the client's decoder. Typical responses are far smaller,
// so the ratio does not suffer.
const zstdWindow = 128 << 10

// codec is a pooled compressor for one encoding at one level. The
// compressor writes to out, never to the response directly, so that
// clearing out.w drops the reference to a finished response before the
// codec goes back to its pool, without a second Reset.
type codec struct {
	out sink
	gz  *kgzip.Writer // exactly one of gz and zs is set
	zs  *zstd.Encoder
}

// sink forwards the compressor's output to the response being served.
type sink struct{ w io.Writer }

func (s *sink) Write(p []byte) (int, error) { return s.w.Write(p) }

// codecPools holds one pool per encoding, all at the level of one
// middleware (levels differ between middlewares, never within one).
type codecPools struct {
	level int
	pools [numEncodings]sync.Pool
}

func newCodecPools(level int) *codecPools {
	p := &codecPools{level: level}
	p.pools[encGzip].New = func() any {
		c := new(codec)
		// The level was validated by New, so this cannot fail.
		c.gz, _ = kgzip.NewWriterLevel(&c.out, level)
		return c
	}
	p.pools[encZstd].New = func() any {
		c := new(codec)
		// Concurrency 1 keeps the encoder synchronous: no goroutines to
		// outlive a response. No content checksum, as libzstd (and so
		// nginx's and most servers' zstd) writes none by default: RFC 8878
		// makes it optional, every decoder reads frames without it, and
		// the connection (TCP, TLS) already checks the bytes; it would
		// cost a second pass over the body. The options are valid, so
		// this cannot fail.
		c.zs, _ = zstd.NewWriter(&c.out,
			zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			zstd.WithEncoderConcurrency(1),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithLowerEncoderMem(true),
			zstd.WithEncoderCRC(false),
		)
		return c
	}
	return p
}

// get returns a codec for e that writes to w. padding, when not empty,
// is added to the stream where decoders skip it: the gzip header's
// comment, or a zstd skippable frame ahead of the data.
func (p *codecPools) get(e encoding, w io.Writer, padding string) (*codec, error) {
	c := p.pools[e].Get().(*codec)
	c.out.w = w
	if c.gz != nil {
		c.gz.Reset(&c.out)
		c.gz.Comment = padding
		return c, nil
	}
	c.zs.Reset(&c.out)
	if padding != "" {
		if err := writeSkippableFrame(w, padding); err != nil {
			p.put(e, c)
			return nil, err
		}
	}
	return c, nil
}

// put returns c to its pool, without the response it wrote to.
func (p *codecPools) put(e encoding, c *codec) {
	c.out.w = nil
	p.pools[e].Put(c)
}

func (c *codec) Write(b []byte) (int, error) {
	if c.gz != nil {
		return c.gz.Write(b)
	}
	return c.zs.Write(b)
}

// Flush ends the current block so every byte written so far can be
// decoded by the client now.
func (c *codec) Flush() error {
	if c.gz != nil {
		return c.gz.Flush()
	}
	return c.zs.Flush()
}

// Close ends the stream (gzip trailer, last zstd block).
func (c *codec) Close() error {
	if c.gz != nil {
		return c.gz.Close()
	}
	return c.zs.Close()
}

// writeSkippableFrame writes data as a zstd skippable frame (RFC 8878,
// 3.1.2), which every decoder must read past.
func writeSkippableFrame(w io.Writer, data string) error {
	frame := make([]byte, 8, 8+len(data))
	binary.LittleEndian.PutUint32(frame[0:4], 0x184D2A50)
	binary.LittleEndian.PutUint32(frame[4:8], uint32(len(data)))
	frame = append(frame, data...)
	_, err := w.Write(frame)
	return err
}
