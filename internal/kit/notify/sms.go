package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// SMSConfig describes an HTTP SMS gateway (短信网关) by templates.
//
// Placeholders: {{phone}}, {{text}} (Prefix + title, "：" and body),
// {{title}}, {{body}}, {{link}}. In URL they are URL-encoded; in Body they
// are JSON-escaped when ContentType mentions json, URL-encoded when it is a
// form, inserted as is otherwise.
type SMSConfig struct {
	URL         string            `json:"url"`    // e.g. http://gw/send?to={{phone}}&text={{text}}
	Method      string            `json:"method"` // GET (default) or POST
	Body        string            `json:"body,omitempty"`
	ContentType string            `json:"content_type,omitempty"` // POST default application/x-www-form-urlencoded
	Headers     map[string]string `json:"headers,omitempty"`
	Prefix      string            `json:"prefix,omitempty"` // e.g. 【某县应急管理局】
	// SuccessContains, when set, must appear in a 2xx response body for
	// the send to count as a success (gateways that answer 200 on errors).
	SuccessContains string `json:"success_contains,omitempty"`
}

// SMS sends text messages through the gateway.
type SMS struct {
	cfg    SMSConfig
	client *http.Client
}

// NewSMS checks the configuration; client nil uses a 10 s timeout client.
func NewSMS(c SMSConfig, client *http.Client) (*SMS, error) {
	c.Method = strings.ToUpper(strings.TrimSpace(c.Method))
	if c.Method == "" {
		c.Method = http.MethodGet
	}
	if c.Method != http.MethodGet && c.Method != http.MethodPost {
		return nil, fmt.Errorf("sms: method must be GET or POST, not %q", c.Method)
	}
	if c.Method == http.MethodPost && c.ContentType == "" {
		c.ContentType = "application/x-www-form-urlencoded"
	}
	probe := strings.NewReplacer("{{phone}}", "1", "{{text}}", "1", "{{title}}", "1", "{{body}}", "1", "{{link}}", "1").Replace(c.URL)
	u, err := url.Parse(probe)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sms: URL template must be an absolute http(s) URL")
	}
	if !strings.Contains(c.URL+c.Body, "{{phone}}") {
		return nil, fmt.Errorf("sms: the URL or body template must contain {{phone}}")
	}
	return &SMS{cfg: c, client: defaultClient(client)}, nil
}

// Name is ChannelSMS.
func (s *SMS) Name() string { return ChannelSMS }

// Text is the message text sent for n.
func (s *SMS) Text(n Notification) string {
	t := s.cfg.Prefix + n.Title
	if n.Body != "" {
		t += "：" + n.Body
	}
	return t
}

func (s *SMS) fill(tmpl string, esc func(string) string, phone string, n Notification) string {
	return strings.NewReplacer(
		"{{phone}}", esc(phone),
		"{{text}}", esc(s.Text(n)),
		"{{title}}", esc(n.Title),
		"{{body}}", esc(n.Body),
		"{{link}}", esc(n.Link),
	).Replace(tmpl)
}

// RequestFor returns the method, URL and body sent for a delivery (exposed
// for the settings page's preview and for tests).
func (s *SMS) RequestFor(phone string, n Notification) (method, rawURL string, body []byte) {
	rawURL = s.fill(s.cfg.URL, url.QueryEscape, phone, n)
	if s.cfg.Method == http.MethodPost {
		esc := func(v string) string { return v }
		ct := strings.ToLower(s.cfg.ContentType)
		switch {
		case strings.Contains(ct, "json"):
			esc = jsonEscape
		case strings.Contains(ct, "x-www-form-urlencoded"):
			esc = url.QueryEscape
		}
		body = []byte(s.fill(s.cfg.Body, esc, phone, n))
	}
	return s.cfg.Method, rawURL, body
}

// Send sends n to the phone number d.Address; 2xx is success.
func (s *SMS) Send(ctx context.Context, d Delivery, n Notification) error {
	phone := strings.TrimSpace(d.Address)
	if phone == "" {
		return Permanent(fmt.Errorf("短信接收号码为空"))
	}
	method, target, body := s.RequestFor(phone, n)
	ct := ""
	if method == http.MethodPost {
		ct = s.cfg.ContentType
	}
	resp, err := do(ctx, s.client, method, target, ct, body, s.cfg.Headers)
	if err != nil {
		return fmt.Errorf("短信网关: %w", err)
	}
	if s.cfg.SuccessContains != "" && !strings.Contains(string(resp), s.cfg.SuccessContains) {
		return fmt.Errorf("短信网关返回失败: %s", snippet(resp))
	}
	return nil
}

// jsonEscape escapes v for use inside a JSON string literal.
func jsonEscape(v string) string {
	b, _ := json.Marshal(v)
	return string(b[1 : len(b)-1])
}
