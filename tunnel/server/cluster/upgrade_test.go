package cluster

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// A WebSocket to a tunnel held by another node works through the
// forwarding node (the upgrade crosses both hops).
func TestWebSocketForwarded(t *testing.T) {
	tc := newTestCluster(t, 2)
	cfg := tc.client("ws", 0)
	cfg.Servers = nil
	_, err := tc.listenWith(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			c.WriteMessage(mt, append([]byte("echo "), msg...))
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	addr := tc.nodes[1].Server().HTTPAddr().String()
	d := websocket.Dialer{
		NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		HandshakeTimeout: 5 * time.Second,
	}
	var c *websocket.Conn
	eventually(t, 5*time.Second, "websocket via node 1", func() error {
		var err error
		c, _, err = d.Dial("ws://ws.example.test/", nil)
		return err
	})
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, m := range []string{"one", "two"} {
		if err := c.WriteMessage(websocket.TextMessage, []byte(m)); err != nil {
			t.Fatal(err)
		}
		_, got, err := c.ReadMessage()
		if err != nil || string(got) != "echo "+m {
			t.Fatalf("got %q %v; want %q", got, err, "echo "+m)
		}
	}
}
