package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/crypto/bcrypt"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/basicauth"
	"github.com/httpmw/httpmw/ext"
	"github.com/httpmw/httpmw/header"
	"github.com/httpmw/httpmw/redir"
)

// The small Caddy 0.7 middleware: each one's cost over the bare handler
// it wraps, and chi's equivalent where chi has one.

var helloHandler = httpmw.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) (int, error) {
	io.WriteString(w, "hello")
	return http.StatusOK, nil
})

func helloHTTP(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

// smallSide is one handler serving one request, for smallSideBySide.
type smallSide struct {
	name string
	h    http.Handler
	r    *http.Request
}

// smallSideTime is how long each side is timed for, in alternating rounds
// of roundTime, so that the machine's noise hits every side alike. The
// figures are the fastest round's (ns/op) and the median's.
const smallSideTime = 150 * time.Millisecond

// smallSideBySide measures the sides together; the first is ours, the rest
// peers. A writer that costs nothing takes the responses, its header map
// cleared each time as a new response's would be.
func smallSideBySide(pkg, name string, sides ...smallSide) Comparison {
	together := measuredTogether(func() (map[string]Figures, map[string]error) {
		figs := map[string]Figures{}
		serves := make([]func(), len(sides))
		ns := make([]int, len(sides))
		perOp := make([][]float64, len(sides))
		for i, sd := range sides {
			w := &discard{h: http.Header{}}
			serves[i] = func() {
				clear(w.h)
				sd.h.ServeHTTP(w, sd.r)
			}
			allocs, bytes := allocsPerOp(serves[i], 200)
			figs[sd.name] = Figures{"allocs/op": allocs, "B/op": bytes}
			for range 20 {
				serves[i]()
			}
			start := time.Now()
			serves[i]()
			ns[i] = max(1, int(roundTime/max(time.Since(start), time.Nanosecond)))
		}
		for begin := time.Now(); time.Since(begin) < smallSideTime*time.Duration(len(sides)); {
			for i, serve := range serves {
				t0 := time.Now()
				for range ns[i] {
					serve()
				}
				perOp[i] = append(perOp[i], float64(time.Since(t0).Nanoseconds())/float64(ns[i]))
			}
		}
		for i, sd := range sides {
			slices.Sort(perOp[i])
			figs[sd.name]["ns/op"] = perOp[i][0]
			figs[sd.name]["ns/op median"] = perOp[i][len(perOp[i])/2]
		}
		return figs, nil
	})
	c := Comparison{Package: pkg, Case: name, Ours: together(sides[0].name)}
	for _, sd := range sides[1:] {
		c.Peers = append(c.Peers, Peer{sd.name, together(sd.name)})
	}
	return c
}

func oursSide(h http.Handler, r *http.Request) smallSide { return smallSide{"httpmw", h, r} }

func bare(r *http.Request) smallSide {
	return smallSide{"bare handler", httpmw.ToHTTP(helloHandler), r}
}

func smallComparisons() []Comparison {
	get := httptest.NewRequest("GET", "/hello", nil)
	hello := http.HandlerFunc(helloHTTP)
	var all []Comparison

	set, err := header.New(header.Config{Rules: []header.Rule{{Path: "/", Fields: []header.Field{
		{Name: "X-Frame-Options", Value: "DENY"}, {Name: "X-Content-Type-Options", Value: "nosniff"},
	}}}})
	must(err)
	del, err := header.New(header.Config{Rules: []header.Rule{{Path: "/", Fields: []header.Field{
		{Name: "X-Frame-Options", Value: "DENY"}, {Name: "-Server"},
	}}}})
	must(err)
	chiSet := middleware.SetHeader("X-Frame-Options", "DENY")(middleware.SetHeader("X-Content-Type-Options", "nosniff")(hello))
	all = append(all,
		smallSideBySide("header", "set 2 headers", oursSide(httpmw.ToHTTP(set.Middleware(helloHandler)), get),
			bare(get), smallSide{"chi middleware.SetHeader x2", chiSet, get}),
		smallSideBySide("header", "set 1, remove 1 (wraps the writer)", oursSide(httpmw.ToHTTP(del.Middleware(helloHandler)), get), bare(get)),
	)

	rd, err := redir.New(redir.Config{Rules: []redir.Rule{{From: "/old", To: "/new"}, {From: "/hello", To: "https://example.com{uri}"}}})
	must(err)
	stdRedirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://example.com"+r.URL.RequestURI(), http.StatusMovedPermanently)
	})
	miss := httptest.NewRequest("GET", "/other", nil)
	all = append(all,
		smallSideBySide("redir", "redirect with {uri}", oursSide(httpmw.ToHTTP(rd.Middleware(helloHandler)), get),
			bare(get), smallSide{"http.Redirect in a HandlerFunc", stdRedirect, get}),
		smallSideBySide("redir", "no rule matches", oursSide(httpmw.ToHTTP(rd.Middleware(helloHandler)), miss), bare(miss)),
	)

	authed := httptest.NewRequest("GET", "/hello", nil)
	authed.SetBasicAuth("alice", "correct horse")
	plain, err := basicauth.New(basicauth.Config{Rules: []basicauth.Rule{{Paths: []string{"/"}, User: "alice", Password: "correct horse"}}})
	must(err)
	hash, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	must(err)
	hashed, err := basicauth.New(basicauth.Config{Rules: []basicauth.Rule{{Paths: []string{"/"}, User: "alice", Password: string(hash)}}})
	must(err)
	chiAuth := middleware.BasicAuth("Restricted", map[string]string{"alice": "correct horse"})(hello)
	all = append(all,
		smallSideBySide("basicauth", "plain password, accepted", oursSide(httpmw.ToHTTP(plain.Middleware(helloHandler)), authed),
			bare(authed), smallSide{"chi middleware.BasicAuth", chiAuth, authed}),
		smallSideBySide("basicauth", "no credentials, 401", oursSide(httpmw.ToHTTP(plain.Middleware(helloHandler)), get),
			smallSide{"chi middleware.BasicAuth", chiAuth, get}),
		smallSideBySide("basicauth", fmt.Sprintf("bcrypt cost %d, accepted", bcrypt.MinCost), oursSide(httpmw.ToHTTP(hashed.Middleware(helloHandler)), authed), bare(authed)),
	)

	// ext looks in testdata/ext, which holds about.htm: "/about" costs a
	// miss (.html) and a hit (.htm).
	e, err := ext.New(ext.Config{Root: filepath.Join("testdata", "ext"), Ext: []string{".html", ".htm"}})
	if err != nil {
		fail := func() (Figures, error) { return nil, err }
		return append(all, Comparison{Package: "ext", Case: "run from bench/", Ours: fail})
	}
	about, js := httptest.NewRequest("GET", "/about", nil), httptest.NewRequest("GET", "/app.js", nil)
	all = append(all,
		smallSideBySide("ext", "/about -> /about.htm (2 stats)", oursSide(httpmw.ToHTTP(e.Middleware(helloHandler)), about), bare(about)),
		smallSideBySide("ext", "path with an extension (no stat)", oursSide(httpmw.ToHTTP(e.Middleware(helloHandler)), js), bare(js)),
	)
	return all
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
