package tunnel

import (
	"errors"
	"net"
	"strings"
)

// ErrRefused is wrapped in a refusal that retrying cannot cure: an
// *AuthError or *TunnelError whose Temporary method reports false, such as
// an unknown auth token, a subdomain that another client holds, or a
// protocol the server does not serve. When a reconnect gets one, the
// Listeners it concerns end: Accept returns it (inside a *net.OpError), so
// http.Serve returns it, as it does for any listener that can no longer
// accept.
var ErrRefused = errors.New("tunnel: refused by the server")

// AuthError is the server's refusal of a session: a non-empty
// AuthResp.Error, such as a bad auth token or an incompatible version.
type AuthError struct {
	Message string // as the server sent it
}

// Error gives the server's reason.
func (e *AuthError) Error() string { return "tunnel: server refused the session: " + e.Message }

// Temporary reports whether the refusal names a passing condition, such as
// too many failed attempts from this address: a reconnect keeps trying
// after it, and ends the session after any other.
func (e *AuthError) Temporary() bool { return passing(e.Message) }

// Is reports whether target is ErrRefused and the refusal is permanent.
func (e *AuthError) Is(target error) bool { return target == ErrRefused && !e.Temporary() }

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

// Temporary reports whether the refusal names a passing condition, such as
// a server that found no free random name or is shutting down: a
// reconnect keeps trying after it, and ends the tunnel's Listener after any
// other.
func (e *TunnelError) Temporary() bool { return passing(e.Message) }

// Is reports whether target is ErrRefused and the refusal is permanent.
func (e *TunnelError) Is(target error) bool { return target == ErrRefused && !e.Temporary() }

// passingMarks are the words of refusals that a later attempt may not get:
// rate limits and a busy or closing server, in the texts of httpmw's
// tunnel/server and the usual wording of others. The protocol has no error
// codes, so any other text is taken as final, as the stock ngrok client
// takes every refusal.
var passingMarks = []string{
	"try again",
	"too many failed attempts",
	"rate limit",
	"too many requests",
	"too many sessions",
	"and retry", // tunnel/server's account limits clear as the account's other sessions close
	"too many connections",
	"temporar", // temporary, temporarily
	"unavailable",
	"busy",
	"shutting down",
	"server closing",
	"could not find a free random name",
	"tunnel client disconnected", // the server saw our previous connection end
}

func passing(msg string) bool {
	msg = strings.ToLower(msg)
	for _, m := range passingMarks {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
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
