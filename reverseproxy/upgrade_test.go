package reverseproxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestWebsocketEchoThroughProxy(t *testing.T) {
	upgrader := websocket.Upgrader{}
	up := startUpstream(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			kind, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(kind, append([]byte("echo: "), msg...)); err != nil {
				return
			}
		}
	}))
	srv, p, _ := front(t, Config{Path: "/ws", Balancer: one(up.Addr)})
	c, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake status %d", res.StatusCode)
	}
	for _, msg := range []string{"hello", "world", strings.Repeat("z", 100000)} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != "echo: "+msg {
			t.Fatalf("echo of %.10q: %.20q, %v", msg, got, err)
		}
	}
	if n := p.Pool().Hosts()[0].Conns(); n != 1 {
		t.Errorf("open websocket counts %d connections on its upstream, want 1", n)
	}
	c.Close()
}
