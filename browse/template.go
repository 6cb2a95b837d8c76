package browse

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	ttemplate "text/template"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/internal/clientip"
)

// Listing is the data a custom Config.Template is executed with. It has
// every field and method of Caddy 0.7's browse.Listing and of the template
// context it embedded (Name, Path, CanGoUp, Items, Sort, Order, User, Req,
// URL; Include, Now, Header, Cookie, IP, ...), so Caddy 0.7 listing
// templates run unchanged, plus the paging fields Total, Offset and Limit.
type Listing struct {
	Name    string // the folder's name, the last element of Path ("/" at the root)
	Path    string // the folder's request path, with a trailing slash: "/docs/"
	CanGoUp bool   // the parent folder is listed as well
	Items   []Item // this page of entries, folders first, in the requested order
	Total   int    // visible entries in the folder, on all pages
	Sort    string // "name", "size" or "time"
	Order   string // "asc" or "desc"
	Offset  int    // index of Items[0] among all entries
	Limit   int    // entries on a page; 0 means all
	User    any    // Caddy 0.7's per-site template variables; always nil here

	Req *http.Request // the request (Caddy 0.7's Context.Req)
	URL *url.URL      // its URL (Caddy 0.7's Context.URL)

	s    *Server
	root *os.Root // nil for New's trial run: Include reads nothing
}

// Item is one entry of a Listing, with the fields and methods of Caddy
// 0.7's browse.FileInfo. Symlinks (inside the root; others are not
// listed) show their target's size, time and kind.
type Item struct {
	Name      string      // file name as on disk
	URL       string      // relative, escaped link to it; folders end in "/"
	Size      int64       // bytes; 0 for folders
	ModTime   time.Time   // last modification, UTC
	Mode      fs.FileMode // permission and type bits of the target
	IsDir     bool        // a folder, or a symlink to one
	IsSymlink bool        // a symbolic link
}

// HumanSize is Size as people read it: "512 B", "1.5 KiB", "23 MiB".
func (i Item) HumanSize() string { return humanSize(i.Size) }

// HumanModTime is ModTime in the time.Format layout given.
func (i Item) HumanModTime(layout string) string { return i.ModTime.Format(layout) }

// maxInclude bounds what Listing.Include reads.
const maxInclude = 1 << 20

// Include returns the file name (a path from the served folder's top) run
// as a text/template with the listing, as Caddy 0.7's Include did; hidden
// and missing files are an error. The result is inserted unescaped: it is
// the site's own markup.
func (l *Listing) Include(name string) (template.HTML, error) {
	if l.root == nil {
		return "", nil
	}
	clean, _, status := cleanRequestPath("/" + strings.TrimPrefix(name, "/"))
	if status != 0 {
		return "", fmt.Errorf("include %q: bad path", name)
	}
	if ok, err := l.s.visible(l.root, clean); !ok {
		return "", fmt.Errorf("include %q: not found (%v)", name, err)
	}
	f, err := open(l.root, clean)
	if err != nil {
		return "", fmt.Errorf("include %q: not found", name)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, maxInclude+1))
	if err != nil || len(src) > maxInclude {
		return "", fmt.Errorf("include %q: unreadable or larger than %d bytes", name, maxInclude)
	}
	t, err := ttemplate.New(name).Parse(string(src))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, l); err != nil {
		return "", err
	}
	return template.HTML(b.String()), nil
}

// Now is the current time in the time.Format layout given.
func (l *Listing) Now(layout string) string { return time.Now().Format(layout) }

// NowDate is the current time.
func (l *Listing) NowDate() time.Time { return time.Now() }

// Cookie is the value of the request's cookie name, or "".
func (l *Listing) Cookie(name string) string {
	if c, err := l.Req.Cookie(name); err == nil {
		return c.Value
	}
	return ""
}

// Header is the request header name.
func (l *Listing) Header(name string) string { return l.Req.Header.Get(name) }

// IP is the client's address, without the port (the direct peer's).
func (l *Listing) IP() string { return clientip.Host(l.Req.RemoteAddr) }

// URI is the request target as the client sent it.
func (l *Listing) URI() string { return l.Req.RequestURI }

// Host is the Host header without its port. (Caddy 0.7's failed when
// there was no port; this one returns the host.)
func (l *Listing) Host() string {
	if host, _, err := net.SplitHostPort(l.Req.Host); err == nil {
		return host
	}
	return l.Req.Host
}

// Port is the Host header's port, or "".
func (l *Listing) Port() string {
	if _, port, err := net.SplitHostPort(l.Req.Host); err == nil {
		return port
	}
	return ""
}

// Method is the request method.
func (l *Listing) Method() string { return l.Req.Method }

// PathMatches reports whether the request path is under base, as
// httpmw.Path matches.
func (l *Listing) PathMatches(base string) bool {
	return httpmw.Path{Base: base}.Matches(l.Req.URL.Path)
}

// Truncate cuts s to at most n bytes.
func (l *Listing) Truncate(s string, n int) string {
	if n >= 0 && len(s) > n {
		return s[:n]
	}
	return s
}

// StripHTML removes what looks like tags from s.
func (l *Listing) StripHTML(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// StripExt is p without its extension.
func (l *Listing) StripExt(p string) string { return strings.TrimSuffix(p, path.Ext(p)) }

// Replace replaces every find in s with repl.
func (l *Listing) Replace(s, find, repl string) string { return strings.ReplaceAll(s, find, repl) }

// maxTemplateOutput bounds a custom template's page, rendered whole
// before anything is sent so that a template failing halfway is a 500,
// never a truncated 200.
const maxTemplateOutput = 16 << 20

var errTemplateTooLarge = fmt.Errorf("page larger than %d bytes", maxTemplateOutput)

// boundedBuffer is a bytes.Buffer that refuses to grow past max.
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTemplateTooLarge
	}
	return b.Buffer.Write(p)
}

// renderTemplate executes t with l into a buffer.
func renderTemplate(t *template.Template, l *Listing) (*boundedBuffer, error) {
	buf := &boundedBuffer{max: maxTemplateOutput}
	if err := t.Execute(buf, l); err != nil {
		return nil, fmt.Errorf("browse: listing template: %w", err)
	}
	return buf, nil
}

// CheckTemplate executes t once on a sample listing (a folder, a file, a
// symlink, a GET request), so that a template naming a field or method
// that does not exist fails here rather than on every listing. New calls
// it for Config.Template; a configuration loader can call it to validate.
func CheckTemplate(t *template.Template) error {
	r, _ := http.NewRequest(http.MethodGet, "/docs/", nil)
	r.RequestURI, r.RemoteAddr, r.Host = "/docs/", "192.0.2.1:1234", "example.com"
	when := time.Date(2015, 5, 1, 12, 0, 0, 0, time.UTC)
	l := &Listing{Name: "docs", Path: "/docs/", CanGoUp: true, Total: 3, Sort: SortName, Order: OrderAsc,
		Req: r, URL: r.URL,
		Items: []Item{
			{Name: "sub", URL: "sub/", ModTime: when, Mode: fs.ModeDir | 0o755, IsDir: true},
			{Name: "a b.txt", URL: "a%20b.txt", Size: 1536, ModTime: when, Mode: 0o644},
			{Name: "link", URL: "link", Size: 3, ModTime: when, Mode: 0o644, IsSymlink: true},
		}}
	_, err := renderTemplate(t, l)
	if errors.Is(err, errTemplateTooLarge) {
		return nil // a big header is no reason to refuse the template
	}
	return err
}
