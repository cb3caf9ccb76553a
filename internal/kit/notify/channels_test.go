package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"yingji/internal/kit/notify"
	"yingji/internal/kit/store"
	"yingji/internal/kit/store/storetest"
)

type captured struct {
	path, rawQuery string
	query          url.Values
	header         http.Header
	body           []byte
	method         string
}

// capture is an HTTP server recording requests; reply answers them.
type capture struct {
	srv   *httptest.Server
	mu    sync.Mutex
	reqs  map[string]captured // by path
	reply func(w http.ResponseWriter, r *http.Request)
}

func newCapture(t *testing.T) *capture {
	c := &capture{reqs: map[string]captured{}}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.reqs[r.URL.Path] = captured{path: r.URL.Path, rawQuery: r.URL.RawQuery, query: r.URL.Query(), header: r.Header.Clone(), body: body, method: r.Method}
		reply := c.reply
		c.mu.Unlock()
		if reply != nil {
			reply(w, r)
			return
		}
		fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *capture) get(t *testing.T, path string) captured {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.reqs[path]
	if !ok {
		t.Fatalf("no request to %s (got %v)", path, c.reqs)
	}
	return r
}

func TestWebhookRobotsAndGeneric(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		c := newCapture(t)
		c.reply = func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/bad-robot" {
				fmt.Fprint(w, `{"errcode":310000,"errmsg":"sign not match"}`)
				return
			}
			fmt.Fprint(w, `{"errcode":0,"errmsg":"ok"}`)
		}
		hook, err := notify.NewWebhook([]notify.WebhookTarget{
			{Name: "wecom", Kind: notify.WebhookWeCom, URL: c.srv.URL + "/cgi-bin/webhook/send?key=KEY"},
			{Name: "ding", Kind: notify.WebhookDingTalk, URL: c.srv.URL + "/robot/send?access_token=TOK", Secret: "SECabc"},
			{Name: "ding-plain", Kind: notify.WebhookDingTalk, URL: c.srv.URL + "/plain/send?access_token=TOK2"},
			{Name: "generic", URL: c.srv.URL + "/generic", Secret: "gs"},
			{Name: "bad", Kind: notify.WebhookDingTalk, URL: c.srv.URL + "/bad-robot"},
		}, nil, clk.Now)
		if err != nil {
			t.Fatal(err)
		}
		s, err := notify.New(db, notify.Config{Now: clk.Now, Channels: []notify.Channel{hook}, LinkBase: "https://yj.example.gov.cn/", Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"wecom", "ding", "ding-plain", "generic", "bad"} {
			enqueue(t, db, s, notify.Message{CountyCode: "341122", UserID: "u1", Channel: notify.ChannelWebhook, Address: name,
				Topic: "hazard.deadline", Title: "隐患整改期限将至", Body: "某某公司 2 项隐患 3 天后到期", Link: "/hazards/H1",
				Entity: "hazard", EntityID: "H1"})
		}
		sent, failed, err := s.Sender().SendDue(ctx)
		if sent != 4 || failed != 1 || err != nil {
			t.Fatalf("SendDue: sent %d failed %d err %v", sent, failed, err)
		}
		const robot = `{"msgtype":"text","text":{"content":"隐患整改期限将至\n某某公司 2 项隐患 3 天后到期\nhttps://yj.example.gov.cn/hazards/H1"}}`

		we := c.get(t, "/cgi-bin/webhook/send")
		if string(we.body) != robot || we.query.Get("key") != "KEY" || we.method != http.MethodPost ||
			!strings.HasPrefix(we.header.Get("Content-Type"), "application/json") {
			t.Fatalf("wecom request: %s %s %q", we.method, we.rawQuery, we.body)
		}

		ding := c.get(t, "/robot/send")
		if string(ding.body) != robot {
			t.Fatalf("dingtalk body %s", ding.body)
		}
		ts := fmt.Sprint(clk.Now().UnixMilli())
		mac := hmac.New(sha256.New, []byte("SECabc"))
		mac.Write([]byte(ts + "\n" + "SECabc"))
		sign := base64.StdEncoding.EncodeToString(mac.Sum(nil))
		if ding.query.Get("timestamp") != ts || ding.query.Get("sign") != sign || ding.query.Get("access_token") != "TOK" {
			t.Fatalf("dingtalk signature: %s (want timestamp=%s sign=%s)", ding.rawQuery, ts, sign)
		}
		if !strings.Contains(ding.rawQuery, "sign="+url.QueryEscape(sign)) {
			t.Fatalf("sign not URL-encoded in %s", ding.rawQuery)
		}
		plain := c.get(t, "/plain/send")
		if plain.query.Has("sign") || plain.query.Has("timestamp") || string(plain.body) != robot {
			t.Fatalf("unsigned dingtalk: %s %s", plain.rawQuery, plain.body)
		}

		g := c.get(t, "/generic")
		var p notify.GenericPayload
		if err := json.Unmarshal(g.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Title != "隐患整改期限将至" || p.Topic != "hazard.deadline" || p.Link != "https://yj.example.gov.cn/hazards/H1" ||
			p.EntityID != "H1" || p.CountyCode != "341122" || p.RecipientUserID != "u1" || p.ID == "" ||
			p.DeliveryID != g.header.Get("X-Yingji-Delivery") || !p.CreatedAt.Equal(clk.Now()) {
			t.Fatalf("generic payload: %s", g.body)
		}
		gm := hmac.New(sha256.New, []byte("gs"))
		gm.Write(g.body)
		if g.header.Get("X-Yingji-Signature") != "sha256="+hex.EncodeToString(gm.Sum(nil)) {
			t.Fatalf("generic signature header %q", g.header.Get("X-Yingji-Signature"))
		}

		page, err := s.DeliveryLog(ctx, notify.LogFilter{State: notify.Failed})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Address != "bad" ||
			!strings.Contains(page.Entries[0].LastError, "310000") || !strings.Contains(page.Entries[0].LastError, "sign not match") {
			t.Fatalf("robot errcode not a failure: %+v %v", page, err)
		}
	})
}

