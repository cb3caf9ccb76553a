package app_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
)

type net0 struct{}

func (net0) listen() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
