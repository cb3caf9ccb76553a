package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// ChannelConfig says which external channels are enabled and how to reach
// them. The app loads it from settings or the environment (hence the JSON
// tags); a nil or empty section leaves its channel disabled.
type ChannelConfig struct {
	SMTP     *SMTPConfig     `json:"smtp,omitempty"`
	SMS      *SMSConfig      `json:"sms,omitempty"`
	Webhooks []WebhookTarget `json:"webhooks,omitempty"`
	// HTTPTimeoutSeconds bounds each webhook and SMS request (default 10).
	HTTPTimeoutSeconds int `json:"http_timeout_seconds,omitempty"`
}

// Build returns the enabled channels. now is the clock for message dates and
// DingTalk signatures (nil: time.Now).
func (c ChannelConfig) Build(now func() time.Time) ([]Channel, error) {
	timeout := 10 * time.Second
	if c.HTTPTimeoutSeconds > 0 {
		timeout = time.Duration(c.HTTPTimeoutSeconds) * time.Second
	}
	client := &http.Client{Timeout: timeout}
	var out []Channel
	if c.SMTP != nil && c.SMTP.Host != "" {
		m, err := NewSMTP(*c.SMTP, now)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	if c.SMS != nil && c.SMS.URL != "" {
		s, err := NewSMS(*c.SMS, client)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(c.Webhooks) > 0 {
		w, err := NewWebhook(c.Webhooks, client, now)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

// PlainText renders a notification as plain text: the title, the body and
// the link, one per line (empty parts left out).
func PlainText(n Notification) string {
	parts := []string{n.Title}
	if n.Body != "" {
		parts = append(parts, n.Body)
	}
	if n.Link != "" {
		parts = append(parts, n.Link)
	}
	return strings.Join(parts, "\n")
}

// defaultClient is used when a constructor gets a nil client.
func defaultClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// do sends an HTTP request and returns the (bounded) response body; a
// transport error or a non-2xx status is an error.
func do(ctx context.Context, client *http.Client, method, rawURL, contentType string, body []byte, headers map[string]string) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL and its token
		}
		return nil, Permanent(fmt.Errorf("构造请求失败: %w", err))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	where := safeURL(req.URL)
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error repeats the full URL, which may carry a token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("请求 %s 失败: %w", where, err)
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("读取 %s 的响应失败: %w", where, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return respBody, fmt.Errorf("%s 返回 HTTP %d: %s", where, resp.StatusCode, snippet(respBody))
	}
	return respBody, nil
}

// safeURL shows a URL without its query (robot tokens, SMS credentials).
func safeURL(u *url.URL) string {
	return u.Scheme + "://" + u.Host + u.Path
}

// snippet returns the start of a response body for an error message.
func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "?")
	}
	return clip(s, 200)
}
