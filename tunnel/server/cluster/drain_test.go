package cluster

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// Drain (Close, what SIGTERM does in ngrokd): the node stops taking
// control connections at once, a request in flight finishes, and then the
// client moves to another node, where its name answers.
func TestDrainFinishesRequestInFlight(t *testing.T) {
	tc := newTestCluster(t, 2)
	entered, release := make(chan struct{}), make(chan struct{})
	cfg := tc.client("slow", 0)
	_, err := tc.listenWith(cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
		io.WriteString(w, "done")
	}))
	if err != nil {
		t.Fatal(err)
	}
	holder := tc.nodes[0]
	got := make(chan string, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+holder.Server().HTTPAddr().String()+"/slow", nil)
		req.Host = "slow.example.test"
		res, err := publicClient().Do(req)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-entered
	closed := make(chan struct{})
	go func() { holder.Close(); close(closed) }()
	tunnelAddr := holder.Server().TunnelAddr().String()
	eventually(t, 5*time.Second, "tunnel port closed by the drain", func() error {
		c, err := net.Dial("tcp", tunnelAddr)
		if err == nil {
			c.Close()
			return errors.New("still accepting")
		}
		return nil
	})
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("request in flight during the drain: %q; want done", body)
	}
	<-closed
	eventually(t, 10*time.Second, "name answers on the other node", answers(t, tc.nodes[1], "slow", "done"))
}
