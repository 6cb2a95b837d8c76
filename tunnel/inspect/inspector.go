package inspect

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
)

// Inspector records exchanges (Middleware), shows them (Handler) and
// replays them (Replay). Its methods are safe for concurrent use.
type Inspector struct {
	cfg   *settings
	store *store
	token string // value of replayHeader on our own replays

	closeOnce sync.Once
	done      chan struct{} // closed by Close: live streams end
}

// New validates c and returns an Inspector. Call Close when done with it.
func New(c Config) (*Inspector, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	s := c.settings()
	return &Inspector{
		cfg:   s,
		store: newStore(s.maxEntries, s.maxBytes),
		token: rand.Text(),
		done:  make(chan struct{}),
	}, nil
}

// Close ends the UI's live streams and closes idle replay connections.
// Recording goes on working; the UI answers 503 to new streams.
func (in *Inspector) Close() error {
	in.closeOnce.Do(func() {
		close(in.done)
		if in.cfg.ownsTr != nil {
			in.cfg.ownsTr.CloseIdleConnections()
		}
	})
	return nil
}

// Exchanges returns copies of the kept exchanges, oldest first.
func (in *Inspector) Exchanges() []Exchange {
	all := in.store.all()
	out := make([]Exchange, len(all))
	for i, e := range all {
		out[i] = e.clone()
	}
	return out
}

// Exchange returns a copy of the exchange with id, if it is kept.
func (in *Inspector) Exchange(id uint64) (Exchange, bool) {
	e := in.store.get(id)
	if e == nil {
		return Exchange{}, false
	}
	return e.clone(), true
}

// Usage reports how many exchanges are kept and the bytes they account
// for against Config.MaxBytes.
func (in *Inspector) Usage() (entries int, bytes int64) {
	return in.store.stats()
}

func (in *Inspector) isOwnReplay(r *http.Request) bool {
	v := r.Header.Get(replayHeader)
	return v != "" && subtle.ConstantTimeCompare([]byte(v), []byte(in.token)) == 1
}

// clone copies e deeply enough that the caller may change it.
func (e *Exchange) clone() Exchange {
	c := *e
	c.Request.Header = e.Request.Header.Clone()
	c.Response.Header = e.Response.Header.Clone()
	c.Request.Body.Body = bytes.Clone(e.Request.Body.Body)
	c.Response.Body.Body = bytes.Clone(e.Response.Body.Body)
	c.secrets = nil
	return c
}
