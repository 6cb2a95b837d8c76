package tunnel

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// establish dials, authenticates, registers every listener's tunnel and
// fills the proxy pool. On success the control connection is installed.
func (s *Session) establish(ctx context.Context) (*control, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel) // Close interrupts
	defer stop()

	ctl, err := s.connect(ctx)
	if err != nil {
		return nil, err
	}
	if ctl.muxOn {
		if err := s.openMux(ctx, ctl); err != nil {
			ctl.close(err)
			return nil, err
		}
	}
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.mu.Lock()
	ls := append([]*Listener(nil), s.listeners...)
	s.mu.Unlock()
	for _, l := range ls {
		urls, err := s.request(ctx, ctl, l.ep)
		if errors.Is(err, ErrRefused) {
			// Another client took the name meanwhile, or the server no
			// longer serves the protocol: no retry will help this tunnel.
			s.log.Error("tunnel: the server refused a tunnel; its listener ends", "server", s.cfg.Server, "err", err)
			l.fail(err)
			continue
		}
		if err != nil {
			ctl.close(err)
			return nil, err
		}
		s.assign(l, urls)
	}
	s.mu.Lock()
	if s.isClosed {
		s.mu.Unlock()
		ctl.close(net.ErrClosed)
		return nil, net.ErrClosed
	}
	s.ctl = ctl
	close(s.up)
	s.mu.Unlock()
	if !ctl.muxOn { // streams need no pool
		for range s.cfg.ProxyPool {
			s.dialProxy(ctl)
		}
	}
	s.log.Info("tunnel: connected", "server", s.cfg.Server)
	s.emit(Event{Kind: EventConnected})
	return ctl, nil
}

// supervise keeps the session connected until it is closed: it pings on
// the current control connection and, when that fails, reconnects.
func (s *Session) supervise(ctl *control) {
	defer s.wg.Done()
	for ctl != nil {
		err := s.heartbeat(ctl)
		ctl.close(err)
		s.mu.Lock()
		s.ctl = nil
		s.up = make(chan struct{})
		closed := s.isClosed
		s.mu.Unlock()
		if closed {
			return
		}
		ctl = s.reconnect(err)
	}
}

// heartbeat pings every PingInterval and returns why ctl is no longer
// usable: it failed, a Pong came too late, or the session closed.
func (s *Session) heartbeat(ctl *control) error {
	ping := time.NewTicker(s.cfg.PingInterval)
	defer ping.Stop()
	var pongTimer *time.Timer
	var pongDue <-chan time.Time
	defer func() {
		if pongTimer != nil {
			pongTimer.Stop()
		}
	}()
	for {
		select {
		case <-s.closed:
			return net.ErrClosed
		case <-ctl.done:
			return ctl.err
		case <-ping.C:
			if err := ctl.write(pingMsg); err != nil {
				return err
			}
			if pongTimer == nil { // time the oldest unanswered Ping
				pongTimer = time.NewTimer(s.cfg.PongTimeout)
				pongDue = pongTimer.C
			}
		case <-ctl.pongs:
			if pongTimer != nil {
				pongTimer.Stop()
				pongTimer, pongDue = nil, nil
			}
		case <-pongDue:
			return fmt.Errorf("tunnel: no Pong within %v: %w", s.cfg.PongTimeout, ErrTimeout)
		}
	}
}

// reconnect retries establish with backoff until it succeeds (the new
// control connection) or the session ends (nil): closed, or refused for
// good by the server. Network failures, timeouts and passing refusals
// (rate limits) are retried forever, as the stock client does.
func (s *Session) reconnect(cause error) *control {
	for attempt := 1; ; attempt++ {
		delay := s.backoff(attempt)
		s.log.Warn("tunnel: reconnecting", "server", s.cfg.Server, "err", cause, "attempt", attempt, "delay", delay)
		s.emit(Event{Kind: EventReconnecting, Err: cause, Attempt: attempt, Delay: delay})
		t := time.NewTimer(delay)
		select {
		case <-s.closed:
			t.Stop()
			return nil
		case <-t.C:
		}
		s.nextServer()
		ctl, err := s.establish(s.ctx)
		if err == nil {
			return ctl
		}
		if s.ctx.Err() != nil {
			return nil
		}
		var refused *AuthError
		if errors.As(err, &refused) && errors.Is(err, ErrRefused) {
			s.log.Error("tunnel: the server refused the session; giving up", "server", s.cfg.Server, "err", err)
			s.stop(err)
			return nil
		}
		cause = err
	}
}

// backoff is the wait before reconnect attempt n (from 1).
func (s *Session) backoff(n int) time.Duration {
	d := s.cfg.BackoffMin
	for i := 1; i < n && d < s.cfg.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, s.cfg.BackoffMax)
	d += rand.N(d/4 + 1)
	return min(d, s.cfg.BackoffMax)
}
