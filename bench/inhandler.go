package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// inHandlerProxy is the prototype of issue 22's third item: the leanest
// proxy's request and response handling, but the upstream exchange runs on
// the handler's own goroutine over a pooled net.Conn (request written with
// Request.Write, answer parsed with http.ReadResponse), with none of the
// Transport's per-request handoffs between the caller, writeLoop and
// readLoop goroutines. A prototype for the measurement only: no timeouts,
// no retries, no cancellation when the client leaves, no HTTP/2, and it
// has not met any of reverseproxy's tests.
type inHandlerProxy struct {
	upstreams []string
	next      atomic.Uint32
	idle      []chan *ihConn // per upstream
	bufs      sync.Pool      // *[32 << 10]byte
}

type ihConn struct {
	nc net.Conn
	br *bufio.Reader
	bw *bufio.Writer
}

func newInHandlerProxy(upstreams ...string) *inHandlerProxy {
	p := &inHandlerProxy{upstreams: upstreams, bufs: sync.Pool{New: func() any { return new([32 << 10]byte) }}}
	for range upstreams {
		p.idle = append(p.idle, make(chan *ihConn, 256))
	}
	return p
}

func (p *inHandlerProxy) conn(i int) (*ihConn, error) {
	select {
	case c := <-p.idle[i]:
		return c, nil
	default:
	}
	nc, err := net.DialTimeout("tcp", p.upstreams[i], 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &ihConn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}, nil
}

func (p *inHandlerProxy) put(i int, c *ihConn) {
	select {
	case p.idle[i] <- c:
	default:
		c.nc.Close()
	}
}

func (p *inHandlerProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := int(p.next.Add(1)) % len(p.upstreams)
	out := leanOutgoing(r, p.upstreams[i])

	c, err := p.conn(i)
	if err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	res, err := p.exchange(c, out)
	if err != nil {
		c.nc.Close()
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	leanCopyHeader(w.Header(), res.Header)
	w.WriteHeader(res.StatusCode)
	buf := p.bufs.Get().(*[32 << 10]byte)
	_, err = io.CopyBuffer(leanWriter{w}, res.Body, buf[:])
	p.bufs.Put(buf)
	res.Body.Close()
	if err != nil || res.Close {
		c.nc.Close()
		return
	}
	p.put(i, c)
}

// exchange writes out on c and reads the final answer's header, skipping
// 1xx interim answers.
func (p *inHandlerProxy) exchange(c *ihConn, out *http.Request) (*http.Response, error) {
	if err := out.Write(c.bw); err != nil {
		return nil, err
	}
	if err := c.bw.Flush(); err != nil {
		return nil, err
	}
	for {
		res, err := http.ReadResponse(c.br, out)
		if err != nil {
			return nil, err
		}
		if res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
			return res, nil
		}
	}
}
