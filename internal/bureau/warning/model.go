// Package warning is the bureau's warnings desk (预警信息发布): a warning
// (from the weather bureau or another source) is drafted by one person,
// approved by another (never the author: 四眼原则), published through the
// notification channels to the units in its area, acknowledged (签收) by
// each unit in the app or through a signed link, reminded and escalated
// while unacknowledged, and updated or cancelled with references to the
// original. Every published warning is also a CAP 1.2 message (cap.go);
// a CAP message from outside imports as a draft.
package warning

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/kit/codes"
	"yingji/internal/kit/errs"
)

var cst = time.FixedZone("CST", 8*3600)

// Types of warning: the meteorological warning signals (气象灾害预警信号)
// and others. code, Chinese, English, CAP category.
var Types = codes.Quads([][4]string{
	{"typhoon", "台风", "Typhoon", "Met"},
	{"rainstorm", "暴雨", "Rainstorm", "Met"},
	{"snowstorm", "暴雪", "Snowstorm", "Met"},
	{"cold_wave", "寒潮", "Cold wave", "Met"},
	{"gale", "大风", "Gale", "Met"},
	{"sandstorm", "沙尘暴", "Sandstorm", "Met"},
	{"heat", "高温", "Heat wave", "Met"},
	{"drought", "干旱", "Drought", "Met"},
	{"lightning", "雷电", "Lightning", "Met"},
	{"hail", "冰雹", "Hail", "Met"},
	{"frost", "霜冻", "Frost", "Met"},
	{"fog", "大雾", "Heavy fog", "Met"},
	{"haze", "霾", "Haze", "Met"},
	{"road_icing", "道路结冰", "Road icing", "Met"},
	{"flood", "洪水", "Flood", "Geo"},
	{"geological", "地质灾害", "Geological hazard", "Geo"},
	{"forest_fire", "森林火险", "Forest fire danger", "Fire"},
	{"other", "其他", "Other", "Other"},
})

// Levels from lowest to highest: 四级蓝 … 一级红. code, Chinese,
// English, CAP severity.
var Levels = codes.Quads([][4]string{
	{"blue", "蓝色", "Blue", "Minor"},
	{"yellow", "黄色", "Yellow", "Moderate"},
	{"orange", "橙色", "Orange", "Severe"},
	{"red", "红色", "Red", "Extreme"},
})

// Message types (CAP msgType).
const (
	MsgAlert  = "Alert"
	MsgUpdate = "Update"
	MsgCancel = "Cancel"
)

// States of a warning.
const (
	StateDraft      = "draft"      // 草稿, waiting for approval
	StateApproved   = "approved"   // 已审批, not yet published
	StatePublished  = "published"  // 已发布
	StateSuperseded = "superseded" // 已更新: a published update replaced it
	StateCancelled  = "cancelled"  // 已解除: a published cancel lifted it
	StateWithdrawn  = "withdrawn"  // 已撤回: its author took it back before publication
)

// States in display order.
var States = []string{StateDraft, StateApproved, StatePublished, StateSuperseded, StateCancelled}

// Recipient kinds: the units a warning goes to.
const (
	RecipientTown       = "town"       // 乡镇 (the town government)
	RecipientDepartment = "department" // 部门
	RecipientEnterprise = "enterprise" // 企业 in the area, by sector
)

// AllSectors in Warning.Sectors sends to enterprises of every sector in
// the area.
const AllSectors = "*"

