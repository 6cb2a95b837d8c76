package browse

import (
	"strconv"
	"strings"
	"time"
)

// writeHTML writes the built-in listing page: breadcrumb, filter box, and
// a table sortable by name, size and time, folders first. Rows go out as
// they are formatted; nothing holds the whole page.
func (l *listing) writeHTML(c *chunkWriter) {
	dir := dirWithSlash(l.dir)
	b := c.buf
	b = append(b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>"...)
	b = appendHTML(b, dir)
	b = append(b, "</title>\n<style>"...)
	b = append(b, listingStyle...)
	b = append(b, "</style>\n</head>\n<body>\n"...)
	b = append(b, listingIcons...)
	b = append(b, "\n<header>\n<h1>"...)
	b = l.appendBreadcrumb(b, dir)
	b = append(b, "</h1>\n<div class=\"tools\"><span id=\"count\">"...)
	b = l.appendSummary(b)
	b = append(b, "</span><input type=\"search\" id=\"filter\" placeholder=\"Filter (press /)\" aria-label=\"Filter by name\" autocomplete=\"off\" hidden></div>\n</header>\n<main>\n<table id=\"list\" data-sort=\""...)
	b = append(b, l.q.sort...)
	b = append(b, "\" data-order=\""...)
	b = append(b, l.q.order()...)
	b = append(b, '"')
	if l.paged() {
		// Client-side sorting would sort only this page: let the header
		// links go to the server instead.
		b = append(b, " data-paged"...)
	}
	b = append(b, ">\n<thead><tr>"...)
	b = l.appendHeader(b, SortName, "Name", "n")
	b = l.appendHeader(b, SortSize, "Size", "s")
	b = l.appendHeader(b, SortTime, "Modified", "t")
	b = append(b, "</tr></thead>\n"...)
	if l.dir != "/" {
		b = append(b, "<tbody class=\"up\"><tr><td colspan=\"3\"><a href=\"../\"><svg class=\"i\"><use href=\"#d\"/></svg><span>Parent folder</span></a></td></tr></tbody>\n"...)
	}
	b = append(b, "<tbody id=\"rows\">\n"...)
	c.buf = b
	var dc dateCache
	for i := range l.entries {
		c.buf = appendRow(c.buf, &l.entries[i], &dc)
		c.spill()
	}
	b = c.buf
	b = append(b, "</tbody>\n</table>\n"...)
	if len(l.entries) == 0 {
		b = append(b, "<p class=\"empty\">"...)
		if l.total == 0 {
			b = append(b, "This folder is empty."...)
		} else {
			b = append(b, "No entries on this page."...)
		}
		b = append(b, "</p>\n"...)
	}
	b = append(b, "</main>\n"...)
	b = l.appendPager(b)
	b = append(b, "<script>"...)
	b = append(b, listingScript...)
	b = append(b, "</script>\n</body>\n</html>\n"...)
	c.buf = b
}

func (l *listing) paged() bool { return l.q.limit > 0 || l.q.offset > 0 }

// appendBreadcrumb links every folder above dir with relative URLs, so
// the page stays right under any mount prefix.
func (l *listing) appendBreadcrumb(b []byte, dir string) []byte {
	segs := strings.Split(strings.Trim(dir, "/"), "/")
	if dir == "/" {
		segs = nil
	}
	up := func(n int) []byte {
		if n == 0 {
			return append(b, "./"...)
		}
		for range n {
			b = append(b, "../"...)
		}
		return b
	}
	b = append(b, "<a href=\""...)
	b = up(len(segs))
	b = append(b, "\" title=\"Top folder\"><svg><use href=\"#h\"/></svg></a>"...)
	if len(segs) == 0 {
		b = append(b, "<span class=\"sep\">/</span>"...)
	}
	for i, seg := range segs {
		b = append(b, "<span class=\"sep\">/</span>"...)
		if i == len(segs)-1 {
			b = append(b, "<span aria-current=\"page\">"...)
			b = appendHTML(b, seg)
			b = append(b, "</span>"...)
			break
		}
		b = append(b, "<a href=\""...)
		b = up(len(segs) - 1 - i)
		b = append(b, "\">"...)
		b = appendHTML(b, seg)
		b = append(b, "</a>"...)
	}
	return b
}

// appendSummary says how many folders and files there are.
func (l *listing) appendSummary(b []byte) []byte {
	if l.paged() {
		first := min(l.q.offset+1, l.total)
		b = strconv.AppendInt(b, int64(first), 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(l.q.offset+len(l.entries)), 10)
		b = append(b, " of "...)
		b = strconv.AppendInt(b, int64(l.total), 10)
		return append(b, " entries"...)
	}
	dirs := 0
	for i := range l.entries {
		if l.entries[i].isDir() {
			dirs++
		}
	}
	files := len(l.entries) - dirs
	switch {
	case dirs == 0 && files == 0:
		return append(b, "empty"...)
	case dirs == 0:
		return appendCount(b, files, "file", "files")
	case files == 0:
		return appendCount(b, dirs, "folder", "folders")
	}
	b = appendCount(b, dirs, "folder", "folders")
	b = append(b, ", "...)
	return appendCount(b, files, "file", "files")
}

func appendCount(b []byte, n int, one, many string) []byte {
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	if n == 1 {
		return append(b, one...)
	}
	return append(b, many...)
}

// appendHeader writes a sortable column header: a link that sorts by key,
// toggling the order when the listing is already sorted by it.
func (l *listing) appendHeader(b []byte, key, label, class string) []byte {
	b = append(b, "<th class=\""...)
	b = append(b, class...)
	b = append(b, '"')
	next := listQuery{sort: key, desc: key != SortName, limit: l.q.limit}
	if l.q.sort == key {
		if l.q.desc {
			b = append(b, " aria-sort=\"descending\""...)
		} else {
			b = append(b, " aria-sort=\"ascending\""...)
		}
		next.desc = !l.q.desc
	}
	b = append(b, "><a href=\"?"...)
	b = appendHTML(b, next.encode())
	b = append(b, "\" data-sort=\""...)
	b = append(b, key...)
	b = append(b, "\">"...)
	b = append(b, label...)
	return append(b, "</a></th>"...)
}

// appendRow writes one entry. data-size and data-time carry the raw
// values the script sorts by.
func appendRow(b []byte, e *entry, dc *dateCache) []byte {
	dir := e.isDir()
	var size []byte // the size's digits, written once and copied for the title
	if dir {
		b = append(b, "<tr class=\"d\" data-size=\"-1\" data-time=\""...)
	} else {
		b = append(b, "<tr data-size=\""...)
		start := len(b)
		b = strconv.AppendInt(b, e.size, 10)
		size = b[start:]
		b = append(b, "\" data-time=\""...)
	}
	sec := e.mtime / 1e9
	b = strconv.AppendInt(b, sec, 10)
	b = append(b, "\"><td><a href=\""...)
	start := len(b)
	b = appendSegment(b, e.name)
	// Nothing was escaped (each escape adds two bytes): the name holds
	// only unreserved characters, none of which HTML escapes either.
	plain := len(b)-start == len(e.name)
	if dir {
		b = append(b, "/\"><svg class=\"i\"><use href=\"#d\"/></svg><span>"...)
	} else {
		b = append(b, "\"><svg class=\"i\"><use href=\"#f\"/></svg><span>"...)
	}
	if plain {
		b = append(b, e.name...)
	} else {
		b = appendHTML(b, e.name)
	}
	b = append(b, "</span>"...)
	if e.link {
		b = append(b, "<svg class=\"l\" role=\"img\" aria-label=\"symbolic link\"><title>symbolic link</title><use href=\"#l\"/></svg>"...)
	}
	b = append(b, "</a></td><td class=\"s\""...)
	if dir {
		b = append(b, ">&mdash;"...)
	} else {
		b = append(b, " title=\""...)
		b = append(b, size...)
		b = append(b, " bytes\">"...)
		b = appendHumanSize(b, e.size)
	}
	b = append(b, "</td><td class=\"t\"><time datetime=\""...)
	// RFC 3339 in the attribute, "2006-01-02 15:04" shown: the same
	// digits, formatted once.
	start = len(b)
	b = dc.appendRFC3339(b, sec)
	stamp := b[start:]
	b = append(b, "\">"...)
	b = append(b, stamp[:10]...)
	b = append(b, ' ')
	b = append(b, stamp[11:16]...)
	return append(b, "</time></td></tr>\n"...)
}

// appendRFC3339 appends the Unix time sec as "2006-01-02T15:04:05Z" (UTC),
// as time.RFC3339 formats it for years 0 to 9999, at a fraction of the cost.
func appendRFC3339(b []byte, sec int64) []byte { return new(dateCache).appendRFC3339(b, sec) }

// dateCache keeps the date last formatted: the files of a folder often
// share a day.
type dateCache struct {
	days int64 // since 1970-01-01
	date [10]byte
	set  bool
}

// appendRFC3339 is the function appendRFC3339, with the cache.
func (dc *dateCache) appendRFC3339(b []byte, sec int64) []byte {
	// Years 0 to 9999 are these seconds; the rest goes through time.
	const first, last = -62167219200, 253402300799
	if sec < first || sec > last {
		return time.Unix(sec, 0).UTC().AppendFormat(b, time.RFC3339)
	}
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	if !dc.set || days != dc.days {
		y, m, d := civilDate(days)
		dc.date = [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
			byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
		dc.days, dc.set = days, true
	}
	b = append(b, dc.date[:]...)
	b = append(b, 'T')
	b = append2(b, int(rem/3600))
	b = append(b, ':')
	b = append2(b, int(rem/60%60))
	b = append(b, ':')
	b = append2(b, int(rem%60))
	return append(b, 'Z')
}

// civilDate is the proleptic Gregorian date days after 1970-01-01, for
// any days (Howard Hinnant's civil_from_days): a few divisions, where
// time.Time.Date walks through more.
func civilDate(days int64) (y, m, d int) {
	z := days + 719468 // days since 0000-03-01
	era := z / 146097  // 400-year cycles, rounded down
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153 // month from March = 0
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = int(yoe + era*400)
	if m <= 2 {
		y++
	}
	return y, m, d
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10), byte('0'+n%10)) }

// next is the query of the page after this one, if there is one.
func (l *listing) next() (listQuery, bool) {
	if l.q.limit == 0 || l.q.offset+l.q.limit >= l.total {
		return listQuery{}, false
	}
	next := l.q
	next.offset += l.q.limit
	return next, true
}

// appendPager links the previous and next pages of a paged listing.
func (l *listing) appendPager(b []byte) []byte {
	if !l.paged() {
		return b
	}
	b = append(b, "<footer>"...)
	if l.q.offset > 0 {
		prev := l.q
		prev.offset = max(0, l.q.offset-max(l.q.limit, 1))
		if l.q.limit == 0 {
			prev.offset = 0
		}
		b = append(b, "<a href=\"?"...)
		b = appendHTML(b, prev.encode())
		b = append(b, "\" rel=\"prev\">&larr; Previous</a>"...)
	}
	if next, ok := l.next(); ok {
		b = append(b, "<a href=\"?"...)
		b = appendHTML(b, next.encode())
		b = append(b, "\" rel=\"next\">Next &rarr;</a>"...)
	}
	return append(b, "</footer>\n"...)
}
