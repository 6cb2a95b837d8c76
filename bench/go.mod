module github.com/httpmw/httpmw/bench

go 1.26.0

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/httpmw/httpmw v0.0.0
)

require (
	github.com/NYTimes/gziphandler v1.1.1 // indirect
	github.com/felixge/httpsnoop v1.0.3 // indirect
	github.com/gorilla/handlers v1.5.2 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/yookoala/gofast v0.8.0 // indirect
	golang.org/x/tools v0.11.0 // indirect
)

replace github.com/httpmw/httpmw => ../
