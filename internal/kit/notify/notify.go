// Package notify is the notification outbox (通知) and its delivery
// channels.
//
// A notification is written inside the business transaction that causes it
// (Service.Enqueue), so it exists exactly when the business change commits.
// The row is the recipient's in-app inbox entry; one delivery row per
// external channel (SMTP mail, SMS gateway, webhook group robots) records the
// sending. A Sender claims due deliveries by compare-and-swap, so several
// instances on one database never send a delivery twice, sends after commit
// and retries failures with exponential backoff until it gives up (gave_up,
// visible in the delivery log).
package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
)

// Channel names. They are stored in notification.channel and delivery.channel
// and passed to Directory.Address.
const (
	ChannelInApp   = "inapp"   // the inbox: nothing to send
	ChannelSMTP    = "smtp"    // e-mail; the address is an e-mail address
	ChannelSMS     = "sms"     // SMS gateway; the address is a phone number
	ChannelWebhook = "webhook" // group robots; the address is a webhook name
)

// DeliveryState is the state of a delivery row.
type DeliveryState string

const (
	Pending DeliveryState = "pending" // not tried yet
	Sent    DeliveryState = "sent"
	Failed  DeliveryState = "failed"  // last attempt failed, will be retried
	GaveUp  DeliveryState = "gave_up" // failed max attempts times (or permanently)
)

// States lists the delivery states in display order.
var States = []DeliveryState{Pending, Sent, Failed, GaveUp}

// Message is a notification to enqueue.
//
// With UserID and no Channel (or ChannelInApp) it goes to the user's inbox
// and to every enabled external channel for which the Directory has an
// address of the user. With Channel set to an external channel it is sent on
// that channel only, to Address (or, when Address is empty, to the user's
// address from the Directory); UserID may then be empty, e.g. for a group
// robot. Every notification with a UserID shows in that user's inbox.
type Message struct {
	CountyCode string
	UserID     string
	Channel    string
	Address    string
	Topic      string // e.g. hazard.deadline
	Title      string
	Body       string
	Link       string // in-app URL, e.g. /hazards/01J…
	Entity     string
	EntityID   string
	// DedupeKey makes the notification unique: a second Enqueue with the
	// same key is a no-op (e.g. a sweep run twice notifies once).
	DedupeKey string
}

// Notification is a row of the outbox / inbox.
type Notification struct {
	ID               string    `json:"id"`
	CountyCode       string    `json:"county_code"`
	RecipientUserID  string    `json:"recipient_user_id"`
	RecipientAddress string    `json:"recipient_address,omitempty"`
	Channel          string    `json:"channel"`
	Topic            string    `json:"topic"`
	Title            string    `json:"title"`
	Body             string    `json:"body"`
	Link             string    `json:"link"`
	Entity           string    `json:"entity"`
	EntityID         string    `json:"entity_id"`
	DedupeKey        string    `json:"-"`
	CreatedAt        time.Time `json:"created_at"`
	ReadAt           time.Time `json:"read_at,omitzero"` // zero while unread
}

// Read reports whether the notification was read in the inbox.
func (n *Notification) Read() bool { return !n.ReadAt.IsZero() }

// Delivery is a row of the delivery log.
type Delivery struct {
	ID             string
	NotificationID string
	Channel        string
	Address        string
	State          DeliveryState
	Attempts       int
	NextAttemptAt  time.Time
	ClaimedBy      string
	LastError      string
	SentAt         time.Time // zero until sent
	CreatedAt      time.Time
}

// Channel sends a notification on one external channel.
type Channel interface {
	// Name is the channel name (ChannelSMTP, ChannelSMS, ChannelWebhook…).
	Name() string
	// Send delivers n to d.Address. An error is a failed attempt; wrap it
	// with Permanent when retrying cannot help.
	Send(ctx context.Context, d Delivery, n Notification) error
}

// Directory resolves a user's address on a channel (phone for sms, e-mail
// for smtp). An empty address means the user is not reachable there.
type Directory interface {
	Address(ctx context.Context, userID, channel string) (string, error)
}

// DirectoryFunc adapts a function to Directory.
type DirectoryFunc func(ctx context.Context, userID, channel string) (string, error)

