package reverseproxy

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/testupstream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type upstream = testupstream.Server

func startUpstream(t testing.TB, h http.Handler) *upstream {
	return testupstream.Start(t, "tcp", "127.0.0.1:0", h)
}

func startUpstreamOn(t testing.TB, network, addr string, h http.Handler) *upstream {
	return testupstream.Start(t, network, addr, h)
}

// reports collects what the adapter in front of the proxy was told.
type reports struct {
	mu   sync.Mutex
	list []report
	ch   chan report // every report is also sent here, when there is room
}

type report struct {
	status int
	err    error
}

func (r *reports) add(_ *http.Request, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.list = append(r.list, report{status, err})
	select {
	case r.ch <- report{status, err}:
	default:
	}
}

func (r *reports) all() []report {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]report(nil), r.list...)
}

// front starts a real server that serves p through the httpmw adapter,
// with next answering "next" for requests the proxy passes on.
func front(t testing.TB, c Config) (*httptest.Server, *Proxy, *reports) {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	rep := &reports{ch: make(chan report, 64)}
	next := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Write([]byte("next"))
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.Adapter{OnError: rep.add}.Handler(p.Middleware(next)))
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return srv, p, rep
}
