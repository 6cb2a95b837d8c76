package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/httpmw/httpmw/internal/clientip"
	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// control is one authenticated client session: its control connection,
// its tunnels and its pool of proxy connections.
type control struct {
	s       *Server
	id      string
	account string
	ip      string // control connection's IP, for BindProxyToControlIP
	conn    net.Conn
	quota   string // what the per-account limits count against (accounts.go)
	counted bool   // counted in the account's sessions; guarded by s.mu

	out      chan wire.Message // to the writer goroutine
	proxies  chan *pooledProxy
	demand   proxyDemand
	done     chan struct{}
	once     sync.Once
	replaced atomic.Bool

	// affinity remembers the random name or port each protocol got, so a
	// resumed session gets it back. Guarded by s.mu.
	affinity map[string]string
	tunnels  []*tunnel // guarded by s.mu

	// streams are the proxy connections in use. They end with the session
	// (unless a new control connection of the same client takes over), so
	// that a client that vanished without closing its connections does not
	// leave public connections waiting on them forever.
	streams activeSet

	mux muxState // multiplexed proxy streams, when negotiated (mux.go)

	// presented is the client id the client sent in Auth, for Registry.
	presented string
}

// resumeRecord keeps an ended session's owner and names for resumeWindow.
type resumeRecord struct {
	account  string
	affinity map[string]string
	expires  time.Time
}

// shortID is the part of a client id that logs show: enough to tell
// sessions apart, too little to replay one.
func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func newClientID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// authenticate maps a token to an account.
func (s *Server) authenticate(token string) (string, error) {
	switch {
	case s.cfg.Authenticate != nil:
		return s.cfg.Authenticate(token)
	case len(s.cfg.Tokens) > 0:
		if acct, ok := lookupToken(s.cfg.Tokens, token); ok {
			return acct, nil
		}
		if !s.cfg.AllowAnonymous {
			return "", errors.New("authentication failed: unknown token")
		}
	}
	return "anonymous", nil
}

// serveControl authenticates a control connection and runs it until it
// ends.
func (s *Server) serveControl(conn net.Conn, auth *wire.Auth) {
	remote := conn.RemoteAddr().String()
	reply := func(r *wire.AuthResp) {
		r.Version, r.MmVersion = wire.Version, wire.MmVersion
		conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
		wire.Write(conn, r)
	}
	if auth.Version != wire.Version {
		s.log.Info("control refused: incompatible version", "remote", remote, "version", auth.Version)
		reply(&wire.AuthResp{Error: fmt.Sprintf("Incompatible versions. Server %s, client %s. Download a new version at http://ngrok.com", wire.MmVersion, truncate(auth.MmVersion))})
		conn.Close()
		return
	}
	account, err := s.checkAuth(remote, auth)
	if err != nil {
		reply(&wire.AuthResp{Error: err.Error()})
		conn.Close()
		return
	}
	c := &control{
		s:       s,
		account: account,
		ip:      clientip.Host(remote),
		conn:    conn,
		out:     make(chan wire.Message, 64),
		proxies: make(chan *pooledProxy, s.cfg.MaxPooledProxies),
		done:    make(chan struct{}),
		quota:   s.quotaKey(account, remote),
	}
	c.presented = auth.ClientId
	old, resumed, err := s.adopt(c, auth.ClientId)
	if err != nil {
		reply(&wire.AuthResp{Error: err.Error()})
		conn.Close()
		return
	}
	if old != nil {
		old.replaced.Store(true)
		old.close("replaced by a new control connection of the same client")
	}
	if s.ctx.Err() != nil {
		c.close("server closing")
		return
	}
	s.log.Info("client connected", "client", shortID(c.id), "account", account, "remote", remote, "resumed", resumed, "os", truncate(auth.OS), "arch", truncate(auth.Arch))
	conn.SetDeadline(time.Time{})
	reply(&wire.AuthResp{ClientId: c.id, Mux: c.negotiate(auth.Mux)})
	if !c.mux.enabled() {
		c.askFirst()
	}
	if !s.goFunc(c.writeLoop) {
		c.close("server closing")
		return
	}
	c.readLoop()
}

