package server

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Registry shares the names and TCP ports that a server's tunnels hold
// with other servers, so that several servers act as one (package
// tunnel/server/cluster implements it over etcd). Config.Registry nil is
// a single server: names are checked locally only, as always.
//
// Reservations, accounts and Policy are checked locally first; Claim is
// the last word, so a name taken on any server is taken on all.
type Registry interface {
	// Claim takes h.Key for h.Session, or returns an error whose text
	// goes to the client. A store that cannot be reached is an error
	// wrapping ErrStoreUnavailable: the server never admits a name it
	// could not claim.
	Claim(ctx context.Context, h Holding) error
	// Release gives h.Key back. It is called with the server's lock held,
	// so it must not block (queue the work).
	Release(h Holding)
	// ServeElsewhere answers a public request whose name no tunnel of
	// this server holds, by forwarding it to the server that holds it.
	// It returns false when no server holds the name (the caller answers
	// 404). It is never called for a request another server forwarded.
	ServeElsewhere(w http.ResponseWriter, r *http.Request, scheme string) bool
	// PreviousName returns the random name (a subdomain) that the
	// client's previous session, h.Previous, held for h.Key's protocol
	// on another server, so that a client moving between servers keeps
	// its URL; "" if none. h.Key is the protocol alone.
	PreviousName(h Holding) string
}

// Holding is one name or TCP port a session holds.
type Holding struct {
	// Key is "http/<host>", "https/<host>" (host in lower case, without
	// port) or "tcp/<port>".
	Key string
	// URL is the tunnel's URL on this server, for error texts.
	URL string
	// Account is the account of the session. Owner is what tells owners
	// of names apart: the account, or for anonymous clients their address
	// (as Config.MaxSessionsPerAccount counts them). A name's owner holds
	// the names under it too, on every server.
	Account, Owner string
	// Session is the client id of the session; Previous is the client id
	// the client presented when it connected (its session before a
	// reconnect, perhaps on another server), or "".
	Session, Previous string
	// Drop ends the session; the registry calls it when it lost the name
	// (its lease expired and another server took the name meanwhile).
	Drop func()
}

// ErrHeldByPrevious is wrapped by Registry errors for a name that the
// client's previous session still holds on another server (until that
// server's lease ends). Its text tells the client to retry.
var ErrHeldByPrevious = errors.New("held by this client's previous session on another server until its lease ends; try again")

// ErrStoreUnavailable is wrapped by Registry errors when the shared store
// cannot be reached. Its text tells the client to retry.
var ErrStoreUnavailable = errors.New("cluster store unreachable; try again")

// holdingKey is the Registry key of t: its protocol and bare host, or its
// TCP port.
func holdingKey(t *tunnel) string {
	if t.proto == "tcp" {
		return "tcp/" + strconv.Itoa(t.ln.Addr().(*net.TCPAddr).Port)
	}
	return t.proto + "/" + hostOnly(t.host)
}

func (s *Server) holding(c *control, t *tunnel) Holding {
	return Holding{
		Key: holdingKey(t), URL: t.url, Account: c.account, Owner: c.quota,
		Session: c.id, Previous: c.presented,
		Drop: func() { c.close("its name was lost to another server of the cluster") },
	}
}

// registryTimeout bounds one Claim.
const registryTimeout = 5 * time.Second

// claimShared claims t in Config.Registry, if any, before it is routed.
func (s *Server) claimShared(c *control, t *tunnel) error {
	if s.cfg.Registry == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, registryTimeout)
	defer cancel()
	return s.cfg.Registry.Claim(ctx, s.holding(c, t))
}

// releaseShared gives t's name back to Config.Registry; s.mu may be held.
func (s *Server) releaseShared(t *tunnel) {
	if s.cfg.Registry != nil && t.ctl != nil {
		s.cfg.Registry.Release(s.holding(t.ctl, t))
	}
}

// keepsClientID reports whether a client id this server does not know is
// kept rather than replaced: with a Registry, a client moving from another
// server keeps its id, so that the names its old session still holds there
// (until that server's lease ends) are known as its own and it is told to
// try again, not that they are taken. Only well-formed ids are kept.
func (s *Server) keepsClientID(id string) bool {
	if s.cfg.Registry == nil || len(id) != 32 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

// sharedAffinity is the random name the client's previous session held
// on another server of the cluster, for proto, or "".
func (s *Server) sharedAffinity(c *control, proto string) string {
	if s.cfg.Registry == nil || c.presented == "" {
		return ""
	}
	name := s.cfg.Registry.PreviousName(Holding{Key: proto, Account: c.account, Owner: c.quota, Session: c.id, Previous: c.presented})
	if !validSubdomain(name) || strings.Contains(name, ".") {
		return ""
	}
	return name
}