// Warning is a warning message (预警信息).
type Warning struct {
	ID            string    `json:"id"`
	CountyCode    string    `json:"county_code"`
	Identifier    string    `json:"identifier,omitempty"` // CAP identifier, GB/T 35965.1 form, set on publishing
	MsgType       string    `json:"msg_type"`             // Alert, Update, Cancel
	RefID         string    `json:"ref_id,omitempty"`     // the warning an Update or Cancel refers to
	References    string    `json:"references,omitempty"` // CAP references (sender,identifier,sent …)
	Source        string    `json:"source"`               // 发布单位, e.g. 县气象局
	Type          string    `json:"type"`
	Level         string    `json:"level"`
	Towns         []string  `json:"towns"`        // region codes of the area
	AreaDesc      string    `json:"area_desc"`    // the area in words
	Departments   bool      `json:"departments"`  // send to the member departments too
	Sectors       []string  `json:"sectors"`      // enterprises of these sectors in the area ("*": all)
	EffectiveAt   time.Time `json:"effective_at"` // 生效时间
	ExpiresAt     time.Time `json:"expires_at"`   // 失效时间
	Headline      string    `json:"headline"`     // 标题
	Description   string    `json:"description"`  // 内容
	Instruction   string    `json:"instruction"`  // 防御指引
	HeadlineEN    string    `json:"headline_en,omitempty"`
	DescriptionEN string    `json:"description_en,omitempty"`
	InstructionEN string    `json:"instruction_en,omitempty"`
	State         string    `json:"state"`
	AuthorID      string    `json:"author_id"`
	AuthorName    string    `json:"author_name"`
	ApproverID    string    `json:"approver_id,omitempty"`
	ApproverName  string    `json:"approver_name,omitempty"`
	ApprovedAt    time.Time `json:"approved_at,omitzero"`
	PublishedAt   time.Time `json:"published_at,omitzero"`
	ClosedAt      time.Time `json:"closed_at,omitzero"`      // superseded or cancelled
	ImportedFrom  string    `json:"imported_from,omitempty"` // sender,identifier,sent of an imported CAP message
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Recipient is a unit a published warning went to, and its 签收.
type Recipient struct {
	ID          string    `json:"id"`
	WarningID   string    `json:"warning_id"`
	Kind        string    `json:"kind"`
	Ref         string    `json:"ref"` // region code, unit ID or enterprise ID
	Name        string    `json:"name"`
	Users       int       `json:"users"` // accounts notified
	NotifiedAt  time.Time `json:"notified_at"`
	Reminders   int       `json:"reminders"`
	RemindedAt  time.Time `json:"reminded_at,omitzero"`
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	AckedAt     time.Time `json:"acked_at,omitzero"`
	AckedBy     string    `json:"acked_by,omitempty"`
	AckedVia    string    `json:"acked_via,omitempty"` // app | link
}

// Acked reports whether the unit acknowledged.
func (r Recipient) Acked() bool { return !r.AckedAt.IsZero() }

// TypeLabel is a type's name.
func TypeLabel(code, lang string) string { return Types.Label(code, lang) }

// LevelLabel is a level's name (蓝色 …).
func LevelLabel(code, lang string) string { return Levels.Label(code, lang) }

// TypeOf finds a type by code or name.
func TypeOf(s string) (string, bool) { return Types.Lookup(s) }

// LevelOf finds a level by code or name (蓝, 蓝色, blue).
func LevelOf(s string) (string, bool) {
	if v, ok := Levels.Lookup(s); ok {
		return v, true
	}
	return Levels.Lookup(strings.TrimSpace(s) + "色")
}

// StateLabel is a state's name.
func StateLabel(state, lang string) string {
	zh := map[string]string{StateDraft: "待审批", StateApproved: "已审批待发布", StatePublished: "已发布", StateSuperseded: "已更新", StateCancelled: "已解除"}
	en := map[string]string{StateDraft: "Awaiting approval", StateApproved: "Approved", StatePublished: "Published", StateSuperseded: "Updated", StateCancelled: "Cancelled"}
	if lang == "en" {
		return en[state]
	}
	return zh[state]
}

// MsgTypeLabel is a message type's name.
func MsgTypeLabel(m, lang string) string {
	zh := map[string]string{MsgAlert: "发布", MsgUpdate: "更新", MsgCancel: "解除"}
	if lang == "en" {
		return m
	}
	return zh[m]
}

// DefaultHeadline is the headline written when none is given:
// 县气象局发布寒潮蓝色预警信号.
func DefaultHeadline(w Warning) string {
	verb := "发布"
	switch w.MsgType {
	case MsgUpdate:
		verb = "更新"
	case MsgCancel:
		verb = "解除"
	}
	return w.Source + verb + TypeLabel(w.Type, "zh") + LevelLabel(w.Level, "zh") + "预警信号"
}

// Active reports whether a published warning is in force at now.
func (w Warning) Active(now time.Time) bool {
	return w.State == StatePublished && w.MsgType != MsgCancel && now.Before(w.ExpiresAt)
}

// Normalize trims the text fields and fills the defaults.
func Normalize(w *Warning) {
	for _, s := range []*string{&w.Source, &w.Type, &w.Level, &w.AreaDesc, &w.Headline, &w.Description, &w.Instruction, &w.HeadlineEN,
		&w.DescriptionEN, &w.InstructionEN} {
		*s = strings.TrimSpace(*s)
	}
	if c, ok := TypeOf(w.Type); ok {
		w.Type = c
	}
	if c, ok := LevelOf(w.Level); ok {
		w.Level = c
	}
	if w.MsgType == "" {
		w.MsgType = MsgAlert
	}
	var towns []string
	for _, t := range w.Towns {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(towns, t) {
			towns = append(towns, t)
		}
	}
	w.Towns = towns
	var sectors []string
	for _, s := range w.Sectors {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(sectors, s) {
			sectors = append(sectors, s)
		}
	}
	if slices.Contains(sectors, AllSectors) {
		sectors = []string{AllSectors}
	}
	w.Sectors = sectors
	if w.Headline == "" && w.Source != "" && w.Type != "" && w.Level != "" {
		w.Headline = DefaultHeadline(*w)
	}
}

// Limits of the text fields (characters).
const (
	maxShort = 200
	maxLong  = 4000
)

// Validate checks a warning's fields at now: a known type and level, a
// source, an area, an effective time and an expiry after it and after
// now (an already expired warning is refused). knownTown says whether a
// region code is a town of the county (nil: not checked).
func Validate(w *Warning, now time.Time, knownTown func(string) bool) error {
	Normalize(w)
	var fe errs.FieldErrors
	if w.Source == "" {
		fe = append(fe, errs.Field("source", "warning.source_required", nil))
	}
	if _, ok := TypeOf(w.Type); !ok {
		fe = append(fe, errs.Field("type", "warning.type_unknown", nil))
	}
	if _, ok := LevelOf(w.Level); !ok {
		fe = append(fe, errs.Field("level", "warning.level_unknown", nil))
	}
	if !slices.Contains([]string{MsgAlert, MsgUpdate, MsgCancel}, w.MsgType) {
		fe = append(fe, errs.Field("msg_type", "warning.msg_type_unknown", nil))
	}
	if len(w.Towns) == 0 {
		fe = append(fe, errs.Field("towns", "warning.area_required", nil))
	}
	for _, t := range w.Towns {
		if knownTown != nil && !knownTown(t) {
			fe = append(fe, errs.Field("towns", "warning.town_unknown", map[string]any{"Town": t}))
			break
		}
	}
	switch {
	case w.EffectiveAt.IsZero():
		fe = append(fe, errs.Field("effective_at", "warning.effective_required", nil))
	case w.ExpiresAt.IsZero():
		fe = append(fe, errs.Field("expires_at", "warning.expires_required", nil))
	case !w.ExpiresAt.After(w.EffectiveAt):
		fe = append(fe, errs.Field("expires_at", "warning.expires_before_effect", nil))
	case !w.ExpiresAt.After(now):
		fe = append(fe, errs.Field("expires_at", "warning.already_expired", nil))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"source", w.Source, maxShort}, {"area_desc", w.AreaDesc, maxShort}, {"headline", w.Headline, maxShort}, {"headline_en", w.HeadlineEN, maxShort},
		{"description", w.Description, maxLong}, {"instruction", w.Instruction, maxLong}, {"description_en", w.DescriptionEN, maxLong},
		{"instruction_en", w.InstructionEN, maxLong}} {
		if utf8.RuneCountInString(f.v) > f.max {
			fe = append(fe, errs.Field(f.name, "warning.too_long", map[string]any{"Max": f.max}))
		}
	}
	return fe.Err()
}

