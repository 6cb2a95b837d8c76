package server

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
)

// ForwardedPortHeader names, on a CONNECT that another server of a
// cluster forwards, the port of the TCP tunnel the connection is for.
const ForwardedPortHeader = "X-Httpmw-Node-Port"

// serveForwardedTCP serves a CONNECT from another node (ServeForwarded):
// a public connection to a TCP tunnel port that this server holds, spliced
// to the tunnel as if it had arrived on the port here.
func (s *Server) serveForwardedTCP(w http.ResponseWriter, r *http.Request) {
	client := r.Header.Get(ForwardedClientHeader)
	host, _, err := net.SplitHostPort(client)
	port, perr := strconv.Atoi(r.Header.Get(ForwardedPortHeader))
	if err != nil || net.ParseIP(host) == nil || perr != nil {
		textError(w, http.StatusBadRequest, "Bad forwarded connection")
		return
	}
	t := s.tcpTunnelOn(port)
	if t == nil {
		textError(w, http.StatusBadGateway, "Tunnel not held by this node")
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	if !s.active.add(conn) {
		conn.Close()
		return
	}
	defer s.active.remove(conn)
	proxy, err := t.ctl.takeProxy(t, client, s.closed, nil)
	if err != nil {
		s.stats.noProxy.Add(1)
		s.log.Warn("forwarded tcp connection closed: no proxy connection", "url", t.url, "remote", client, "err", err)
		brw.WriteString("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		brw.Flush()
		conn.Close()
		return
	}
	st := newStream(t, proxy)
	brw.WriteString("HTTP/1.1 200 OK\r\n\r\n")
	if err := brw.Flush(); err != nil {
		conn.Close()
		st.close()
		return
	}
	if ms, ok := proxy.(*muxStream); ok {
		// Half-closes cross, as on the port itself (stream.go).
		spliceHalf(&bufferedConn{Conn: conn, r: brw.Reader}, st, ms)
		return
	}
	splice(conn, st, brw.Reader, nil)
	st.close()
}

// bufferedConn reads what a bufio.Reader over Conn holds first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// CloseWrite half-closes the connection underneath, for spliceHalf.
func (c *bufferedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// tcpTunnelOn finds the TCP tunnel bound to port.
func (s *Server) tcpTunnelOn(port int) *tunnel {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tunnels {
		if t.proto == "tcp" && t.ln != nil && t.ln.Addr().(*net.TCPAddr).Port == port {
			return t
		}
	}
	return nil
}
