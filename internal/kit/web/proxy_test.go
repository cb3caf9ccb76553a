package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestTrustProxies(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(ClientIP(r))) })
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	for _, c := range []struct {
		name, peer, xff string
		proxies         []netip.Prefix
		want            string
	}{
		{"no proxies configured: header ignored", "10.0.0.5:4000", "198.51.100.1", nil, "10.0.0.5"},
		{"trusted proxy", "10.0.0.5:4000", "198.51.100.1", proxies, "198.51.100.1"},
		{"untrusted peer: header ignored", "203.0.113.9:4000", "198.51.100.1", proxies, "203.0.113.9"},
		{"forged left entries are skipped", "10.0.0.5:4000", "6.6.6.6, 198.51.100.1", proxies, "198.51.100.1"},
		{"chain of trusted proxies", "10.0.0.5:4000", "198.51.100.1, 10.0.0.7", proxies, "198.51.100.1"},
		{"IPv6 proxy", "[::1]:4000", "2001:db8::5", proxies, "2001:db8::5"},
		{"no header from a proxy", "10.0.0.5:4000", "", proxies, "10.0.0.5"},
		{"garbage entry", "10.0.0.5:4000", "198.51.100.1, nonsense", proxies, "10.0.0.5"},
	} {
		req := httptest.NewRequest("GET", "/", nil)
		req.RemoteAddr = c.peer
		if c.xff != "" {
			req.Header.Set("X-Forwarded-For", c.xff)
		}
		rec := httptest.NewRecorder()
		TrustProxies(c.proxies, echo).ServeHTTP(rec, req)
		if got := rec.Body.String(); got != c.want {
			t.Errorf("%s: client %q, want %q", c.name, got, c.want)
		}
	}
}
