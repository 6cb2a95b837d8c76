package server

import (
	"time"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// checkAuth authenticates a control connection's Auth under the guess
// limiter, returning the account or the error the client is sent.
//
// An address (IPv4, or IPv6 /64) that failed Config.MaxAuthFailures times
// within the window is blocked: its attempts are refused unchecked, so a
// guesser learns nothing more until the window has passed. A neighbour
// behind the same NAT is refused too, with one exception: a client that
// resumes a session it holds, live or ended within the resume window, by
// presenting that session's ClientId, is checked, and let in when its
// token belongs to that session's account. Running clients thus keep
// reconnecting through a neighbour's burst; a client starting afresh
// waits for the window. Why not more:
//   - letting any correct token through would let the guessing go on at
//     full speed, since a right guess would still get in;
//   - counting per (token, address) would never block a guesser, who
//     tries each token once.
//
// A ClientId is a 128-bit secret the server gave that one client, so the
// exception gives a guesser nothing to try; and while the address is
// blocked every refusal reads the same, so a guesser resuming its own
// session cannot tell an unknown token from another account's.
func (s *Server) checkAuth(remote string, auth *wire.Auth) (string, error) {
	blocked := s.guesses.blocked(remote)
	resuming := ""
	if blocked {
		acct, ok := s.sessionAccount(auth.ClientId)
		if !ok {
			s.stats.authBlocked.Add(1)
			return "", errTooManyFailures
		}
		resuming = acct
	}
	account, err := s.authenticate(auth.User)
	if err == nil && (!blocked || account == resuming) {
		return account, nil
	}
	s.stats.authFailures.Add(1)
	s.log.Warn("control refused: authentication failed", "remote", remote, "blocked", blocked)
	s.noteFailure(remote)
	if blocked {
		return "", errTooManyFailures
	}
	return "", err
}

// sessionAccount is the account of the session with client id, live or
// resumable; ok is false for an empty or unknown id.
func (s *Server) sessionAccount(id string) (account string, ok bool) {
	if id == "" {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.controls[id]; c != nil {
		return c.account, true
	}
	if r := s.resumable[id]; r != nil && time.Now().Before(r.expires) {
		return r.account, true
	}
	return "", false
}
