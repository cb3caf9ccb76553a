// Package config reads Yingji's settings from flags and YINGJI_*
// environment variables (flags win). No globals: Parse returns a value.
package config

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Config is the program's settings.
type Config struct {
	Addr          string // listen address, host:port
	DataDir       string // SQLite file and attachments
	DB            string // postgres://… ; empty means SQLite in DataDir
	County        string // 6-digit GB/T 2260 county code; empty: the one the database remembers (DefaultCounty for a new one)
	CountyName    string // empty: the database's (DefaultCountyName for a new one)
	AsOf          string // business date: "" (the one the database remembers), "today", or YYYY-MM-DD
	AdminPassword string // for the first admin account; generated when empty
	Demo          bool   // serve --demo: load the demo county first
	SecureCookies bool   // set when served over TLS
	LogLevel      string // debug | info | warn | error
	NotifyConfig  string // JSON file with the notification channels (SMTP, SMS gateway, webhooks)
	FieldKey      string // base64 32-byte key sealing sensitive fields; empty: DATA/field.key
	// TrustedProxies lists the reverse proxies (CIDR prefixes or addresses,
	// comma-separated) whose X-Forwarded-For names the client; empty: the
	// header is ignored.
	TrustedProxies string
	// PublicURL is the address staff and recipients reach Yingji at
	// (https://yj.example.gov.cn): links in e-mail, SMS and robot messages
	// (a warning's 签收 link) start with it; empty: they stay relative.
	PublicURL string
	// ProvinceDB is the province database the county publishes its
	// closed periods' figures to (yingji report publish on a schedule);
	// empty: no scheduled publish.
	ProvinceDB string
}

// Getenv is os.Getenv (injected for tests).
type Getenv func(string) string

var countyRE = regexp.MustCompile(`^[0-9]{6}$`)

// The county a new database gets when no county is given.
const (
	DefaultCounty     = "349901"
	DefaultCountyName = "示例县"
)

// AsOfToday is the --as-of value that returns to the real date.
const AsOfToday = "today"

var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Flags registers the common flags on fs with defaults from the environment.
func Flags(fs *flag.FlagSet, env Getenv) *Config {
	c := &Config{}
	def := func(k, d string) string {
		if v := env(k); v != "" {
			return v
		}
		return d
	}
	fs.StringVar(&c.Addr, "addr", def("YINGJI_ADDR", "127.0.0.1:8080"), "listen address (YINGJI_ADDR)")
	fs.StringVar(&c.DataDir, "data", def("YINGJI_DATA", "./data"), "data directory for the SQLite database and attachments (YINGJI_DATA)")
	fs.StringVar(&c.DB, "db", def("YINGJI_DB", ""), "PostgreSQL URL postgres://…; empty: SQLite in the data directory (YINGJI_DB)")
	fs.StringVar(&c.County, "county", def("YINGJI_COUNTY", ""), "6-digit county code (YINGJI_COUNTY); default: the county the database was created for, "+DefaultCounty+" for a new one")
	fs.StringVar(&c.CountyName, "county-name", def("YINGJI_COUNTY_NAME", ""), "county name for a new database (YINGJI_COUNTY_NAME); default "+DefaultCountyName)
	fs.StringVar(&c.AsOf, "as-of", def("YINGJI_AS_OF", ""), "business date YYYY-MM-DD the data directory runs on from now on, or \"today\" for the real date (YINGJI_AS_OF); default: the date it remembers (the demo: its report's day)")
	fs.StringVar(&c.LogLevel, "log-level", def("YINGJI_LOG_LEVEL", "info"), "log level: debug, info, warn, error (YINGJI_LOG_LEVEL)")
	fs.StringVar(&c.NotifyConfig, "notify-config", def("YINGJI_NOTIFY_CONFIG", ""), "JSON file with notification channels: smtp, sms, webhooks (YINGJI_NOTIFY_CONFIG)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", def("YINGJI_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For is believed, CIDR list e.g. 127.0.0.1,10.0.0.0/8 (YINGJI_TRUSTED_PROXIES)")
	fs.StringVar(&c.ProvinceDB, "province-db", def("YINGJI_PROVINCE_DB", ""), "province database postgres://… the county publishes its closed months, quarters, half-years and years to, every 6 hours (YINGJI_PROVINCE_DB); empty: no scheduled publish")
	fs.StringVar(&c.PublicURL, "public-url", def("YINGJI_PUBLIC_URL", ""), "address Yingji is reached at, e.g. https://yj.example.gov.cn: links in e-mail and SMS start with it (YINGJI_PUBLIC_URL)")
	c.AdminPassword = env("YINGJI_ADMIN_PASSWORD")
	c.FieldKey = env("YINGJI_FIELD_KEY")
	c.SecureCookies = env("YINGJI_SECURE_COOKIES") == "1" || env("YINGJI_SECURE_COOKIES") == "true"
	return c
}

// Validate checks the settings.
func (c *Config) Validate() error {
	if c.County != "" && !countyRE.MatchString(c.County) {
		return fmt.Errorf("county code %q must be 6 digits", c.County)
	}
	if c.AsOf != "" && c.AsOf != AsOfToday {
		if _, err := time.Parse(time.DateOnly, c.AsOf); err != nil || !dateRE.MatchString(c.AsOf) {
			return fmt.Errorf("--as-of %q: give a date as YYYY-MM-DD (e.g. 2022-06-30) or \"today\"", c.AsOf)
		}
	}
	if _, err := ParseProxies(c.TrustedProxies); err != nil {
		return err
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--public-url %q: give the address as https://host[:port][/path]", c.PublicURL)
		}
	}
	return nil
}

// NewFlagSet returns a flag set that reports errors instead of exiting.
func NewFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

// ParseProxies reads a list of trusted reverse-proxy addresses: CIDR
// prefixes or single addresses, separated by commas or spaces
// ("127.0.0.1, 10.0.0.0/8").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