// Address calls f.
func (f DirectoryFunc) Address(ctx context.Context, userID, channel string) (string, error) {
	return f(ctx, userID, channel)
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks a send error as not worth retrying: the delivery gives up
// at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Config configures the Service and its Sender. Zero values take the
// defaults noted.
type Config struct {
	// Instance identifies this process in delivery.claimed_by.
	Instance string
	// Now is the clock for every stored time (default time.Now).
	Now func() time.Time
	// Channels are the enabled external channels, one per name.
	Channels []Channel
	// Directory resolves users' addresses; nil means users get in-app
	// notifications only (explicit addresses still work).
	Directory Directory
	// LinkBase is prefixed to relative in-app links in external messages,
	// e.g. https://yj.example.gov.cn
	LinkBase string
	// MaxAttempts per delivery before gave_up (default 5).
	MaxAttempts int
	// Backoff is the delay before the first retry, doubled for each further
	// attempt (default 1 min), up to MaxBackoff (default 1 h).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Lease is how long a claimed delivery is reserved for its sender
	// (default 5 min); a send is cut off at half of it.
	Lease time.Duration
	// BatchSize is the number of due deliveries read per round (default 100).
	BatchSize int
	// Workers is the number of sends in flight per SendDue (default 4).
	Workers int
	// PollInterval is Run's time between rounds when not woken (default 10 s).
	PollInterval time.Duration
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// Service writes and reads notifications.
type Service struct {
	db       *store.DB
	cfg      Config
	channels map[string]Channel
	order    []string // enabled external channel names in Config order
	sender   *Sender
	log      *slog.Logger
}

// New checks cfg and returns the Service.
func New(db *store.DB, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		id := ids.New()
		cfg.Instance = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), id[len(id)-6:])
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Minute
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 5 * time.Minute
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{db: db, cfg: cfg, channels: map[string]Channel{}, log: cfg.Logger.With("component", "notify", "instance", cfg.Instance)}
	for _, c := range cfg.Channels {
		if c == nil {
			continue
		}
		name := c.Name()
		switch {
		case name == "" || name == ChannelInApp:
			return nil, fmt.Errorf("notify: channel name %q is reserved or empty", name)
		case s.channels[name] != nil:
			return nil, fmt.Errorf("notify: channel %q configured twice", name)
		}
		s.channels[name] = c
		s.order = append(s.order, name)
	}
	s.sender = &Sender{svc: s, wake: make(chan struct{}, 1)}
	return s, nil
}

// Sender returns the Service's Sender.
func (s *Service) Sender() *Sender { return s.sender }

// Enabled returns the names of the enabled external channels.
func (s *Service) Enabled() []string { return append([]string(nil), s.order...) }

func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

func knownChannel(name string) bool {
	switch name {
	case ChannelInApp, ChannelSMTP, ChannelSMS, ChannelWebhook:
		return true
	}
	return false
}

