package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/httpmw/httpmw/tunnel/internal/wire"
)

// httpsClient connects to the server's https listener whatever the URL's
// host, trusting the server's CA, so SNI and Host come from the URL.
func httpsClient(t *testing.T, srv *Server) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: srv.RootCAs()},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, srv.HTTPSAddr().String())
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestHTTPSRoutesByHostAndSNI(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	a := c.tunnel(&wire.ReqTunnel{ReqId: "a", Protocol: "https", Subdomain: "a"})[0]
	c.tunnel(&wire.ReqTunnel{ReqId: "b", Protocol: "https", Subdomain: "b"})
	client := httpsClient(t, srv)

	res, err := client.Get(a.Url + "/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), "proto=https") || !strings.Contains(string(body), "GET /x host=a.example.test:") {
		t.Fatalf("https: %d %q", res.StatusCode, body)
	}

	// SNI names tunnel a, Host names tunnel b: refused, not routed.
	req, _ := http.NewRequest("GET", a.Url+"/", nil)
	req.Host = "b.example.test"
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMisdirectedRequest {
		t.Fatalf("SNI/Host mismatch: %d", res.StatusCode)
	}
}

func TestHTTPSGetCertificateHook(t *testing.T) {
	var asked []string
	srv := newTestServer(t, func(c *Config) {
		ca, _ := NewDevCA()
		cert, _ := ca.Issue("example.test")
		c.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			asked = append(asked, hello.ServerName)
			return &cert, nil
		}
	})
	conn, err := tls.Dial("tcp", srv.HTTPSAddr().String(), &tls.Config{ServerName: "demo.example.test", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if len(asked) != 1 || asked[0] != "demo.example.test" {
		t.Fatalf("GetCertificate saw %v", asked)
	}
}

func TestTCPTunnel(t *testing.T) {
	srv := newTestServer(t, func(c *Config) { c.TCPPortMin, c.TCPPortMax = 20000, 40000 })
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	c, _ := connect(t, srv, "alice-token", "", echo.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "t", Protocol: "tcp"})[0]
	if !strings.HasPrefix(nt.Url, "tcp://example.test:") {
		t.Fatalf("url %q", nt.Url)
	}
	port := nt.Url[strings.LastIndex(nt.Url, ":")+1:]
	if port < "20000" || port > "40000" {
		t.Fatalf("port %s outside 20000-40000", port)
	}
	pub, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	pub.Write([]byte("ping over tcp\n"))
	line, err := bufio.NewReader(pub).ReadString('\n')
	if err != nil || line != "ping over tcp\n" {
		t.Fatalf("echo: %q %v", line, err)
	}
	if bad := c.tunnel(&wire.ReqTunnel{ReqId: "u", Protocol: "tcp", RemotePort: 80})[0]; !strings.Contains(bad.Error, "outside the allowed range") {
		t.Fatalf("port 80: %+v", bad)
	}
}

func TestWebSocketUpgrade(t *testing.T) {
	srv := newTestServer(t, nil)
	up := websocket.Upgrader{}
	local := newLocal(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			typ, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteMessage(typ, append([]byte("echo: "), msg...))
		}
	}))
	c, _ := connect(t, srv, "alice-token", "", local)
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "w", Protocol: "http", Subdomain: "ws", HttpAuth: "u:p"})[0]
	d := websocket.Dialer{NetDial: func(network, _ string) (net.Conn, error) {
		return net.Dial(network, srv.HTTPAddr().String())
	}}
	host := strings.TrimPrefix(nt.Url, "http://")
	if _, res, err := d.Dial("ws://"+host+"/", nil); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("upgrade without basic auth was not refused: %v", err)
	}
	hdr := http.Header{"Authorization": {"Basic dTpw"}}
	ws, _, err := d.Dial("ws://"+host+"/", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for _, m := range []string{"one", "two"} {
		ws.WriteMessage(websocket.TextMessage, []byte(m))
		_, got, err := ws.ReadMessage()
		if err != nil || string(got) != "echo: "+m {
			t.Fatalf("got %q %v", got, err)
		}
	}
}

func TestLocalServiceDownGives502(t *testing.T) {
	srv := newTestServer(t, nil)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	c, _ := connect(t, srv, "alice-token", "", dead)
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "d", Protocol: "http", Subdomain: "down"})[0]
	if code, _ := publicGet(t, newHTTPClient(t), srv, nt.Url, "/", nil); code != http.StatusBadGateway {
		t.Fatalf("status %d, want 502", code)
	}
}

func TestRequestBodyAndXForwardedFor(t *testing.T) {
	srv := newTestServer(t, nil)
	local := echoServer(t)
	c, _ := connect(t, srv, "alice-token", "", local.Listener.Addr().String())
	nt := c.tunnel(&wire.ReqTunnel{ReqId: "b", Protocol: "http", Subdomain: "body"})[0]
	host := strings.TrimPrefix(nt.Url, "http://")
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader("payload")
		if chunked {
			body = io.MultiReader(strings.NewReader("pay"), strings.NewReader("load"))
		}
		req, _ := http.NewRequest("POST", "http://"+srv.HTTPAddr().String()+"/post", body)
		req.Host = host
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("Expect", "100-continue")
		res, err := newHTTPClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(got), "POST /post") || !strings.HasSuffix(string(got), "body=payload") || !strings.Contains(string(got), "xff=203.0.113.9, 127.0.0.1 ") {
			t.Fatalf("chunked=%v: %q", chunked, got)
		}
	}
}

func TestUnparsableHeadGets400(t *testing.T) {
	srv := newTestServer(t, nil)
	for _, head := range []string{"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"} {
		conn, err := net.Dial("tcp", srv.HTTPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, head)
		line, _ := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if !strings.HasPrefix(line, "HTTP/1.1 400 ") {
			t.Errorf("%q: got %q, want 400", head, line)
		}
	}
}
