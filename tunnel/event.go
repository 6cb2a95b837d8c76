package tunnel

import "time"

// EventKind tells what an Event reports.
type EventKind int

const (
	// EventConnected: a control connection is up and every listener's tunnel
	// is registered on it (after Dial, and after each reconnect).
	EventConnected EventKind = iota + 1
	// EventTunnel: the server assigned Event.URL to a listener, the first
	// time or, after a reconnect, a URL that changed.
	EventTunnel
	// EventReconnecting: the control connection was lost, or a reconnect
	// attempt failed, for Event.Err; attempt Event.Attempt follows after
	// Event.Delay.
	EventReconnecting
)

// String is the kind's name, for logs.
func (k EventKind) String() string {
	switch k {
	case EventConnected:
		return "connected"
	case EventTunnel:
		return "tunnel"
	case EventReconnecting:
		return "reconnecting"
	}
	return "unknown"
}

// Event is what Config.OnEvent receives.
type Event struct {
	Kind    EventKind
	URL     string        // EventTunnel
	Err     error         // EventReconnecting
	Attempt int           // EventReconnecting: 1 for the first retry
	Delay   time.Duration // EventReconnecting
}