// Rule refusals (409, naming the rule).
var (
	ErrSelfApproval = errs.New(errs.Conflict, "warning.self_approval")
	ErrNotDraft     = errs.New(errs.Conflict, "warning.not_draft")
	// ErrWithdrawState: only a warning not yet published is withdrawn (a
	// published one is lifted by a cancel, which keeps its reference).
	ErrWithdrawState = errs.New(errs.Conflict, "warning.withdraw_state")
	// ErrWithdrawAuthor: a draft is withdrawn by its author (or an
	// administrator), not by whoever may approve it.
	ErrWithdrawAuthor = errs.New(errs.Conflict, "warning.withdraw_author")
	ErrNotApproved    = errs.New(errs.Conflict, "warning.not_approved")
	ErrNotPublished   = errs.New(errs.Conflict, "warning.not_published")
	ErrExpired        = errs.New(errs.Conflict, "warning.expired_unpublishable")
	ErrNotActive      = errs.New(errs.Conflict, "warning.not_active")
	ErrAcked          = errs.New(errs.Conflict, "warning.already_acked")
	ErrClosed         = errs.New(errs.Conflict, "warning.closed")
)

// CheckApprove is the four-eyes rule: only a draft is approved, and never
// by its author.
func CheckApprove(w Warning, approverID string) error {
	if w.State != StateDraft {
		return ErrNotDraft
	}
	if w.AuthorID == approverID {
		return ErrSelfApproval
	}
	return nil
}

