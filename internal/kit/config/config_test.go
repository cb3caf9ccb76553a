package config

import "testing"

func TestTrustedProxiesSetting(t *testing.T) {
	fs := NewFlagSet("serve", nil)
	c := Flags(fs, func(k string) string {
		if k == "YINGJI_TRUSTED_PROXIES" {
			return "127.0.0.1, 10.0.0.0/8 ::1"
		}
		return ""
	})
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	ps, err := ParseProxies(c.TrustedProxies)
	if err != nil || len(ps) != 3 || ps[0].String() != "127.0.0.1/32" || ps[1].String() != "10.0.0.0/8" || ps[2].String() != "::1/128" {
		t.Fatalf("trusted proxies: %v %v", ps, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.TrustedProxies = "10.0.0.0/33"
	if err := c.Validate(); err == nil {
		t.Fatal("a bad prefix must stop the start")
	}
}

func TestPublicURLSetting(t *testing.T) {
	fs := NewFlagSet("serve", nil)
	c := Flags(fs, func(k string) string {
		if k == "YINGJI_PUBLIC_URL" {
			return "https://yj.example.gov.cn"
		}
		return ""
	})
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if c.PublicURL != "https://yj.example.gov.cn" || c.Validate() != nil {
		t.Fatalf("public URL: %q %v", c.PublicURL, c.Validate())
	}
	for _, bad := range []string{"yj.example.gov.cn", "ftp://yj", "https://"} {
		c.PublicURL = bad
		if err := c.Validate(); err == nil {
			t.Errorf("--public-url %q accepted", bad)
		}
	}
}
