package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Webhook kinds.
const (
	WebhookGeneric  = "generic"  // JSON POST of the notification
	WebhookWeCom    = "wecom"    // 企业微信群机器人
	WebhookDingTalk = "dingtalk" // 钉钉群机器人 (optionally signed)
)

// WebhookTarget is one named webhook. A delivery's address is the name.
type WebhookTarget struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // generic | wecom | dingtalk
	URL  string `json:"url"`
	// Secret signs requests: DingTalk "加签" (timestamp and sign query
	// parameters); for generic, an X-Yingji-Signature header
	// "sha256=<hex HMAC-SHA256 of the body>". WeCom needs none.
	Secret string `json:"secret,omitempty"`
}

// Webhook posts notifications to named webhooks (generic JSON, WeCom or
// DingTalk group robots).
type Webhook struct {
	targets map[string]WebhookTarget
	client  *http.Client
	now     func() time.Time
}

// NewWebhook checks the targets. client nil uses a client with a 10 s
// timeout; now nil uses time.Now (for DingTalk signatures).
func NewWebhook(targets []WebhookTarget, client *http.Client, now func() time.Time) (*Webhook, error) {
	if now == nil {
		now = time.Now
	}
	w := &Webhook{targets: map[string]WebhookTarget{}, client: defaultClient(client), now: now}
	for _, t := range targets {
		if t.Kind == "" {
			t.Kind = WebhookGeneric
		}
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("webhook: a target has no name")
		case w.targets[t.Name].Name != "":
			return nil, fmt.Errorf("webhook %q: name used twice", t.Name)
		case t.Kind != WebhookGeneric && t.Kind != WebhookWeCom && t.Kind != WebhookDingTalk:
			return nil, fmt.Errorf("webhook %q: unknown kind %q (want generic, wecom or dingtalk)", t.Name, t.Kind)
		}
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("webhook %q: URL must be an absolute http(s) URL", t.Name)
		}
		w.targets[t.Name] = t
	}
	return w, nil
}

// Name is ChannelWebhook.
func (w *Webhook) Name() string { return ChannelWebhook }

// robotText is the message shape of both WeCom and DingTalk robots.
type robotText struct {
	MsgType string `json:"msgtype"`
	Text    struct {
		Content string `json:"content"`
	} `json:"text"`
}

// GenericPayload is the JSON body posted to a generic webhook.
type GenericPayload struct {
	ID              string    `json:"id"`
	DeliveryID      string    `json:"delivery_id"`
	CountyCode      string    `json:"county_code"`
	RecipientUserID string    `json:"recipient_user_id,omitempty"`
	Topic           string    `json:"topic"`
	Title           string    `json:"title"`
	Body            string    `json:"body"`
	Link            string    `json:"link,omitempty"`
	Entity          string    `json:"entity,omitempty"`
	EntityID        string    `json:"entity_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// Send posts n to the webhook named by d.Address (or the only one
// configured when the address is empty).
func (w *Webhook) Send(ctx context.Context, d Delivery, n Notification) error {
	t, ok := w.targets[d.Address]
	if !ok && d.Address == "" && len(w.targets) == 1 {
		for _, only := range w.targets {
			t, ok = only, true
		}
	}
	if !ok {
		return Permanent(fmt.Errorf("未配置名为 %q 的 Webhook", d.Address))
	}
	target := t.URL
	headers := map[string]string{"X-Yingji-Delivery": d.ID}
	var body []byte
	var err error
	switch t.Kind {
	case WebhookWeCom, WebhookDingTalk:
		var m robotText
		m.MsgType = "text"
		m.Text.Content = PlainText(n)
		body, err = json.Marshal(m)
		if t.Kind == WebhookDingTalk && t.Secret != "" {
			target, err = DingTalkSignedURL(t.URL, t.Secret, w.now())
			if err != nil {
				return Permanent(err)
			}
		}
	default:
		body, err = json.Marshal(GenericPayload{
			ID: n.ID, DeliveryID: d.ID, CountyCode: n.CountyCode, RecipientUserID: n.RecipientUserID, Topic: n.Topic,
			Title: n.Title, Body: n.Body, Link: n.Link, Entity: n.Entity, EntityID: n.EntityID, CreatedAt: n.CreatedAt.UTC(),
		})
		if t.Secret != "" {
			mac := hmac.New(sha256.New, []byte(t.Secret))
			mac.Write(body)
			headers["X-Yingji-Signature"] = "sha256=" + hex.EncodeToString(mac.Sum(nil))
		}
	}
	if err != nil {
		return Permanent(fmt.Errorf("webhook %s: encode: %w", t.Name, err))
	}
	resp, err := do(ctx, w.client, http.MethodPost, target, "application/json; charset=utf-8", body, headers)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", t.Name, err)
	}
	if t.Kind == WebhookWeCom || t.Kind == WebhookDingTalk {
		// The robots answer 200 with an errcode on failure.
		var r struct {
			ErrCode *int   `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		}
		if json.Unmarshal(resp, &r) == nil && r.ErrCode != nil && *r.ErrCode != 0 {
			return fmt.Errorf("webhook %s: 机器人返回错误 errcode=%d: %s", t.Name, *r.ErrCode, r.ErrMsg)
		}
	}
	return nil
}

// DingTalkSignedURL adds DingTalk's "加签" parameters to a robot URL:
// timestamp (milliseconds) and sign = URL-encoded
// base64(HMAC-SHA256(secret, timestamp + "\n" + secret)).
func DingTalkSignedURL(rawURL, secret string, now time.Time) (string, error) {
	ts := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "\n" + secret))
	sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("dingtalk: URL is not valid")
	}
	q := u.Query()
	q.Set("timestamp", ts)
	q.Set("sign", sign)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
