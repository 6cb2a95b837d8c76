// Package tunnel is an ngrok 1.x client whose tunnels are net.Listeners: an
// app serves itself to the public through an ngrokd server (httpmw's
// tunnel/server, or a stock ngrokd 1.7) with plain http.Serve.
//
//	l, err := tunnel.Listen(ctx, tunnel.Config{
//		Server:    "tunnel.example.com:4443",
//		AuthToken: os.Getenv("TUNNEL_TOKEN"),
//		Endpoint:  tunnel.Endpoint{Subdomain: "demo"},
//	})
//	if err != nil {
//		return err // a refusal is an *AuthError or a *TunnelError
//	}
//	fmt.Println("public URL:", l.URL())
//	return http.Serve(l, handler) // returns if the server refuses for good
//
// Each public connection arrives on its own proxy connection from the
// server, or, when the server is httpmw's tunnel/server, as a stream of one
// multiplexed TLS connection (see mux.go; Config.DisableMux turns it off);
// Accept returns it as a *Conn whose RemoteAddr is the public client's
// address. Nothing is dialed locally and no bytes are copied by this package.
//
// A Session is one control connection; several Listeners may share it
// (Dial, then Session.Listen). It pings the server, and when the control
// connection fails it reconnects with backoff, presenting its previous
// client id so that the URLs stay the same; Accept sees nothing of it.
// Network failures, timeouts and passing refusals (a rate limit) are
// retried forever. A refusal that no retry can cure (an unknown auth token,
// a subdomain another client took meanwhile, a protocol refused: see
// ErrRefused) ends the Listeners it concerns instead, so Accept, and with
// it http.Serve, returns the server's reason. A
// pool of registered proxy connections (Config.ProxyPool) is kept warm, so a
// new public connection does not wait for a TLS handshake.
//
// Against a stock ngrokd every public connection uses up one proxy
// connection, and so costs one TLS handshake with the server; the client
// resumes TLS sessions to keep that cheap. Multiplexed, a public connection
// costs a stream: about a third of the CPU (bench/). A stock ngrokd drops
// pooled proxy connections that sat idle for 60 s, so the first connection
// after a quiet minute waits for one ReqProxy round trip.
//
// The wire protocol and its quirks are described in internal/wire/PROTOCOL.md.
package tunnel
