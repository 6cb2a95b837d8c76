package wire

// Version and MmVersion are what the 1.7 peers send and expect in Auth and
// AuthResp.
const (
	Version   = "2"
	MmVersion = "1.7"
)

// Message is one of the nine protocol messages, or httpmw's RegMux.
type Message interface {
	// Type is the name the envelope carries, such as "Auth".
	Type() string
}

// Auth opens a control connection (client to server).
type Auth struct {
	Version   string // must be "2"
	MmVersion string // "1.7"
	User      string // the auth token
	Password  string // unused by the protocol
	OS        string
	Arch      string
	ClientId  string // "" for a new session; the previous one to resume

	// Mux offers multiplexed proxy streams (httpmw only; see mux.go):
	// a comma-separated list such as "smux/2". Empty, it is left out of
	// the frame, which is then byte for byte the 1.7 client's. The 1.7
	// server ignores the field (encoding/json drops unknown fields).
	Mux string `json:",omitempty"`
}

// AuthResp answers Auth (server to client).
type AuthResp struct {
	Version   string
	MmVersion string
	ClientId  string
	Error     string

	// Mux is the multiplexing the server accepted from Auth.Mux; only
	// ever set for a client that offered it, so a 1.7 client never sees it.
	Mux string `json:",omitempty"`
}

// ReqTunnel asks for a tunnel (client to server, control).
type ReqTunnel struct {
	ReqId      string // client-chosen, echoed in NewTunnel
	Protocol   string // "http", "https", "tcp" or "+"-joined
	Hostname   string
	Subdomain  string
	HttpAuth   string // "user:pass"
	RemotePort uint16 // tcp only; 0 lets the server choose
}

// NewTunnel answers ReqTunnel once per protocol (server to client, control).
type NewTunnel struct {
	ReqId    string
	Url      string
	Protocol string
	Error    string
}

// ReqProxy asks the client for one more proxy connection (server to client).
type ReqProxy struct{}

// RegProxy is the first message on a proxy connection (client to server).
type RegProxy struct {
	ClientId string
}

// RegMux is the first message on a client's multiplexed connection
// (client to server; httpmw only, after AuthResp accepted Mux). The
// server then opens one stream on it per public connection, each starting
// with StartProxy as a proxy connection does.
type RegMux struct {
	ClientId string
}

// StartProxy hands a public connection to a pooled proxy (server to client,
// proxy connection); raw bytes follow it.
type StartProxy struct {
	Url        string // the tunnel the connection came in on
	ClientAddr string // the public peer, "ip:port"
}

// Ping is the client's heartbeat on the control connection.
type Ping struct{}

// Pong answers Ping.
type Pong struct{}

func (*Auth) Type() string       { return "Auth" }
func (*AuthResp) Type() string   { return "AuthResp" }
func (*ReqTunnel) Type() string  { return "ReqTunnel" }
func (*NewTunnel) Type() string  { return "NewTunnel" }
func (*ReqProxy) Type() string   { return "ReqProxy" }
func (*RegProxy) Type() string   { return "RegProxy" }
func (*StartProxy) Type() string { return "StartProxy" }
func (*RegMux) Type() string     { return "RegMux" }
func (*Ping) Type() string       { return "Ping" }
func (*Pong) Type() string       { return "Pong" }

// newMessage returns an empty message for a type name, nil when unknown.
// Names are case-sensitive, as in the originals.
func newMessage(typ string) Message {
	switch typ {
	case "Auth":
		return new(Auth)
	case "AuthResp":
		return new(AuthResp)
	case "ReqTunnel":
		return new(ReqTunnel)
	case "NewTunnel":
		return new(NewTunnel)
	case "ReqProxy":
		return new(ReqProxy)
	case "RegProxy":
		return new(RegProxy)
	case "StartProxy":
		return new(StartProxy)
	case "RegMux":
		return new(RegMux)
	case "Ping":
		return new(Ping)
	case "Pong":
		return new(Pong)
	}
	return nil
}
