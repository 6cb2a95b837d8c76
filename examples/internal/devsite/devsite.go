package devsite

import (
	"html/template"
	"io"
	"net/http"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/browse"
	"github.com/httpmw/httpmw/gzip"
	"github.com/httpmw/httpmw/logger"
)

// New serves the folder root, writing access lines to logOut. welcome is
// executed with struct{ Root string } for "/" while the folder is empty.
// Close the returned Closer once the server has stopped, so that the last
// access lines are written.
func New(root string, logOut io.Writer, welcome *template.Template) (http.Handler, io.Closer, error) {
	access, err := logger.New(logger.Config{Format: logger.Combined, Output: logOut})
	if err != nil {
		return nil, nil, err
	}
	compress, err := gzip.New(gzip.Config{})
	if err != nil {
		access.Close()
		return nil, nil, err
	}
	files, err := browse.New(browse.Config{Root: root, Listing: true, Welcome: welcomeHandler(root, welcome)})
	if err != nil {
		access.Close()
		return nil, nil, err
	}
	h := httpmw.ToHTTP(httpmw.Chain(access.Middleware, compress.Middleware)(files))
	return h, closers{files, access}, nil
}

// welcomeHandler answers "/" while the folder is empty; browse calls it only
// then, so a folder with files gets its listing instead.
func welcomeHandler(root string, page *template.Template) httpmw.Handler {
	return httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store") // it must vanish once files exist
		return http.StatusOK, page.Execute(w, struct{ Root string }{root})
	})
}

// closers closes each in order.
type closers []io.Closer

func (cs closers) Close() error {
	for _, c := range cs {
		c.Close()
	}
	return nil
}
