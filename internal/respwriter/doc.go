// Package respwriter holds the one http.ResponseWriter wrapper that httpmw's
// middleware share. It records the status and the body size, and keeps every
// optional capability of the writer it wraps reachable: http.ResponseController
// through Unwrap, and Flush, Hijack and ReadFrom directly, so that a type
// assertion in older code still works and sendfile survives wrapping.
//
//	rw := respwriter.Get(w)
//	defer respwriter.Put(rw)
//	next.ServeHTTP(rw, r)
//	log.Println(rw.Status(), rw.Size())
package respwriter
