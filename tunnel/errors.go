package tunnel

import (
	"errors"
	"net"
)

// AuthError is the server's refusal of a session: a non-empty
// AuthResp.Error, such as a bad auth token or an incompatible version.
type AuthError struct {
	Message string // as the server sent it
}

// Error gives the server's reason.
func (e *AuthError) Error() string { return "tunnel: server refused the session: " + e.Message }

// TunnelError is the server's refusal of a tunnel: a non-empty
// NewTunnel.Error, such as a subdomain already registered or a protocol the
// server does not listen for.
type TunnelError struct {
	Protocol string // the Protocol asked for
	Message  string // as the server sent it
}

// Error gives the server's reason.
func (e *TunnelError) Error() string {
	return "tunnel: server refused the " + e.Protocol + " tunnel: " + e.Message
}

// ErrTimeout is wrapped in the errors of a server that does not answer in
// time (AuthResp, NewTunnel, Pong). It is a net.Error whose Timeout method
// reports true.
var ErrTimeout net.Error = timeoutError{}

// ErrProtocol is wrapped in the errors of a server that breaks the protocol,
// such as a message out of place.
var ErrProtocol = errors.New("tunnel: protocol violation")

type timeoutError struct{}

func (timeoutError) Error() string   { return "tunnel: timed out waiting for the server" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }
