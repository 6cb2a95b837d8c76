package logger_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/httpmw/httpmw"
	"github.com/httpmw/httpmw/logger"
)

func Example() {
	access, err := logger.New(logger.Config{
		Format: logger.Combined,
		Output: os.Stdout,
		Except: []string{"/healthz"},
		// A fixed clock, for the sake of the Output below.
		Now: func() time.Time { return time.Date(2000, time.October, 10, 13, 55, 36, 0, time.UTC) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer access.Close()

	site := httpmw.HandlerFunc(func(w http.ResponseWriter, r *http.Request) (int, error) {
		io.WriteString(w, "hello")
		return http.StatusOK, nil
	})
	srv := httptest.NewServer(httpmw.ToHTTP(access.Middleware(site)))
	defer srv.Close()

	for _, path := range []string{"/hello?name=%1b[31m", "/healthz"} {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("User-Agent", `curl "8"`)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		res.Body.Close()
	}
	// Output:
	// 127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /hello?name=%1b[31m HTTP/1.1" 200 5 "-" "curl \"8\""
}

func ExampleConfig_placeholders() {
	_, err := logger.New(logger.Config{Format: "{remote} {method} {uri} {status} {latency_ms}ms {>X-Request-Id} {bogus}"})
	fmt.Println(err)
	// Output:
	// logger: Config.Format: unknown placeholder "{bogus}"
}
