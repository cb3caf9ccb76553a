package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
)

func trusted(proxies []netip.Prefix, ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// TrustProxies finds the client's address of requests that come through
// a trusted reverse proxy. X-Forwarded-For is read only when the peer is
// one of the proxies; the client is then the right-most address in it that
// is not itself a trusted proxy (entries further left were written by the
// client and may be forged). Without proxies the peer is the client and
// the header is ignored.
func TrustProxies(proxies []netip.Prefix, next http.Handler) http.Handler {
	if len(proxies) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := peerIP(r)
		if !trusted(proxies, peer) {
			next.ServeHTTP(w, r)
			return
		}
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			for _, f := range strings.Split(h, ",") {
				if f = strings.TrimSpace(f); f != "" {
					hops = append(hops, f)
				}
			}
		}
		client := peer
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.Trim(hops[i], "[]"))
			if err != nil {
				break // a garbled entry: trust nothing to its left
			}
			client = a.Unmap().String()
			if !trusted(proxies, client) {
				break
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey, client)))
	})
}
