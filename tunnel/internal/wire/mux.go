package wire

import "strings"

// Multiplexed proxy streams, an httpmw extension negotiated inside the 1.7
// handshake:
//
//   - The client offers Auth.Mux = MuxSmux (a comma-separated list, for
//     later versions). A 1.7 server ignores the field and answers as ever.
//   - An httpmw server that accepts names the choice in AuthResp.Mux; it
//     sets the field only for a client that offered, so a 1.7 client
//     gets the 1.7 bytes.
//   - The client then opens one more TLS connection to the tunnel port and
//     sends RegMux{ClientId}; the connection then carries smux (protocol
//     version 2, per-stream windows). The server opens one stream per
//     public connection, writes StartProxy on it, and the stream carries
//     the public connection's bytes as a proxy connection would. The
//     client never opens streams. ReqProxy and RegProxy stay valid.

// MuxSmux names xtaci/smux protocol version 2 over one TLS connection.
const MuxSmux = "smux/2"

// maxMuxOffer bounds the offer ChooseMux looks at.
const maxMuxOffer = 256

// ChooseMux returns the multiplexing a server that supports MuxSmux takes
// from a client's offer (Auth.Mux), or "" for none.
func ChooseMux(offer string) string {
	if offer == "" || len(offer) > maxMuxOffer {
		return ""
	}
	for _, tok := range strings.Split(offer, ",") {
		if strings.TrimSpace(tok) == MuxSmux {
			return MuxSmux
		}
	}
	return ""
}
