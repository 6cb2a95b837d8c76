package server

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// proxyStream is a proxy connection after StartProxy: a byte stream to the
// client's local service for one public connection. It counts the bytes
// on its tunnel.
type proxyStream struct {
	t    *tunnel
	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer // nil until writeRequest needs it
	once sync.Once
}

func newStream(t *tunnel, conn net.Conn) *proxyStream {
	st := &proxyStream{t: t, conn: conn}
	// Response heads only: bodies are read in larger pieces straight
	// past the buffer (see copyBody).
	st.br = bufio.NewReaderSize(st, 4<<10)
	t.n.conns.Add(1)
	t.n.active.Add(1)
	if !t.ctl.streams.add(st) {
		st.close() // the session ended meanwhile
	}
	return st
}

func (st *proxyStream) Read(p []byte) (int, error) {
	n, err := st.conn.Read(p)
	st.t.n.bytesOut.Add(int64(n))
	return n, err
}

func (st *proxyStream) Write(p []byte) (int, error) {
	n, err := st.conn.Write(p)
	st.t.n.bytesIn.Add(int64(n))
	return n, err
}

func (st *proxyStream) Close() error {
	st.close()
	return nil
}

func (st *proxyStream) close() {
	st.once.Do(func() {
		st.conn.Close()
		st.t.n.active.Add(-1)
		st.t.ctl.streams.remove(st)
	})
}

// writeRequest writes r through a buffer made on first use: a stream
// whose only request went out with StartProxy never needs one. Requests of
// a stream are written one after another, never at once.
func (st *proxyStream) writeRequest(r *http.Request) error {
	if st.bw == nil {
		st.bw = bufio.NewWriterSize(st, 16<<10)
	}
	if err := r.Write(st.bw); err != nil {
		return err
	}
	return st.bw.Flush()
}

// streamFor returns the stream this public connection uses for t, opening
// one (StartProxy) on first use or when the request names another tunnel.
// Requests of one HTTP/1 connection come one at a time, so one stream per
// connection keeps the local service's keep-alive intact.
//
// A new stream for a request without a body carries out in the same write
// as StartProxy (sent is then true): one TLS record and one write fewer
// here, and the client finds the request already there when it starts
// serving the connection.
func (c *publicConn) streamFor(t *tunnel, r, out *http.Request) (st *proxyStream, sent bool, err error) {
	c.mu.Lock()
	old := c.stream
	if old != nil && old.t == t {
		c.mu.Unlock()
		return old, false, nil
	}
	c.stream = nil
	c.mu.Unlock()
	if old != nil {
		old.close()
	}
	var head []byte
	if !hasBody(out) {
		var b bytes.Buffer
		if out.Write(&b) == nil { // else forward writes it and reports
			head = b.Bytes()
		}
	}
	conn, err := t.ctl.takeProxy(t, r.RemoteAddr, r.Context().Done(), head)
	if err != nil {
		return nil, false, err
	}
	st = newStream(t, conn)
	t.n.bytesIn.Add(int64(len(head)))
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		st.close()
		return nil, false, errStopped
	}
	c.stream = st
	c.mu.Unlock()
	return st, head != nil, nil
}

// drop closes st if it is still this connection's stream.
func (c *publicConn) drop(st *proxyStream) {
	c.detach(st)
	st.close()
}

// detach forgets st without closing it (an upgrade takes it over).
func (c *publicConn) detach(st *proxyStream) {
	c.mu.Lock()
	if c.stream == st {
		c.stream = nil
	}
	c.mu.Unlock()
}

// serveTCP accepts public connections of a tcp tunnel until it stops.
// Temporary accept errors are retried; a listener that fails for good
// ends the tunnel's session with the reason, so that the client sees it
// (see tcpListenerFailed) instead of keeping a tunnel nobody can reach.
func (s *Server) serveTCP(t *tunnel) {
	retry := acceptRetry{s: s, what: "tcp tunnel " + t.url}
	for {
		c, err := retry.accept(t.ln, t.stopped)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && s.ctx.Err() == nil {
				s.tcpListenerFailed(t, err)
			}
			return
		}
		pc := s.admitPublic(c)
		if pc == nil {
			continue
		}
		if !s.goFunc(func() { s.proxyTCP(t, pc) }) {
			pc.Close()
		}
	}
}

// tcpListenerFailed tells the client that t is gone, in the one message
// ngrok 1.x has for it (stock clients show "Server failed to allocate
// tunnel: ..." and stop), then ends the session: a client that carries on
// reconnects and asks for its tunnels again, on a fresh listener.
func (s *Server) tcpListenerFailed(t *tunnel, err error) {
	reason := fmt.Sprintf("The tunnel %s failed: %v", t.url, err)
	s.log.Error("tcp tunnel listener failed; ending its session", "client", shortID(t.ctl.id), "url", t.url, "err", err)
	if t.ctl.send(&wire.NewTunnel{ReqId: t.reqID, Url: t.url, Protocol: t.proto, Error: reason}) {
		t.ctl.send(endAfterWrites(reason))
	}
}

func (s *Server) proxyTCP(t *tunnel, pc *publicConn) {
	if !s.active.add(pc) {
		pc.Close()
		return
	}
	defer s.active.remove(pc)
	conn, err := t.ctl.takeProxy(t, pc.RemoteAddr().String(), s.closed, nil)
	if err != nil {
		s.stats.noProxy.Add(1)
		s.log.Warn("public connection closed: no proxy connection", "url", t.url, "remote", pc.RemoteAddr().String(), "err", err)
		pc.Close()
		return
	}
	st := newStream(t, conn)
	if ms, ok := conn.(*muxStream); ok {
		spliceHalf(pc, st, ms)
		return
	}
	splice(pc, st, nil, nil)
	st.close()
}
