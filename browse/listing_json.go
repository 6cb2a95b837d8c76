package browse

import (
	"strconv"
	"time"
)

// writeJSON writes the listing as one JSON object:
//
//	{
//	  "path": "/docs/",          the folder's request path
//	  "total": 120,              visible entries on all pages
//	  "offset": 0, "limit": 50,  the page (limit 0: all)
//	  "sort": "name", "order": "asc",
//	  "items": [
//	    {"name": "a b.txt",      name on disk (invalid UTF-8 as U+FFFD)
//	     "url": "a%20b.txt",     relative, escaped link; folders end in "/"
//	     "size": 1234,           bytes; 0 for folders
//	     "mod_time": "2026-11-29T21:00:00Z",  RFC 3339, UTC
//	     "mode": "-rw-r--r--",   as ls -l shows it (of the target for symlinks)
//	     "is_dir": false, "is_symlink": false}
//	  ]
//	}
func (l *listing) writeJSON(c *chunkWriter) {
	c.buf = append(c.buf, `{"path":`...)
	c.buf = appendJSONString(c.buf, dirWithSlash(l.dir))
	c.buf = append(c.buf, `,"total":`...)
	c.buf = strconv.AppendInt(c.buf, int64(l.total), 10)
	c.buf = append(c.buf, `,"offset":`...)
	c.buf = strconv.AppendInt(c.buf, int64(l.q.offset), 10)
	c.buf = append(c.buf, `,"limit":`...)
	c.buf = strconv.AppendInt(c.buf, int64(l.q.limit), 10)
	c.buf = append(c.buf, `,"sort":"`...)
	c.buf = append(c.buf, l.q.sort...)
	c.buf = append(c.buf, `","order":"`...)
	c.buf = append(c.buf, l.q.order()...)
	c.buf = append(c.buf, `","items":[`...)
	for i := range l.entries {
		e := &l.entries[i]
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		c.buf = append(c.buf, "\n{\"name\":"...)
		c.buf = appendJSONString(c.buf, e.name)
		c.buf = append(c.buf, `,"url":"`...)
		c.buf = appendSegment(c.buf, e.name)
		size := e.size
		if e.isDir() {
			c.buf = append(c.buf, '/')
			size = 0
		}
		c.buf = append(c.buf, `","size":`...)
		c.buf = strconv.AppendInt(c.buf, size, 10)
		c.buf = append(c.buf, `,"mod_time":"`...)
		c.buf = time.Unix(0, e.mtime).UTC().AppendFormat(c.buf, time.RFC3339Nano)
		c.buf = append(c.buf, `","mode":"`...)
		c.buf = append(c.buf, e.mode.String()...)
		c.buf = append(c.buf, `","is_dir":`...)
		c.buf = strconv.AppendBool(c.buf, e.isDir())
		c.buf = append(c.buf, `,"is_symlink":`...)
		c.buf = strconv.AppendBool(c.buf, e.link)
		c.buf = append(c.buf, '}')
		c.spill()
	}
	c.buf = append(c.buf, "\n]}\n"...)
}

// dirWithSlash is a cleaned folder path in its trailing-slash form.
func dirWithSlash(dir string) string {
	if dir == "/" {
		return dir
	}
	return dir + "/"
}