// Enqueue writes the notification and its delivery rows inside the caller's
// business transaction. created is false when a notification with the same
// DedupeKey already exists; nothing is written then. The Sender is woken
// after commit when there is something to send.
func (s *Service) Enqueue(ctx context.Context, tx *store.Tx, m Message) (created bool, err error) {
	var fe errs.FieldErrors
	if strings.TrimSpace(m.Title) == "" {
		fe = append(fe, errs.Field("title", "通知标题不能为空", nil))
	}
	if strings.TrimSpace(m.Topic) == "" {
		fe = append(fe, errs.Field("topic", "通知主题不能为空", nil))
	}
	channel := m.Channel
	if channel == "" {
		channel = ChannelInApp
	}
	if !knownChannel(channel) {
		fe = append(fe, errs.Field("channel", "不支持的通知渠道", map[string]any{"channel": channel}))
	}
	if channel == ChannelInApp && m.UserID == "" {
		fe = append(fe, errs.Field("user", "站内通知需要接收人", nil))
	}
	if channel != ChannelInApp && m.UserID == "" && m.Address == "" {
		fe = append(fe, errs.Field("address", "通知缺少接收人或接收地址", nil))
	}
	if err := fe.Err(); err != nil {
		return false, fmt.Errorf("enqueue notification: %w", err)
	}
	// A notice may leave by SMS, e-mail or a group robot and is read by
	// whoever holds the phone: an ID number in it (a description copied
	// from a certificate, say) is masked whatever the module passed in.
	m.Title, m.Body = person.MaskIDsIn(m.Title), person.MaskIDsIn(m.Body)

	// Resolve addresses before writing: a Directory error aborts the
	// business transaction rather than silently dropping a channel.
	type target struct{ channel, address string }
	var targets []target
	address := ""
	if channel == ChannelInApp {
		for _, name := range s.order {
			a, err := s.resolve(ctx, m.UserID, name)
			if err != nil {
				return false, err
			}
			if a != "" {
				targets = append(targets, target{name, a})
			}
		}
	} else {
		address = m.Address
		if address == "" {
			if address, err = s.resolve(ctx, m.UserID, channel); err != nil {
				return false, err
			}
		}
		switch {
		case address == "":
			s.log.Info("notification recipient has no address on the channel; in-app only", "channel", channel, "user", m.UserID, "topic", m.Topic)
		case s.channels[channel] == nil:
			s.log.Warn("notification channel not enabled; kept in the outbox without a delivery", "channel", channel, "address", address, "topic", m.Topic)
		default:
			targets = append(targets, target{channel, address})
		}
	}

	now := s.now()
	id := ids.New()
	res, err := tx.ExecContext(ctx, `INSERT INTO notification (id, county_code, recipient_user_id, recipient_address, channel,
		topic, title, body, link, entity, entity_id, dedupe_key, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (dedupe_key) DO NOTHING`,
		id, m.CountyCode, m.UserID, address, channel, m.Topic, m.Title, m.Body, m.Link, m.Entity, m.EntityID,
		nullString(m.DedupeKey), now)
	if err != nil {
		return false, fmt.Errorf("enqueue notification %s: %w", m.Topic, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("enqueue notification %s: %w", m.Topic, err)
	}
	if n == 0 {
		return false, nil // duplicate dedupe key
	}
	for _, t := range targets {
		_, err := tx.ExecContext(ctx, `INSERT INTO delivery (id, notification_id, channel, address, state, attempts,
			next_attempt_at, last_error, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, '', $6)`,
			ids.New(), id, t.channel, t.address, string(Pending), now)
		if err != nil {
			return false, fmt.Errorf("enqueue %s delivery of notification %s: %w", t.channel, m.Topic, err)
		}
	}
	if len(targets) > 0 {
		tx.AfterCommit(s.sender.Wake)
	}
	return true, nil
}

func (s *Service) resolve(ctx context.Context, userID, channel string) (string, error) {
	if userID == "" || s.cfg.Directory == nil {
		return "", nil
	}
	a, err := s.cfg.Directory.Address(ctx, userID, channel)
	if err != nil {
		return "", fmt.Errorf("resolve %s address of user %s: %w", channel, userID, err)
	}
	return strings.TrimSpace(a), nil
}

const notificationColumns = `id, county_code, recipient_user_id, recipient_address, channel, topic, title, body, link,
	entity, entity_id, dedupe_key, created_at, read_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanNotification(s rowScanner, extra ...any) (Notification, error) {
	var (
		n      Notification
		dedupe sql.NullString
		readAt sql.NullTime
	)
	dest := append([]any{&n.ID, &n.CountyCode, &n.RecipientUserID, &n.RecipientAddress, &n.Channel, &n.Topic, &n.Title,
		&n.Body, &n.Link, &n.Entity, &n.EntityID, &dedupe, &n.CreatedAt, &readAt}, extra...)
	if err := s.Scan(dest...); err != nil {
		return n, err
	}
	n.DedupeKey = dedupe.String
	n.CreatedAt = n.CreatedAt.UTC()
	n.ReadAt = nullTime(readAt)
	return n, nil
}

var errNoNotification = errs.New(errs.NotFound, "通知不存在")

// Inbox returns the user's notifications, newest first (limit default 20,
// at most 200).
func (s *Service) Inbox(ctx context.Context, userID string, unreadOnly bool, limit int) ([]Notification, error) {
	if limit <= 0 {
		limit = 20
	}
	limit = min(limit, 200)
	q := `SELECT ` + notificationColumns + ` FROM notification WHERE recipient_user_id = $1`
	if unreadOnly {
		q += ` AND read_at IS NULL`
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT $2`
	rows, err := s.db.R().QueryContext(ctx, q, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, fmt.Errorf("inbox of %s: %w", userID, err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inbox of %s: %w", userID, err)
	}
	return out, nil
}

// UnreadCount returns the number of unread inbox notifications of the user.
func (s *Service) UnreadCount(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM notification WHERE recipient_user_id = $1 AND read_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("unread count of %s: %w", userID, err)
	}
	return n, nil
}

// MarkRead marks one of the user's notifications read; marking it again is
// a no-op. Another user's notification is errs.NotFound.
func (s *Service) MarkRead(ctx context.Context, userID, id string) error {
	now := s.now()
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notification SET read_at = $1 WHERE id = $2 AND recipient_user_id = $3 AND read_at IS NULL`, now, id, userID)
		if err != nil {
			return fmt.Errorf("mark notification %s read: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM notification WHERE id = $1 AND recipient_user_id = $2`, id, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("mark notification %s read: %w", id, errNoNotification)
		}
		if err != nil {
			return fmt.Errorf("mark notification %s read: %w", id, err)
		}
		return nil
	})
}

// MarkAllRead marks all the user's unread notifications read and returns
// how many there were.
func (s *Service) MarkAllRead(ctx context.Context, userID string) (int, error) {
	now := s.now()
	var n int64
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE notification SET read_at = $1 WHERE recipient_user_id = $2 AND read_at IS NULL`, now, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark all notifications of %s read: %w", userID, err)
	}
	return int(n), nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
