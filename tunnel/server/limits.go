package server

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
)

// publicLimit counts open public connections against Config.MaxPublicConns,
// and per address against Config.MaxPublicConnsPerAddr.
type publicLimit struct {
	max     int64
	open    atomic.Int64
	perAddr *addrSlots
	lastLog atomic.Int64 // unix nanoseconds of the last "limit reached" log
	addrLog burstLog     // "address over its share" lines
}

func (l *publicLimit) acquire() bool {
	if l.open.Add(1) > l.max {
		l.open.Add(-1)
		return false
	}
	return true
}

func (l *publicLimit) release() { l.open.Add(-1) }

// admitPublic takes c's slots, or closes it, counts and logs the refusal
// and returns nil.
func (s *Server) admitPublic(c net.Conn) *publicConn {
	key, ok := s.public.perAddr.acquire(c.RemoteAddr())
	if !ok {
		c.Close()
		n := s.stats.refusedPublicAddr.Add(1)
		if log, burst := s.public.addrLog.note(); log {
			s.log.Warn("public connections refused: MaxPublicConnsPerAddr reached", "limit", s.cfg.MaxPublicConnsPerAddr,
				"remote", clientip.Host(c.RemoteAddr().String()), "refused", burst, "refused_total", n)
		}
		return nil
	}
	if !s.public.acquire() {
		s.public.perAddr.release(key)
		c.Close()
		s.refused(c.RemoteAddr())
		return nil
	}
	return &publicConn{Conn: c, s: s, key: key, opened: time.Now()}
}

// refused counts and logs a public connection closed for the limit.
func (s *Server) refused(addr net.Addr) {
	n := s.stats.refusedPublic.Add(1)
	s.logEvery(&s.public.lastLog, "public connection refused: MaxPublicConns reached", "limit", s.public.max, "remote", addr.String(), "refused_total", n)
}

// logEvery logs a warning at most once a second per *last, so that a flood
// of bad connections cannot flood the log too; the totals in the line
// tell how many there were.
func (s *Server) logEvery(last *atomic.Int64, msg string, args ...any) {
	now := time.Now().UnixNano()
	prev := last.Load()
	if now-prev < int64(time.Second) || !last.CompareAndSwap(prev, now) {
		return
	}
	s.log.Warn(msg, args...)
}

// limitListener accepts public connections, retrying temporary errors,
// closing at once those over the limits, and hands out *publicConn.
type limitListener struct {
	net.Listener
	s     *Server
	retry acceptRetry // used by the one goroutine of http.Server.Serve
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.retry.accept(l.Listener, l.s.closed)
		if err != nil {
			return nil, err
		}
		if pc := l.s.admitPublic(c); pc != nil {
			return pc, nil
		}
	}
}

// publicConn is one public connection. It owns the proxy stream bound to
// it (for http, one per keep-alive connection) and releases its slot in the
// limit when closed.
type publicConn struct {
	net.Conn
	s       *Server
	key     netip.Prefix // its slot in publicLimit.perAddr
	once    sync.Once
	mu      sync.Mutex
	stream  *proxyStream
	stopped bool

	opened        time.Time
	requests      atomic.Int64 // request heads read (http), for the timeout logs
	writeTimedOut atomic.Bool  // counted once in Stats.WriteTimeouts
	idleSince     atomic.Int64 // unix nanoseconds, last time it went idle
}

func (c *publicConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.s.public.release()
		c.s.public.perAddr.release(c.key)
		c.mu.Lock()
		c.stopped = true
		st := c.stream
		c.stream = nil
		c.mu.Unlock()
		if st != nil {
			st.close()
		}
	})
	return err
}

// activeSet holds connections spliced outside net/http (tcp tunnels,
// upgraded http), so that Close can end them.
type activeSet struct {
	mu     sync.Mutex
	conns  map[io.Closer]struct{}
	closed bool
}

func (a *activeSet) add(c io.Closer) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return false
	}
	if a.conns == nil {
		a.conns = map[io.Closer]struct{}{}
	}
	a.conns[c] = struct{}{}
	return true
}

func (a *activeSet) remove(c io.Closer) {
	a.mu.Lock()
	delete(a.conns, c)
	a.mu.Unlock()
}

func (a *activeSet) closeAll() {
	a.mu.Lock()
	a.closed = true
	conns := a.conns
	a.conns = nil
	a.mu.Unlock()
	for c := range conns {
		c.Close()
	}
}

// splice copies both ways between a and b until either side ends, then
// closes both. It returns the bytes copied a->b and b->a.
func splice(a, b io.ReadWriteCloser, aReader, bReader io.Reader) (ab, ba int64) {
	if aReader == nil {
		aReader = a
	}
	if bReader == nil {
		bReader = b
	}
	done := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(a, bReader)
		a.Close()
		b.Close()
		done <- n
	}()
	ab, _ = io.Copy(b, aReader)
	a.Close()
	b.Close()
	ba = <-done
	return ab, ba
}
