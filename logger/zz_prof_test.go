package logger
import ("testing";"io";"net/http";"net/http/httptest";"github.com/httpmw/httpmw")
func BenchmarkZZCombined(b *testing.B) {
	l, _ := New(Config{Format: Combined, Output: io.Discard})
	body := []byte("hello")
	h := httpmw.ToHTTP(l.Middleware(httpmw.FromHTTP(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))))
	r := httptest.NewRequest("GET", "/articles/2026/11/29/zero-allocation-logging?utm_source=feed", nil)
	r.RemoteAddr = "203.0.113.7:52144"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	r.Header.Set("Referer", "https://news.example.com/")
	w := &dw{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() { h.ServeHTTP(w, r) }
}
type dw struct{ h http.Header }
func (d *dw) Header() http.Header         { return d.h }
func (d *dw) Write(p []byte) (int, error) { return len(p), nil }
func (d *dw) WriteHeader(int)             {}
