module github.com/httpmw/httpmw/bench

go 1.26

require (
	github.com/go-chi/chi/v5 v5.5.0
	github.com/httpmw/httpmw v0.0.0
)

replace github.com/httpmw/httpmw => ../
