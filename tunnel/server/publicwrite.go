package server

import (
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
)

// Write bounds each write to a public client with
// Config.PublicWriteTimeout, as nginx's send_timeout: a client that stops
// reading (or reads too slowly to take a record in that time) loses its
// connection instead of holding it, its proxy stream and their buffers
// forever. A slow client that keeps reading is fine, however long the
// response, and an idle one is the read timeouts' business.
func (c *publicConn) Write(p []byte) (int, error) {
	s := c.s
	c.Conn.SetWriteDeadline(time.Now().Add(s.cfg.PublicWriteTimeout))
	n, err := c.Conn.Write(p)
	if err != nil && isTimeout(err) && c.writeTimedOut.CompareAndSwap(false, true) {
		total := s.stats.writeTimeouts.Add(1)
		if log, burst := s.writeTimeoutLog.note(); log {
			s.log.Info("public connections closed: client not reading", "timeout", s.cfg.PublicWriteTimeout,
				"remote", clientip.Host(c.RemoteAddr().String()), "closed", burst, "closed_total", total)
		}
		c.Close()
	}
	return n, err
}