// CheckWithdraw: the author (or an administrator) takes back a warning
// not yet published.
func CheckWithdraw(w Warning, userID string, admin bool) error {
	if w.State != StateDraft && w.State != StateApproved {
		return ErrWithdrawState
	}
	if w.AuthorID != userID && !admin {
		return ErrWithdrawAuthor
	}
	return nil
}

// CheckPublish: only an approved warning not yet expired is published.
func CheckPublish(w Warning, now time.Time) error {
	if w.State != StateApproved {
		return ErrNotApproved
	}
	if !now.Before(w.ExpiresAt) {
		return ErrExpired
	}
	return nil
}

// CheckFollowUp: an update or cancel refers to a published warning still
// in force (not already updated or cancelled, not a cancel itself).
func CheckFollowUp(orig Warning, now time.Time) error {
	switch {
	case orig.State == StateSuperseded || orig.State == StateCancelled:
		return ErrClosed
	case orig.State != StatePublished || orig.MsgType == MsgCancel:
		return ErrNotPublished
	case !now.Before(orig.ExpiresAt):
		return ErrNotActive
	}
	return nil
}

// Identifier is the CAP identifier in the GB/T 35965.1 form: the 14-digit
// sender code (the 6-digit GB/T 2260 region code of the county and the
// 8-digit code of the publishing unit) and the sending time to the second
// (yyyyMMddHHmmss, Beijing time), joined by an underscore; seq > 0 adds
// a two-digit sequence for messages sent within the same second.
func Identifier(county, unitCode string, sent time.Time, seq int) string {
	id := county + unitCode + "_" + sent.In(cst).Format("20060102150405")
	if seq > 0 {
		id += fmt.Sprintf("%02d", seq)
	}
	return id
}

// UnitCode is the 8-digit code of the county emergency bureau in the
// sender code (a setting a county may change).
const UnitCode = "00000000"
