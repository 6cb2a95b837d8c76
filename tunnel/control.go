package tunnel

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/xtaci/smux"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// errControlLost marks a request cut short by the end of its control
// connection, which a reconnect may cure.
var errControlLost = errors.New("tunnel: control connection lost")

// Messages without fields are encoded once.
var pingMsg = &wire.Ping{}

// control is one control connection: Auth done, a reader goroutine running.
type control struct {
	conn         net.Conn
	clientID     string
	writeTimeout time.Duration

	wmu     sync.Mutex
	pongs   chan struct{}        // a Pong arrived
	replies chan *wire.NewTunnel // NewTunnel messages, in order
	done    chan struct{}        // closed when the connection is finished
	once    sync.Once
	err     error // why; set before done is closed

	pmu     sync.Mutex
	idle    map[net.Conn]struct{} // registered proxy connections awaiting StartProxy
	stopped bool
	mux     *smux.Session // the multiplexed connection, when negotiated (mux.go)
	muxOn   bool          // AuthResp accepted Auth.Mux
}

// close ends the control connection and its idle proxy connections, for
// reason err. The first reason wins.
func (c *control) close(err error) {
	c.once.Do(func() {
		c.err = err
		close(c.done)
		c.conn.Close()
		c.pmu.Lock()
		c.stopped = true
		for p := range c.idle {
			p.Close()
		}
		c.idle = nil
		mux := c.mux
		c.pmu.Unlock()
		if mux != nil {
			mux.Close()
		}
	})
}

// write sends one message within the write timeout; a failure ends the
// control connection.
func (c *control) write(m wire.Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout))
	if err := wire.Write(c.conn, m); err != nil {
		err = fmt.Errorf("tunnel: write %s: %w", m.Type(), err)
		c.close(err)
		return err
	}
	return nil
}

// track records an idle proxy connection so that close ends it; false when
// the control connection is already finished.
func (c *control) track(p net.Conn) bool {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if c.stopped {
		return false
	}
	c.idle[p] = struct{}{}
	return true
}

func (c *control) untrack(p net.Conn) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	delete(c.idle, p)
}

// connect dials the server, authenticates with the session's client id (so
// that the server gives its URLs back) and starts the reader.
func (s *Session) connect(ctx context.Context) (*control, error) {
	conn, err := s.dial(ctx, s.tls)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	resp, err := s.authenticate(conn)
	if !stop() || ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	s.mu.Lock()
	s.clientID = resp.ClientId
	s.mu.Unlock()
	ctl := &control{
		conn:         conn,
		clientID:     resp.ClientId,
		writeTimeout: s.cfg.WriteTimeout,
		pongs:        make(chan struct{}, 1),
		replies:      make(chan *wire.NewTunnel, 16),
		done:         make(chan struct{}),
		idle:         map[net.Conn]struct{}{},
		muxOn:        s.cfg.muxOffer() != "" && resp.Mux == wire.MuxSmux,
	}
	s.wg.Add(1)
	go s.read(ctl)
	return ctl, nil
}

func (s *Session) authenticate(conn net.Conn) (*wire.AuthResp, error) {
	s.mu.Lock()
	id := s.clientID
	s.mu.Unlock()
	conn.SetDeadline(time.Now().Add(s.cfg.ReplyTimeout))
	err := wire.Write(conn, &wire.Auth{
		Version:   wire.Version,
		MmVersion: wire.MmVersion,
		User:      s.cfg.AuthToken,
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		ClientId:  id,
		Mux:       s.cfg.muxOffer(),
	})
	if err != nil {
		return nil, fmt.Errorf("tunnel: send Auth: %w", timeout(err))
	}
	m, err := wire.Read(conn, 0)
	if err != nil {
		return nil, fmt.Errorf("tunnel: waiting for AuthResp: %w", timeout(err))
	}
	resp, ok := m.(*wire.AuthResp)
	switch {
	case !ok:
		return nil, fmt.Errorf("%w: %s instead of AuthResp", ErrProtocol, m.Type())
	case resp.Error != "":
		return nil, &AuthError{Message: resp.Error}
	case resp.ClientId == "":
		return nil, fmt.Errorf("%w: AuthResp without ClientId", ErrProtocol)
	}
	return resp, nil
}

// timeout turns a deadline error into one that wraps ErrTimeout.
func timeout(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ErrTimeout
	}
	return err
}

// read dispatches the control connection's messages until it fails.
func (s *Session) read(c *control) {
	defer s.wg.Done()
	for {
		m, err := wire.Read(c.conn, 0)
		if errors.Is(err, wire.ErrUnknownType) {
			// The frame was read whole, so the stream is still in step: a
			// newer server may speak a message we do not know.
			s.log.Warn("tunnel: ignoring a message from the server", "err", err)
			continue
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				c.close(err)
			} else {
				c.close(fmt.Errorf("tunnel: control connection: %w", err))
			}
			return
		}
		switch m := m.(type) {
		case *wire.Pong:
			select {
			case c.pongs <- struct{}{}:
			default:
			}
		case *wire.ReqProxy:
			s.dialProxy(c)
		case *wire.NewTunnel:
			select {
			case c.replies <- m:
			default:
				s.log.Warn("tunnel: dropping an unrequested NewTunnel")
			}
		case *wire.Ping:
			// Servers do not ping; the stock client ignores it too.
		default:
			s.log.Warn("tunnel: ignoring a message out of place", "type", m.Type())
		}
	}
}

// request sends ReqTunnel for ep on ctl and collects the URLs, one
// NewTunnel per protocol. The caller holds reqMu, so a NewTunnel carrying
// only an Error (the server leaves its ReqId empty) is ours.
func (s *Session) request(ctx context.Context, ctl *control, ep Endpoint) ([]string, error) {
	id := make([]byte, 8)
	rand.Read(id)
	req := &wire.ReqTunnel{
		ReqId:      hex.EncodeToString(id),
		Protocol:   ep.Protocol,
		Hostname:   ep.Hostname,
		Subdomain:  ep.Subdomain,
		HttpAuth:   ep.HTTPAuth,
		RemotePort: ep.RemotePort,
	}
	if err := ctl.write(req); err != nil {
		return nil, fmt.Errorf("%w: %w", errControlLost, err)
	}
	want := strings.Count(ep.Protocol, "+") + 1
	urls := make([]string, 0, want)
	t := time.NewTimer(s.cfg.ReplyTimeout)
	defer t.Stop()
	// take handles one reply: done when the request is answered in full or
	// refused.
	take := func(m *wire.NewTunnel) (bool, error) {
		switch {
		case m.Error != "" && (m.ReqId == "" || m.ReqId == req.ReqId):
			return true, &TunnelError{Protocol: ep.Protocol, Message: m.Error}
		case m.ReqId != req.ReqId:
			return false, nil // a late answer to a request that timed out
		case m.Url == "":
			return true, fmt.Errorf("%w: NewTunnel without Url", ErrProtocol)
		}
		urls = append(urls, m.Url)
		return len(urls) == want, nil
	}
	for {
		select {
		case m := <-ctl.replies:
			if done, err := take(m); done {
				return urls, err
			}
		case <-ctl.done:
			// A server that refuses a control's only tunnel sends the
			// error and hangs up: read what came before the end first.
			for {
				select {
				case m := <-ctl.replies:
					if done, err := take(m); done {
						return urls, err
					}
				default:
					return nil, fmt.Errorf("%w while waiting for NewTunnel: %w", errControlLost, ctl.err)
				}
			}
		case <-t.C:
			err := fmt.Errorf("tunnel: waiting for NewTunnel: %w", ErrTimeout)
			ctl.close(err)
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
