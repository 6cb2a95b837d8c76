// Package server is an ngrokd-compatible tunnel server: the stock ngrok 1.7
// client and httpmw's tunnel client both use it.
//
//	srv, err := server.New(server.Config{
//		Domain:     "tunnel.example.com",
//		TunnelAddr: ":4443",
//		HTTPAddr:   ":80",
//		HTTPSAddr:  ":443",
//		TLSConfig:  tlsConf, // the tunnel port's certificate
//		Tokens:     map[string]string{"s3cret-token": "alice"},
//	})
//	if err != nil { ... }
//	go srv.Serve(ctx) // until ctx ends or srv.Close()
//
// # What differs from the original ngrokd
//
// The wire protocol is the same (see tunnel/internal/wire/PROTOCOL.md), and
// so are URLs, routing and the error texts a stock client shows. What the
// original got wrong is fixed:
//
//   - Auth.User is a token checked against Config.Tokens or
//     Config.Authenticate; unknown tokens get AuthResp.Error.
//   - A ClientId is made by the server and bound to the account that got
//     it: another account presenting it gets a fresh id, and proxy
//     connections are accepted only from the control connection's IP
//     address (Config.BindProxyToControlIP).
//   - Subdomains and hostnames can be reserved per account
//     (Config.Reservations, compared in lower case), and Config.Policy
//     decides the rest. A Hostname outside Domain needs a reservation
//     unless Policy says otherwise. A reservation or a live name covers
//     the names below it for other accounts (x.demo under demo), against
//     cookie tossing and look-alike sites.
//   - Public http and https connections are parsed request by request
//     (net/http), so a tunnel's basic auth is checked on every request of a
//     keep-alive connection, in constant time, and never logged;
//     X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host are set on
//     each. A Host without its port routes too, and https also routes by
//     SNI (a request whose Host belongs to another tunnel than its SNI
//     name gets 421).
//   - Guessing is slowed down: an address (IPv4, or IPv6 /64) that fails
//     Config.MaxAuthFailures times within Config.AuthFailureWindow, with
//     wrong auth tokens or wrong basic-auth credentials, is refused
//     unchecked until the window has passed (AuthResp error, or 429 with
//     Retry-After); a request without credentials, a browser's first,
//     does not count. A client that resumes its own session (its ClientId
//     and the right token) still gets in, so a neighbour behind the same
//     NAT cannot cut off running clients.
//   - Frames are bounded (Config.MaxFrame); a 2^40 or negative length
//     closes that one connection.
//   - Limits: sessions, tunnels and tcp ports per account
//     (Config.MaxSessionsPerAccount and the next two fields; anonymous
//     clients count per address), tunnels per client, pooled proxies per client, public
//     connections in total, header read and idle timeouts, and a request
//     body that stalls (Config.BodyReadTimeout, a timeout between reads
//     as nginx's client_body_timeout), each with a log line when it bites.
//   - TCP tunnels bind Config.TCPAddr within TCPPortMin-TCPPortMax, not
//     every interface; https URLs carry the https listener's port.
//   - No public connection waits on a dead client forever: without a proxy
//     connection within Config.ProxyWaitTimeout an http request gets 502.
//   - Per address (an IPv4 address, an IPv6 /64): a share of the public
//     connections (Config.MaxPublicConnsPerAddr) and a cap on tunnel-port
//     connections not yet authenticated (Config.MaxUnauthConnsPerAddr,
//     each bounded by Config.HandshakeTimeout), so that one address
//     cannot lock others out; refusals are logged once per burst.
//   - A public client that stops reading is dropped after
//     Config.PublicWriteTimeout without progress (nginx's send_timeout).
//   - A client that offers it (httpmw's does) gets multiplexed proxy
//     streams: one TLS connection carrying an smux stream per public
//     connection instead of a TLS connection each (see mux.go; off with
//     Config.DisableMux). Per session: streams open at once
//     (Config.Mux.MaxStreams), bytes in flight per stream and buffered in
//     all (Mux.StreamWindow, Mux.SessionBuffer), keepalive with a
//     deadline, a write timeout on the connection; a client that opens a
//     stream itself loses its session. A stock client never sees any of it.
//   - Accept loops retry temporary errors (out of file descriptors) with
//     backoff, 5 ms doubling to 1 s, as net/http does; a listener that
//     fails for good stops the server (Serve returns why), or for a TCP
//     tunnel ends its session with the reason sent to the client.
//
// # Why net/http parses the public side
//
// Basic auth on every request means seeing every request head, and a
// request's end must be known to find the next head (Content-Length,
// chunked bodies, 100-continue, upgrades). Rather than a second HTTP/1
// parser, each public connection is served by net/http and each request is
// written to the connection's own proxy stream and its response read back
// with http.ReadResponse, so framing is exactly net/http's on both sides
// and error pages (401, 404, 421, 502) are always well-formed. A public
// connection keeps one proxy stream (one StartProxy) for all its requests,
// so the local service sees the same keep-alive connection; a 101 response
// switches both to a byte splice. bench/ measures the cost beside a tcp
// tunnel that splices bytes unparsed, and beside ngrokd 1.7, which parses
// only the first head.
//
// # Testing a client against it
//
// A test runs the server on loopback with ephemeral ports and lets it make
// its own development CA (Config.TLSConfig nil):
//
//	srv, err := server.New(server.Config{
//		Domain:     "example.test",
//		TunnelAddr: "127.0.0.1:0",
//		HTTPAddr:   "127.0.0.1:0",
//		HTTPSAddr:  "127.0.0.1:0",
//		TCPAddr:    "127.0.0.1", // tcp tunnels; "" refuses them
//		Tokens:     map[string]string{"test-token": "tester"},
//	})
//	go srv.Serve(ctx)
//	defer srv.Close()
//
//	// Client TLS: trust the server's CA; it issues a certificate for each
//	// name asked for: localhost, example.test, the names under them, and
//	// the IP address connected to.
//	tlsConf := &tls.Config{RootCAs: srv.RootCAs(), ServerName: "localhost"}
//	// Tunnel address: srv.TunnelAddr().String()
//	// A subdomain "demo" gets http://demo.example.test:<port of HTTPAddr>;
//	// send requests to srv.HTTPAddr() with that Host header (or with
//	// Host "demo.example.test", which routes too).
//
// srv.CA().CertPEM() gives the CA as PEM for a file (SSL_CERT_FILE), and
// srv.Stats() the per-tunnel counts of connections, requests and bytes.
package server
