package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"
)

// SMTPConfig configures the mail channel. Port 465 uses implicit TLS; other
// ports use STARTTLS when the server offers it. Authentication (PLAIN) is
// used when User is set and is refused by net/smtp over an unencrypted
// connection to a host other than localhost.
type SMTPConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port"` // default 25
	From     string `json:"from"` // "应急管理局 <noreply@example.gov.cn>" or a bare address
	User     string `json:"user,omitempty"`
	Password string `json:"password,omitempty"`
	// HeloName is sent in EHLO (default localhost).
	HeloName string `json:"helo_name,omitempty"`
	// TimeoutSeconds bounds one send, connection included (default 30).
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
	// TLS overrides the TLS configuration (e.g. a private CA).
	TLS *tls.Config `json:"-"`
}

// SMTP sends notifications as UTF-8 plain-text mail.
type SMTP struct {
	cfg     SMTPConfig
	from    *mail.Address
	timeout time.Duration
	now     func() time.Time
}

// NewSMTP checks the configuration; now nil uses time.Now (Date header).
func NewSMTP(c SMTPConfig, now func() time.Time) (*SMTP, error) {
	if now == nil {
		now = time.Now
	}
	if c.Host == "" {
		return nil, errors.New("smtp: host is required")
	}
	if c.Port == 0 {
		c.Port = 25
	}
	if c.HeloName == "" {
		c.HeloName = "localhost"
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: from address %q: %w", c.From, err)
	}
	timeout := 30 * time.Second
	if c.TimeoutSeconds > 0 {
		timeout = time.Duration(c.TimeoutSeconds) * time.Second
	}
	return &SMTP{cfg: c, from: from, timeout: timeout, now: now}, nil
}

// Name is ChannelSMTP.
func (m *SMTP) Name() string { return ChannelSMTP }

func (m *SMTP) tlsConfig() *tls.Config {
	if m.cfg.TLS != nil {
		return m.cfg.TLS.Clone()
	}
	return &tls.Config{ServerName: m.cfg.Host, MinVersion: tls.VersionTLS12}
}

// Send mails n to the address d.Address.
func (m *SMTP) Send(ctx context.Context, d Delivery, n Notification) error {
	to, err := mail.ParseAddress(d.Address)
	if err != nil {
		return Permanent(fmt.Errorf("邮件地址 %q 无效: %w", d.Address, err))
	}
	msg := m.Message(d, n, to)

	ctx, cancel := context.WithTimeout(ctx, m.timeout)
	defer cancel()
	addr := net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("连接邮件服务器 %s 失败: %w", addr, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	// Unblock reads and writes when ctx is cancelled.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	implicit := m.cfg.Port == 465
	if implicit {
		tc := tls.Client(conn, m.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fmt.Errorf("邮件服务器 %s TLS 握手失败: %w", addr, err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.cfg.Host)
	if err != nil {
		return fmt.Errorf("邮件服务器 %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello(m.cfg.HeloName); err != nil {
		return fmt.Errorf("邮件服务器 %s EHLO: %w", addr, err)
	}
	if !implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(m.tlsConfig()); err != nil {
				return fmt.Errorf("邮件服务器 %s STARTTLS: %w", addr, err)
			}
		}
	}
	if m.cfg.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return Permanent(fmt.Errorf("邮件服务器 %s 不支持身份验证 (AUTH)", addr))
		}
		if err := c.Auth(smtp.PlainAuth("", m.cfg.User, m.cfg.Password, m.cfg.Host)); err != nil {
			return fmt.Errorf("邮件服务器 %s 身份验证失败: %w", addr, err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return fmt.Errorf("邮件服务器 %s MAIL FROM: %w", addr, err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return fmt.Errorf("邮件服务器 %s 拒绝收件人 %s: %w", addr, to.Address, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("邮件服务器 %s DATA: %w", addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("邮件服务器 %s 写入邮件: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("邮件服务器 %s 未接受邮件: %w", addr, err)
	}
	_ = c.Quit() // the mail is accepted; a failed QUIT does not matter
	return nil
}

// Message builds the RFC 5322 message: UTF-8 subject encoded with
// mime.QEncoding (folded between encoded words), base64 plain-text body.
func (m *SMTP) Message(d Delivery, n Notification, to *mail.Address) []byte {
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", n.Title), "?= =?", "?=\r\n =?"))
	header("Date", m.now().Format(time.RFC1123Z))
	header("Message-ID", "<"+d.ID+"@yingji>")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	body := n.Body
	if n.Link != "" {
		if body != "" {
			body += "\n\n"
		}
		body += n.Link
	}
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
