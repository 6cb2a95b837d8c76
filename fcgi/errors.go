package fcgi

import "errors"

// Errors returned by Handler.ServeHTTP beside their HTTP status; test them
// with errors.Is. None of them is ever shown to the client.
var (
	// ErrUnavailable: no endpoint accepted a connection (502).
	ErrUnavailable = errors.New("fcgi: FastCGI server unavailable")
	// ErrTimeout: the endpoint did not answer within ReadTimeout or
	// WriteTimeout, or no connection freed up in time (504). The error
	// also wraps the net.Error that timed out, when there is one.
	ErrTimeout = errors.New("fcgi: FastCGI server timed out")
	// ErrBadResponse: the endpoint broke the protocol or sent malformed
	// CGI headers (502).
	ErrBadResponse = errors.New("fcgi: bad response from FastCGI server")
	// ErrBadRequest: the request cannot be passed on safely, such as a NUL
	// byte in its path or headers (400).
	ErrBadRequest = errors.New("fcgi: request cannot be passed to FastCGI")
	// ErrBodyTooLarge: the request body exceeded MaxSpool (413).
	ErrBodyTooLarge = errors.New("fcgi: request body too large")
	// ErrBodyTimeout: the client sent no body bytes for BodyTimeout (408).
	ErrBodyTimeout = errors.New("fcgi: request body timed out")
	// ErrHeaderTooLarge: a request header, as a CGI variable, does not fit
	// in one FastCGI record of 65,535 bytes (431).
	ErrHeaderTooLarge = errors.New("fcgi: request header too large for FastCGI")
	// ErrURITooLong: the request's path or query, as a CGI variable, does
	// not fit in one FastCGI record (414).
	ErrURITooLong = errors.New("fcgi: request URI too long for FastCGI")
	// ErrClosed: the Handler was closed (502).
	ErrClosed = errors.New("fcgi: handler closed")
)
