// Package httpserve is the http.Server setup the example programs share:
// timeouts that close slowloris connections, stalled uploads and clients
// that stop reading, without cutting off a large download, a long upload
// or a proxied stream that keeps moving.
//
//	lim := httpserve.Limits{} // the defaults
//	srv := lim.Server(handler)
//	ln, _ := net.Listen("tcp", ":8080")
//	srv.Serve(lim.Listener(ln))
//
// Why not http.Server's ReadTimeout and WriteTimeout: they bound a whole
// request or response, so any value short enough to matter breaks a 2 GB
// download or a 10-minute upload to php-fpm. Here the bound is on progress,
// as nginx's client_body_timeout and send_timeout are: a body must deliver
// Progress bytes (or end) within BodyTimeout of waiting, and a client must
// take each Progress bytes of response within WriteTimeout. A transfer that
// moves at more than Progress per timeout (about 1 KiB/s with the defaults)
// never times out, however long; one that drips does.
package httpserve