// adopt gives c its client id: the one the client sent when that session
// belongs to the same account (live or recently ended), else a new one.
// It returns the live control c replaces, if any, or an error when the
// account has no session left (Config.MaxSessionsPerAccount).
func (s *Server) adopt(c *control, want string) (old *control, resumed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	c.affinity = map[string]string{}
	var live *control
	var rec *resumeRecord
	if want != "" {
		live, rec = s.controls[want], s.resumable[want]
		if live != nil && live.account == c.account {
			old = live
		}
	}
	if err := s.admitSession(c, old); err != nil {
		return nil, false, err
	}
	switch {
	case want == "":
	case old != nil:
		resumed = true
		for k, v := range live.affinity {
			c.affinity[k] = v
		}
	case live == nil && rec != nil && rec.account == c.account && now.Before(rec.expires):
		resumed = true
		c.affinity = rec.affinity
		delete(s.resumable, want)
	case live != nil || rec != nil && rec.account != c.account:
		s.log.Warn("client id of another account presented; issuing a new one", "account", c.account, "client", shortID(want))
	case s.keepsClientID(want):
		c.id = want // a client from another server of the cluster (registry.go)
	}
	if resumed {
		c.id = want
	} else if c.id == "" {
		c.id = newClientID()
	}
	s.controls[c.id] = c
	return old, resumed, nil
}

// endAfterWrites, queued like a message, makes the writer end the session
// once everything queued before it was written.
type endAfterWrites string

func (endAfterWrites) Type() string { return "" }

// send queues m for the writer; it gives up when the control ends.
func (c *control) send(m wire.Message) bool {
	select {
	case c.out <- m:
		return true
	case <-c.done:
		return false
	}
}

func (c *control) writeLoop() {
	for {
		select {
		case m := <-c.out:
			if end, ok := m.(endAfterWrites); ok {
				c.close(string(end))
				return
			}
			c.conn.SetWriteDeadline(time.Now().Add(c.s.cfg.WriteTimeout))
			if err := wire.Write(c.conn, m); err != nil {
				c.close("write failed: " + err.Error())
				return
			}
		case <-c.done:
			return
		}
	}
}

func (c *control) readLoop() {
	defer c.close("control connection ended")
	for {
		c.conn.SetReadDeadline(time.Now().Add(c.s.cfg.PingTimeout))
		msg, err := wire.Read(c.conn, c.s.cfg.MaxFrame)
		if err != nil {
			if isTimeout(err) {
				c.close("no ping for " + c.s.cfg.PingTimeout.String())
				return
			}
			if c.closing() {
				return // closed by the server: not the client's fault
			}
			c.s.badFrame(c.conn.RemoteAddr().String(), "control", err)
			return
		}
		switch m := msg.(type) {
		case *wire.Ping:
			c.send(&wire.Pong{})
		case *wire.ReqTunnel:
			if !c.s.requestTunnels(c, m) {
				// Let the writer send the error first, then end.
				c.send(endAfterWrites("tunnel request refused and no tunnel left"))
				<-c.done
				return
			}
		default:
			c.s.log.Debug("control: ignored message", "client", shortID(c.id), "type", msg.Type())
		}
	}
}

// close ends the session: its connection, its tunnels and pooled proxies.
func (c *control) close(reason string) {
	c.once.Do(func() {
		close(c.done)
		c.conn.Close()
		s := c.s
		s.mu.Lock()
		if s.controls[c.id] == c {
			delete(s.controls, c.id)
			s.pruneResumable()
			s.resumable[c.id] = &resumeRecord{account: c.account, affinity: c.affinity, expires: time.Now().Add(resumeWindow)}
		}
		tunnels := c.tunnels
		c.tunnels = nil
		for _, t := range tunnels {
			s.unroute(t)
		}
		s.releaseSession(c)
		s.mu.Unlock()
		for _, t := range tunnels {
			t.stop()
		}
		c.drainProxies()
		c.mux.close()
		if !c.replaced.Load() {
			c.streams.closeAll()
		}
		s.log.Info("client disconnected", "client", shortID(c.id), "account", c.account, "reason", reason, "tunnels", len(tunnels))
	})
}

// maxResumable bounds remembered sessions; past it the oldest are dropped.
const maxResumable = 10000

// pruneResumable drops expired records; s.mu is held.
func (s *Server) pruneResumable() {
	if len(s.resumable) < maxResumable/2 {
		return
	}
	now := time.Now()
	for id, r := range s.resumable {
		if now.After(r.expires) || len(s.resumable) >= maxResumable {
			delete(s.resumable, id)
		}
	}
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64]
	}
	return s
}