func TestWebhookUnknownNameGivesUpAtOnce(t *testing.T) {
	hook, err := notify.NewWebhook([]notify.WebhookTarget{{Name: "a", URL: "http://127.0.0.1:1/x"}, {Name: "b", URL: "http://127.0.0.1:1/y"}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = hook.Send(context.Background(), notify.Delivery{Address: "nope"}, notify.Notification{Title: "x"})
	if err == nil || !notify.IsPermanent(err) {
		t.Fatalf("want permanent error, got %v", err)
	}
	for _, bad := range [][]notify.WebhookTarget{
		{{Name: "", URL: "http://x/"}},
		{{Name: "a", URL: "ftp://x/"}},
		{{Name: "a", Kind: "slack", URL: "http://x/"}},
		{{Name: "a", URL: "http://x/"}, {Name: "a", URL: "http://y/"}},
	} {
		if _, err := notify.NewWebhook(bad, nil, nil); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestSMSGatewayTemplates(t *testing.T) {
	ctx := context.Background()
	c := newCapture(t)
	n := notify.Notification{Title: "暴雨红色预警", Body: "请立即转移 A&B 村群众 100%", Link: "https://yj/x"}
	d := notify.Delivery{ID: "D1", Address: "+86 13800000001"}

	get, err := notify.NewSMS(notify.SMSConfig{URL: c.srv.URL + "/send?user=yj&to={{phone}}&text={{text}}", Prefix: "【某县应急局】"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := get.Send(ctx, d, n); err != nil {
		t.Fatal(err)
	}
	r := c.get(t, "/send")
	wantText := "【某县应急局】暴雨红色预警：请立即转移 A&B 村群众 100%"
	if r.method != http.MethodGet || r.query.Get("to") != "+86 13800000001" || r.query.Get("text") != wantText || r.query.Get("user") != "yj" {
		t.Fatalf("GET gateway: %s %s", r.method, r.rawQuery)
	}
	if want := "user=yj&to=" + url.QueryEscape("+86 13800000001") + "&text=" + url.QueryEscape(wantText); r.rawQuery != want {
		t.Fatalf("raw query\n got %s\nwant %s", r.rawQuery, want)
	}

	post, err := notify.NewSMS(notify.SMSConfig{URL: c.srv.URL + "/json", Method: "post", ContentType: "application/json",
		Body: `{"mobile":"{{phone}}","content":"{{text}}","title":"{{title}}"}`, Headers: map[string]string{"X-Api-Key": "k"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	n2 := n
	n2.Title = `含"引号"与\反斜杠`
	if err := post.Send(ctx, d, n2); err != nil {
		t.Fatal(err)
	}
	r = c.get(t, "/json")
	var body map[string]string
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("JSON body %s: %v", r.body, err)
	}
	if r.method != http.MethodPost || body["mobile"] != "+86 13800000001" || body["title"] != n2.Title ||
		body["content"] != n2.Title+"：请立即转移 A&B 村群众 100%" || r.header.Get("X-Api-Key") != "k" ||
		r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST JSON gateway: %s %v", r.body, r.header)
	}

	form, err := notify.NewSMS(notify.SMSConfig{URL: c.srv.URL + "/form", Method: "POST", Body: "to={{phone}}&msg={{text}}"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := form.Send(ctx, d, n); err != nil {
		t.Fatal(err)
	}
	r = c.get(t, "/form")
	vals, err := url.ParseQuery(string(r.body))
	if err != nil || vals.Get("to") != "+86 13800000001" || vals.Get("msg") != "暴雨红色预警：请立即转移 A&B 村群众 100%" ||
		r.header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Fatalf("POST form gateway: %s %v", r.body, err)
	}

	// Non-2xx and a 2xx without the success marker are failures.
	c.mu.Lock()
	c.reply = func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/send" {
			http.Error(w, "余额不足", http.StatusPaymentRequired)
			return
		}
		fmt.Fprint(w, `{"code":"9","msg":"签名错误"}`)
	}
	c.mu.Unlock()
	if err := get.Send(ctx, d, n); err == nil || !strings.Contains(err.Error(), "402") || !strings.Contains(err.Error(), "余额不足") {
		t.Fatalf("402: %v", err)
	}
	strict, err := notify.NewSMS(notify.SMSConfig{URL: c.srv.URL + "/strict?to={{phone}}", SuccessContains: `"code":"0"`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := strict.Send(ctx, d, n); err == nil || !strings.Contains(err.Error(), "签名错误") {
		t.Fatalf("success marker: %v", err)
	}
	// A transport error is a failure too.
	down, _ := notify.NewSMS(notify.SMSConfig{URL: "http://127.0.0.1:1/send?to={{phone}}"}, nil)
	if err := down.Send(ctx, d, n); err == nil || notify.IsPermanent(err) {
		t.Fatalf("connection refused: %v", err)
	}
	for _, bad := range []notify.SMSConfig{
		{URL: "gw/send?to={{phone}}"},
		{URL: "http://gw/send"},
		{URL: "http://gw/send?to={{phone}}", Method: "PUT"},
	} {
		if _, err := notify.NewSMS(bad, nil); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// smtpMsg is one message received by the fake SMTP server.
type smtpMsg struct {
	from string
	to   []string
	data []byte
}

// fakeSMTP is a minimal SMTP server on 127.0.0.1:0 (no TLS, no AUTH).
func fakeSMTP(t *testing.T) (host string, port int, got <-chan smtpMsg) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan smtpMsg, 10)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(conn, ch)
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return "127.0.0.1", a.Port, ch
}

func serveSMTP(conn net.Conn, out chan<- smtpMsg) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	var m smtpMsg
	_ = tp.PrintfLine("220 fake.local ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			_ = tp.PrintfLine("250-fake.local greets %s", arg)
			_ = tp.PrintfLine("250 8BITMIME")
		case "HELO", "NOOP", "RSET":
			_ = tp.PrintfLine("250 OK")
		case "MAIL":
			m = smtpMsg{from: arg}
			_ = tp.PrintfLine("250 OK")
		case "RCPT":
			m.to = append(m.to, arg)
			_ = tp.PrintfLine("250 OK")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			m.data = data
			_ = tp.PrintfLine("250 queued")
			out <- m
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 not implemented")
		}
	}
}

func TestSMTPUTF8Subject(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := newClock()
		host, port, got := fakeSMTP(t)
		m, err := notify.NewSMTP(notify.SMTPConfig{Host: host, Port: port, From: "某县应急管理局 <noreply@example.gov.cn>", TimeoutSeconds: 5}, clk.Now)
		if err != nil {
			t.Fatal(err)
		}
		s, err := notify.New(db, notify.Config{Now: clk.Now, Channels: []notify.Channel{m}, Directory: directory,
			LinkBase: "https://yj.example.gov.cn", Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		title := "【隐患整改】某某化工有限公司重大事故隐患整改期限将至，请及时督办（剩余 3 天）"
		body := "隐患：储罐区可燃气体报警器失效。\n整改期限：2024-07-04。"
		enqueue(t, db, s, notify.Message{UserID: "u1", Topic: "hazard.deadline", Title: title, Body: body, Link: "/hazards/H1"})
		if sent, failed, err := s.Sender().SendDue(ctx); sent != 1 || failed != 0 || err != nil {
			page, _ := s.DeliveryLog(ctx, notify.LogFilter{})
			t.Fatalf("SendDue: %d %d %v %+v", sent, failed, err, page)
		}
		var msg smtpMsg
		select {
		case msg = <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("no mail received")
		}
		if !strings.HasPrefix(msg.from, "FROM:<noreply@example.gov.cn>") || len(msg.to) != 1 || msg.to[0] != "TO:<zhang@example.gov.cn>" {
			t.Fatalf("envelope: from %q to %q", msg.from, msg.to)
		}
		for _, b := range msg.data {
			if b >= 0x80 {
				t.Fatal("raw message is not 7-bit")
			}
		}
		sc := bufio.NewScanner(bytes.NewReader(msg.data))
		for sc.Scan() {
			if len(sc.Text()) > 998 {
				t.Fatalf("line of %d octets", len(sc.Text()))
			}
		}
		parsed, err := mail.ReadMessage(bytes.NewReader(msg.data))
		if err != nil {
			t.Fatal(err)
		}
		raw := parsed.Header.Get("Subject")
		if !strings.HasPrefix(strings.ToLower(raw), "=?utf-8?q?") {
			t.Fatalf("subject not Q-encoded: %q", raw)
		}
		dec := new(mime.WordDecoder)
		subject, err := dec.DecodeHeader(raw)
		if err != nil || subject != title {
			t.Fatalf("subject %q (%v), want %q", subject, err, title)
		}
		from, err := parsed.Header.AddressList("From")
		if err != nil || from[0].Name != "某县应急管理局" || from[0].Address != "noreply@example.gov.cn" {
			t.Fatalf("From: %v %v", from, err)
		}
		if d, err := parsed.Header.Date(); err != nil || !d.Equal(clk.Now()) {
			t.Fatalf("Date: %v %v", d, err)
		}
		if ct := parsed.Header.Get("Content-Type"); !strings.Contains(ct, "charset=utf-8") {
			t.Fatalf("Content-Type %q", ct)
		}
		b64, _ := io.ReadAll(parsed.Body)
		text, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b64)))
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(body, "\n", "\r\n") + "\r\n\r\nhttps://yj.example.gov.cn/hazards/H1"
		if string(text) != want {
			t.Fatalf("body %q, want %q", text, want)
		}
	})
}

func TestSMTPServerDownIsRetriableFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	m, err := notify.NewSMTP(notify.SMTPConfig{Host: "127.0.0.1", Port: port, From: "a@b.c", TimeoutSeconds: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), notify.Delivery{Address: "x@y.z"}, notify.Notification{Title: "t"})
	if err == nil || notify.IsPermanent(err) {
		t.Fatalf("want retriable error, got %v", err)
	}
	if err := m.Send(context.Background(), notify.Delivery{Address: "not an address"}, notify.Notification{Title: "t"}); !notify.IsPermanent(err) {
		t.Fatalf("bad address: %v", err)
	}
	if _, err := notify.NewSMTP(notify.SMTPConfig{Host: "h", From: "nobody"}, nil); err == nil {
		t.Fatal("bad from accepted")
	}
}

func TestChannelConfigBuild(t *testing.T) {
	var cfg notify.ChannelConfig
	if err := json.Unmarshal([]byte(`{
		"smtp": {"host": "mail.example.gov.cn", "port": 587, "from": "yj@example.gov.cn"},
		"sms": {"url": "http://gw/send?to={{phone}}&text={{text}}"},
		"webhooks": [{"name": "duty", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}]
	}`), &cfg); err != nil {
		t.Fatal(err)
	}
	chs, err := cfg.Build(nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range chs {
		names = append(names, c.Name())
	}
	if strings.Join(names, ",") != "smtp,sms,webhook" {
		t.Fatalf("channels %v", names)
	}
	if chs, err := (notify.ChannelConfig{}).Build(nil); err != nil || len(chs) != 0 {
		t.Fatalf("empty config: %v %v", chs, err)
	}
}
