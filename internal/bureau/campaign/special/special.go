// Package special runs special campaigns (专项整治): a named campaign with
// a period and a scope — the enterprises of a sector (and town), fixed
// when the campaign is created, or a list of places (e.g. quarantine
// sites) — to which checks attach, round by round, and whose coverage is
// checked / in scope, by town and by round. Hazards attach through the
// hazard's campaign field (HazardCampaign).
//
// Rules (pure, below): a campaign has a name, a start day, an end day not
// before it, 1–12 rounds and a scope; a check names a target of the
// campaign, a day not in the future, a round of the campaign, who checked,
// and a number of findings ≥ 0.
package special

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// MaxFindings bounds the problems typed with one check of one target: far
// above a real check, it refuses a slip of the keyboard before it reaches
// the campaign's totals.
const MaxFindings = 10000

// Scope kinds.
const (
	ScopeEnterprises = "enterprises"
	ScopePlaces      = "places"
)

// Campaign is a special campaign.
type Campaign struct {
	ID             string    `json:"id"`
	CountyCode     string    `json:"county_code"`
	Name           string    `json:"name"`
	StartsOn       string    `json:"starts_on"`
	EndsOn         string    `json:"ends_on,omitempty"`
	Note           string    `json:"note,omitempty"`
	ScopeKind      string    `json:"scope_kind"`
	Sector         string    `json:"sector,omitempty"`
	Town           string    `json:"town,omitempty"`
	Rounds         int       `json:"rounds"`
	HazardCampaign string    `json:"hazard_campaign,omitempty"`
	CreatedBy      string    `json:"created_by"`
	CreatedAt      time.Time `json:"created_at"`
}

// Place is a target given by name (not an enterprise of the register).
type Place struct {
	Name    string `json:"name"`
	Town    string `json:"town"` // town code
	Address string `json:"address,omitempty"`
}

// Target is one item of a campaign's scope.
type Target struct {
	ID           string `json:"id"`
	CampaignID   string `json:"campaign_id"`
	EnterpriseID string `json:"enterprise_id,omitempty"`
	Name         string `json:"name"`
	TownCode     string `json:"town_code"`
	Address      string `json:"address,omitempty"`
	// Rounds[i] is the day of the first check of round i+1 ("" unchecked).
	Rounds []string `json:"rounds"`
}

// Check is one check of a target.
type Check struct {
	ID           string    `json:"id"`
	CampaignID   string    `json:"campaign_id"`
	TargetID     string    `json:"target_id"`
	TargetName   string    `json:"target_name,omitempty"`
	TownCode     string    `json:"town_code"`
	CheckedOn    string    `json:"checked_on"`
	Round        int       `json:"round"`
	CheckedBy    string    `json:"checked_by"`
	Findings     int       `json:"findings"`
	Note         string    `json:"note,omitempty"`
	RecordedBy   string    `json:"recorded_by"`
	RecordedName string    `json:"recorded_name"`
	RecordedAt   time.Time `json:"recorded_at"`
}

// NewCampaign is what creating a campaign takes.
type NewCampaign struct {
	Name           string  `json:"name"`
	StartsOn       string  `json:"starts_on"`
	EndsOn         string  `json:"ends_on,omitempty"`
	Note           string  `json:"note,omitempty"`
	ScopeKind      string  `json:"scope_kind"`
	Sector         string  `json:"sector,omitempty"`
	Town           string  `json:"town,omitempty"`
	Places         []Place `json:"places,omitempty"`
	Rounds         int     `json:"rounds"`
	HazardCampaign string  `json:"hazard_campaign,omitempty"`
}

// Validate checks a new campaign's own fields.
func Validate(in *NewCampaign) error {
	var fe errs.FieldErrors
	in.Name, in.Note, in.HazardCampaign = strings.TrimSpace(in.Name), strings.TrimSpace(in.Note), strings.TrimSpace(in.HazardCampaign)
	if in.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	} else if utf8.RuneCountInString(in.Name) > 100 {
		fe = append(fe, errs.Field("name", "special.too_long", map[string]any{"Max": 100}))
	}
	if d, err := day.Parse(in.StartsOn); err != nil {
		fe = append(fe, errs.Field("starts_on", "special.date_invalid", nil))
	} else {
		in.StartsOn = d
	}
	if strings.TrimSpace(in.EndsOn) == "" {
		in.EndsOn = ""
	} else if d, err := day.Parse(in.EndsOn); err != nil {
		fe = append(fe, errs.Field("ends_on", "special.date_invalid", nil))
	} else if d < in.StartsOn {
		fe = append(fe, errs.Field("ends_on", "special.ends_before_start", nil))
	} else {
		in.EndsOn = d
	}
	if in.Rounds == 0 {
		in.Rounds = 1
	}
	if in.Rounds < 1 || in.Rounds > 12 {
		fe = append(fe, errs.Field("rounds", "special.rounds_invalid", nil))
	}
	switch in.ScopeKind {
	case ScopeEnterprises:
		if in.Sector == "" && in.Town == "" {
			fe = append(fe, errs.Field("sector", "special.scope_filter_required", nil))
		}
		if in.Sector != "" && org.SectorLabel(in.Sector, "zh") == in.Sector {
			fe = append(fe, errs.Field("sector", "field.invalid", nil))
		}
	case ScopePlaces:
		if len(in.Places) == 0 {
			fe = append(fe, errs.Field("places", "special.places_required", nil))
		}
		seen := map[string]bool{}
		for i, p := range in.Places {
			p.Name = strings.TrimSpace(p.Name)
			in.Places[i].Name = p.Name
			switch {
			case p.Name == "":
				fe = append(fe, errs.Field("places", "special.place_name_required", map[string]any{"Line": i + 1}))
			case seen[p.Name]:
				fe = append(fe, errs.Field("places", "special.place_duplicate", map[string]any{"Line": i + 1, "Name": p.Name}))
			case p.Town == "":
				fe = append(fe, errs.Field("places", "special.place_town_required", map[string]any{"Line": i + 1, "Name": p.Name}))
			}
			seen[p.Name] = true
		}
	default:
		fe = append(fe, errs.Field("scope_kind", "special.scope_kind_invalid", nil))
	}
	return fe.Err()
}

// ValidateCheck checks a check against its campaign.
func ValidateCheck(c Campaign, ch *Check, today string) error {
	var fe errs.FieldErrors
	if d, err := day.Parse(ch.CheckedOn); err != nil {
		fe = append(fe, errs.Field("checked_on", "special.date_invalid", nil))
	} else if today != "" && d > today {
		fe = append(fe, errs.Field("checked_on", "special.date_future", map[string]any{"Today": today}))
	} else if d < c.StartsOn || (c.EndsOn != "" && d > c.EndsOn) {
		// A check outside the campaign's period is not one of its checks
		// (it may be recorded later, but not dated outside it).
		fe = append(fe, errs.Field("checked_on", "special.date_outside", map[string]any{"From": c.StartsOn, "To": c.EndsOn}))
	} else {
		ch.CheckedOn = d
	}
	if ch.Round < 1 || ch.Round > c.Rounds {
		fe = append(fe, errs.Field("round", "special.round_invalid", map[string]any{"Rounds": c.Rounds}))
	}
	ch.CheckedBy, ch.Note = strings.TrimSpace(ch.CheckedBy), strings.TrimSpace(ch.Note)
	if ch.CheckedBy == "" {
		fe = append(fe, errs.Field("checked_by", "special.checked_by_required", nil))
	} else if utf8.RuneCountInString(ch.CheckedBy) > 200 {
		fe = append(fe, errs.Field("checked_by", "special.too_long", map[string]any{"Max": 200}))
	}
	switch {
	case ch.Findings < 0:
		fe = append(fe, errs.Field("findings", "special.findings_invalid", nil))
	case ch.Findings > MaxFindings:
		fe = append(fe, errs.Field("findings", "special.findings_too_many", map[string]any{"Max": MaxFindings}))
	case ch.Findings > 0 && c.HazardCampaign != "":
		// A campaign linked to the hazard ledger counts its findings from
		// the hazard records (one source: the figure and the list are the
		// same records); a typed number would be a second, different one.
		fe = append(fe, errs.Field("findings", "special.findings_are_hazards", map[string]any{"Campaign": c.HazardCampaign}))
	}
	if utf8.RuneCountInString(ch.Note) > 500 {
		fe = append(fe, errs.Field("note", "special.too_long", map[string]any{"Max": 500}))
	}
	return fe.Err()
}

// Service runs special campaigns.
type Service struct {
	db      *store.DB
	org     *org.Service
	ent     *enterprise.Service
	now     func() time.Time
	hazards HazardCounter // set by WithHazards
}

// HazardCounter counts the hazards of a hazard campaign (专项行动) in a
// principal's scope, by town: the same records as the hazard ledger
// filtered by that campaign.
type HazardCounter interface {
	CampaignHazardsByTown(ctx context.Context, p *auth.Principal, campaign string) (map[string]int, error)
}

// New returns a Service.
func New(db *store.DB, o *org.Service, ent *enterprise.Service, now func() time.Time) *Service {
	return &Service{db: db, org: o, ent: ent, now: now}
}

// WithHazards makes a campaign linked to the hazard ledger
// (HazardCampaign) count its findings from the hazard records.
func (s *Service) WithHazards(h HazardCounter) *Service {
	s.hazards = h
	return s
}

// Today is the current Shanghai day.
func (s *Service) Today() string { return day.Of(s.now()) }

// MayManage reports whether p creates campaigns.
func MayManage(p *auth.Principal) bool {
	return p.Is(auth.RoleAdmin, auth.RoleLeader, auth.RoleSection)
}

// MayCheck reports whether p records checks of a target in town.
func MayCheck(p *auth.Principal, town string) bool {
	switch p.Role {
	case auth.RoleAdmin, auth.RoleSection, auth.RoleEnforcer, auth.RoleDepartment:
		return true
	case auth.RoleTown:
		return p.RegionCode != "" && strings.HasPrefix(town, p.RegionCode)
	}
	return false
}

// townScope limits targets and checks to a town user's town.
func townScope(p *auth.Principal, w *store.Where, col string) {
	if p.Role == auth.RoleTown {
		w.Add(col+" = ?", p.RegionCode)
	}
}

// targetScope limits w to the targets p may see; alias names the
// special_target row ("t."). Town staff see their town's targets. A target
// that is an enterprise is seen only by those who may see the enterprise,
// by the enterprise register's one scope rule (a section its sectors', an
// enterprise account its own, village staff their village's); a target
// that is a place (no enterprise) is seen by everyone who sees the
// campaign in that town.
func targetScope(p *auth.Principal, w *store.Where, alias string) {
	townScope(p, w, alias+"town_code")
	switch p.Role {
	case auth.RoleSection, auth.RoleEnterprise, auth.RoleTown:
		cond, args := enterprise.ScopeSQL(p, alias+"enterprise_id")
		w.Add("("+alias+"enterprise_id = '' OR "+cond+")", args...)
	}
}

const campaignCols = `id, county_code, name, starts_on, ends_on, note, scope_kind, scope_sector, scope_town, rounds, hazard_campaign, created_by, created_at`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var rounds int64
	err := row.Scan(&c.ID, &c.CountyCode, &c.Name, &c.StartsOn, &c.EndsOn, &c.Note, &c.ScopeKind, &c.Sector, &c.Town, &rounds,
		&c.HazardCampaign, &c.CreatedBy, &c.CreatedAt)
	c.Rounds = int(rounds)
	return c, err
}

// Campaigns lists the county's special campaigns, newest first.
func (s *Service) Campaigns(ctx context.Context, p *auth.Principal) ([]Campaign, error) {
	if p.Role == auth.RoleEnterprise {
		return nil, nil
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+campaignCols+` FROM special_campaign WHERE county_code = $1 ORDER BY starts_on DESC, name`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("special campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Campaign returns one of the county's special campaigns.
func (s *Service) Campaign(ctx context.Context, p *auth.Principal, id string) (Campaign, error) {
	return s.campaign(ctx, s.db.R(), p, id)
}

func (s *Service) campaign(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM special_campaign WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, errs.New(errs.NotFound, "not_found")
	}
	if err == nil && (c.CountyCode != p.CountyCode || p.Role == auth.RoleEnterprise) {
		return Campaign{}, errs.OutOfScope("special_campaign", id)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("special campaign: %w", err)
	}
	return c, nil
}

// Create creates a campaign and fixes its scope: the enterprises of the
// register matching the sector (and town) now, or the places given.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in NewCampaign) (Campaign, error) {
	var c Campaign
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.CreateTx(ctx, tx, p, in)
		return err
	})
	return c, err
}

// CreateTx creates a campaign inside tx.
func (s *Service) CreateTx(ctx context.Context, tx *store.Tx, p *auth.Principal, in NewCampaign) (Campaign, error) {
	if !MayManage(p) {
		return Campaign{}, errs.New(errs.Forbidden, "special.manage_forbidden")
	}
	if err := Validate(&in); err != nil {
		return Campaign{}, err
	}
	towns, err := s.org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return Campaign{}, err
	}
	known := map[string]bool{}
	for _, t := range towns {
		known[t.Code] = true
	}
	if in.Town != "" && !known[in.Town] {
		return Campaign{}, errs.Field("town", "special.town_unknown", nil)
	}
	var targets []Target
	switch in.ScopeKind {
	case ScopeEnterprises:
		all := &auth.Principal{Role: auth.RoleLeader, CountyCode: p.CountyCode}
		err := s.ent.Each(ctx, all, enterprise.Filter{Sector: in.Sector, Town: in.Town, Status: enterprise.StatusOperating}, func(e enterprise.Enterprise) error {
			targets = append(targets, Target{EnterpriseID: e.ID, Name: e.Name, TownCode: e.TownCode, Address: e.Address})
			return nil
		})
		if err != nil {
			return Campaign{}, err
		}
		if len(targets) == 0 {
			return Campaign{}, errs.Field("sector", "special.scope_empty", nil)
		}
	case ScopePlaces:
		for i, pl := range in.Places {
			if !known[pl.Town] {
				return Campaign{}, errs.Field("places", "special.place_town_unknown", map[string]any{"Line": i + 1, "Name": pl.Name})
			}
			targets = append(targets, Target{Name: pl.Name, TownCode: pl.Town, Address: strings.TrimSpace(pl.Address)})
		}
	}
	now := s.now().UTC()
	c := Campaign{ID: ids.New(), CountyCode: p.CountyCode, Name: in.Name, StartsOn: in.StartsOn, EndsOn: in.EndsOn, Note: in.Note,
		ScopeKind: in.ScopeKind, Sector: in.Sector, Town: in.Town, Rounds: in.Rounds, HazardCampaign: in.HazardCampaign, CreatedBy: p.UserID, CreatedAt: now}
	_, err = tx.ExecContext(ctx, `INSERT INTO special_campaign (`+campaignCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`,
		c.ID, c.CountyCode, c.Name, c.StartsOn, c.EndsOn, c.Note, c.ScopeKind, c.Sector, c.Town, int64(c.Rounds), c.HazardCampaign, c.CreatedBy, now)
	if store.IsUniqueViolation(err) {
		return Campaign{}, errs.Field("name", "special.name_taken", map[string]any{"Name": c.Name})
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("insert special campaign: %w", err)
	}
	const per = 200
	for start := 0; start < len(targets); start += per {
		var b strings.Builder
		var args []any
		b.WriteString(`INSERT INTO special_target (id, campaign_id, enterprise_id, name, town_code, address) VALUES `)
		for i, t := range targets[start:min(start+per, len(targets))] {
			if i > 0 {
				b.WriteString(",")
			}
			k := len(args)
			fmt.Fprintf(&b, "($%d,$%d,$%d,$%d,$%d,$%d)", k+1, k+2, k+3, k+4, k+5, k+6)
			args = append(args, ids.New(), c.ID, t.EnterpriseID, t.Name, t.TownCode, t.Address)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return Campaign{}, fmt.Errorf("insert special targets: %w", err)
		}
	}
	return c, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "special_campaign", EntityID: c.ID, Action: "create",
		After: map[string]any{"campaign": c, "targets": len(targets)}})
}

// TargetFilter selects a campaign's targets.
type TargetFilter struct {
	Town   string
	State  string // unchecked | checked (any round)
	Q      string
	Limit  int
	Offset int
}

// Targets returns a page of a campaign's targets in scope with the day of
// their first check in each round, and the total count.
func (s *Service) Targets(ctx context.Context, p *auth.Principal, c Campaign, f TargetFilter) ([]Target, int, error) {
	return s.targets(ctx, s.db.R(), p, c, f)
}

func (s *Service) targets(ctx context.Context, q store.Querier, p *auth.Principal, c Campaign, f TargetFilter) ([]Target, int, error) {
	var w store.Where
	w.Add("t.campaign_id = ?", c.ID)
	targetScope(p, &w, "t.")
	if f.Town != "" {
		w.Add("t.town_code = ?", f.Town)
	}
	switch f.State {
	case "unchecked":
		w.Add("NOT EXISTS (SELECT 1 FROM special_check k WHERE k.target_id = t.id)")
	case "checked":
		w.Add("EXISTS (SELECT 1 FROM special_check k WHERE k.target_id = t.id)")
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		w.Add(`t.name LIKE ? ESCAPE '\'`, store.Like(q))
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM special_target t`+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("special targets: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 5000 {
		f.Limit = 100
	}
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.campaign_id, t.enterprise_id, t.name, t.town_code, t.address FROM special_target t`+w.SQL()+
		` ORDER BY t.town_code, t.name LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("special targets: %w", err)
	}
	var out []Target
	byID := map[string]int{}
	for rows.Next() {
		var t Target
		if err := rows.Scan(&t.ID, &t.CampaignID, &t.EnterpriseID, &t.Name, &t.TownCode, &t.Address); err != nil {
			rows.Close()
			return nil, 0, err
		}
		t.Rounds = make([]string, c.Rounds)
		byID[t.ID] = len(out)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return out, total, nil
	}
	var cw store.Where
	cw.Add("campaign_id = ?", c.ID)
	idList := make([]string, 0, len(out))
	for _, t := range out {
		idList = append(idList, t.ID)
	}
	cw.In("target_id", idList)
	crow, err := q.QueryContext(ctx, `SELECT target_id, round, min(checked_on) FROM special_check`+cw.SQL()+` GROUP BY target_id, round`, cw.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("special checks: %w", err)
	}
	defer crow.Close()
	for crow.Next() {
		var id, on string
		var round int64
		if err := crow.Scan(&id, &round, &on); err != nil {
			return nil, 0, err
		}
		if i, ok := byID[id]; ok && round >= 1 && int(round) <= c.Rounds {
			out[i].Rounds[round-1] = on
		}
	}
	return out, total, crow.Err()
}

// Target returns one target of a campaign in scope.
func (s *Service) target(ctx context.Context, q store.Querier, p *auth.Principal, c Campaign, id string) (Target, error) {
	var t Target
	var w store.Where
	w.Add("t.id = ?", id)
	w.Add("t.campaign_id = ?", c.ID)
	targetScope(p, &w, "t.")
	err := q.QueryRowContext(ctx, `SELECT t.id, t.campaign_id, t.enterprise_id, t.name, t.town_code, t.address FROM special_target t`+w.SQL(),
		w.Args()...).Scan(&t.ID, &t.CampaignID, &t.EnterpriseID, &t.Name, &t.TownCode, &t.Address)
	if errors.Is(err, sql.ErrNoRows) {
		// Out of scope reads as unknown, like a target of another campaign.
		return t, errs.Field("target_id", "special.target_unknown", nil)
	}
	return t, err
}

// RecordCheck records a check of one of the campaign's targets.
func (s *Service) RecordCheck(ctx context.Context, p *auth.Principal, campaignID string, ch Check) (Check, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.campaign(ctx, tx, p, campaignID)
		if err != nil {
			return err
		}
		ch, err = s.recordCheckTx(ctx, tx, p, c, ch, s.now())
		return err
	})
	return ch, err
}

func (s *Service) recordCheckTx(ctx context.Context, tx *store.Tx, p *auth.Principal, c Campaign, ch Check, at time.Time) (Check, error) {
	t, err := s.target(ctx, tx, p, c, ch.TargetID)
	if err != nil {
		return ch, err
	}
	if !MayCheck(p, t.TownCode) {
		return ch, errs.New(errs.Forbidden, "special.check_forbidden")
	}
	if err := ValidateCheck(c, &ch, day.Of(s.now())); err != nil {
		return ch, err
	}
	now := at.UTC()
	ch.ID, ch.CampaignID, ch.TownCode, ch.TargetName, ch.RecordedBy, ch.RecordedName, ch.RecordedAt = ids.New(), c.ID, t.TownCode, t.Name, p.UserID, p.DisplayName, now
	_, err = tx.ExecContext(ctx, `INSERT INTO special_check (id, campaign_id, target_id, town_code, checked_on, round, checked_by, findings, note,
		recorded_by, recorded_name, recorded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		ch.ID, c.ID, t.ID, t.TownCode, ch.CheckedOn, int64(ch.Round), ch.CheckedBy, int64(ch.Findings), ch.Note, ch.RecordedBy, ch.RecordedName, now)
	if err != nil {
		return ch, fmt.Errorf("insert special check: %w", err)
	}
	return ch, audit.Record(ctx, tx, s.now(), p.Actor(), audit.Entry{Entity: "special_check", EntityID: ch.ID, Action: "create", After: ch})
}

// Checks lists a campaign's latest checks in scope.
func (s *Service) Checks(ctx context.Context, p *auth.Principal, c Campaign, limit int) ([]Check, error) {
	var w store.Where
	w.Add("k.campaign_id = ?", c.ID)
	targetScope(p, &w, "t.")
	lim := w.Arg(limit)
	rows, err := s.db.R().QueryContext(ctx, `SELECT k.id, k.campaign_id, k.target_id, t.name, k.town_code, k.checked_on, k.round, k.checked_by, k.findings,
		k.note, k.recorded_by, k.recorded_name, k.recorded_at FROM special_check k JOIN special_target t ON t.id = k.target_id`+w.SQL()+
		` ORDER BY k.checked_on DESC, k.recorded_at DESC LIMIT `+lim, w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("special checks: %w", err)
	}
	defer rows.Close()
	var out []Check
	for rows.Next() {
		var ch Check
		var round, findings int64
		if err := rows.Scan(&ch.ID, &ch.CampaignID, &ch.TargetID, &ch.TargetName, &ch.TownCode, &ch.CheckedOn, &round, &ch.CheckedBy, &findings,
			&ch.Note, &ch.RecordedBy, &ch.RecordedName, &ch.RecordedAt); err != nil {
			return nil, err
		}
		ch.Round, ch.Findings = int(round), int(findings)
		out = append(out, ch)
	}
	return out, rows.Err()
}

// TownCoverage is one town's row of the coverage table.
type TownCoverage struct {
	Town     string `json:"town"`
	Name     string `json:"name"`
	InScope  int    `json:"in_scope"`
	Checked  []int  `json:"checked"` // by round
	Any      int    `json:"any"`     // checked in any round
	Findings int    `json:"findings"`
}

// Pct is the share of the targets checked in any round.
func (t TownCoverage) Pct() int { return Pct(t.Any, t.InScope) }

// RoundPcts are the shares checked in each round.
func (t TownCoverage) RoundPcts() []int {
	out := make([]int, len(t.Checked))
	for i, n := range t.Checked {
		out[i] = Pct(n, t.InScope)
	}
	return out
}

// Coverage is a campaign's coverage: checked / in scope by town and round.
type Coverage struct {
	Rounds []int          `json:"rounds"`
	Towns  []TownCoverage `json:"towns"`
	Total  TownCoverage   `json:"total"`
	Checks int            `json:"checks"`
	// HazardFindings: the findings are the campaign's hazard records (the
	// campaign is linked to the hazard ledger), not numbers typed with the
	// checks.
	HazardFindings bool `json:"hazard_findings"`
}

// Pct is the share of in scope checked, in whole percent (rounded down).
func Pct(n, of int) int {
	if of <= 0 {
		return 0
	}
	return n * 100 / of
}

// Coverage computes a campaign's coverage in p's scope.
func (s *Service) Coverage(ctx context.Context, p *auth.Principal, c Campaign) (Coverage, error) {
	return s.coverage(ctx, p, c, true)
}

// CoverageCounts is Coverage without the findings of a linked hazard
// campaign (a report figure asks only for the places in scope, those
// checked and the rounds; counting a big campaign's hazards by town
// would cost it most of its time).
func (s *Service) CoverageCounts(ctx context.Context, p *auth.Principal, c Campaign) (Coverage, error) {
	return s.coverage(ctx, p, c, false)
}

func (s *Service) coverage(ctx context.Context, p *auth.Principal, c Campaign, findings bool) (Coverage, error) {
	out := Coverage{}
	for r := 1; r <= c.Rounds; r++ {
		out.Rounds = append(out.Rounds, r)
	}
	byTown := map[string]*TownCoverage{}
	get := func(town string) *TownCoverage {
		if t, ok := byTown[town]; ok {
			return t
		}
		t := &TownCoverage{Town: town, Checked: make([]int, c.Rounds)}
		byTown[town] = t
		return t
	}
	var w store.Where
	w.Add("t.campaign_id = ?", c.ID)
	targetScope(p, &w, "t.")
	rows, err := s.db.R().QueryContext(ctx, `SELECT t.town_code, count(*) FROM special_target t`+w.SQL()+` GROUP BY t.town_code`, w.Args()...)
	if err != nil {
		return out, fmt.Errorf("special coverage: %w", err)
	}
	for rows.Next() {
		var town string
		var n int
		if err := rows.Scan(&town, &n); err != nil {
			rows.Close()
			return out, err
		}
		get(town).InScope = n
	}
	rows.Close()
	var cw store.Where
	cw.Add("k.campaign_id = ?", c.ID)
	targetScope(p, &cw, "t.")
	rows, err = s.db.R().QueryContext(ctx, `SELECT k.town_code, k.round, count(DISTINCT k.target_id), count(*), CAST(sum(k.findings) AS BIGINT)
		FROM special_check k JOIN special_target t ON t.id = k.target_id`+cw.SQL()+` GROUP BY k.town_code, k.round`, cw.Args()...)
	if err != nil {
		return out, fmt.Errorf("special coverage: %w", err)
	}
	for rows.Next() {
		var town string
		var round int64
		var n, checks, findings int
		if err := rows.Scan(&town, &round, &n, &checks, &findings); err != nil {
			rows.Close()
			return out, err
		}
		t := get(town)
		if round >= 1 && int(round) <= c.Rounds {
			t.Checked[round-1] = n
		}
		t.Findings += findings
		out.Checks += checks
	}
	rows.Close()
	rows, err = s.db.R().QueryContext(ctx, `SELECT k.town_code, count(DISTINCT k.target_id) FROM special_check k JOIN special_target t ON t.id = k.target_id`+cw.SQL()+` GROUP BY k.town_code`, cw.Args()...)
	if err != nil {
		return out, fmt.Errorf("special coverage: %w", err)
	}
	for rows.Next() {
		var town string
		var n int
		if err := rows.Scan(&town, &n); err != nil {
			rows.Close()
			return out, err
		}
		get(town).Any = n
	}
	rows.Close()
	if findings && c.HazardCampaign != "" && s.hazards != nil {
		// 发现问题 of a linked campaign are its hazards: the figure and the
		// hazard list behind the link are one query's records.
		byHazard, err := s.hazards.CampaignHazardsByTown(ctx, p, c.HazardCampaign)
		if err != nil {
			return out, err
		}
		for _, t := range byTown {
			t.Findings = 0
		}
		for town, n := range byHazard {
			get(town).Findings = n
		}
		out.HazardFindings = true
	}
	names := map[string]string{}
	sortKey := map[string]int64{}
	regions, err := s.org.ListRegions(ctx, &auth.Principal{Role: auth.RoleLeader, CountyCode: c.CountyCode}, org.RegionFilter{Level: org.LevelTown})
	if err != nil {
		return out, err
	}
	for _, r := range regions {
		names[r.Code], sortKey[r.Code] = r.Name, r.Sort
	}
	out.Total = TownCoverage{Name: "合计", Checked: make([]int, c.Rounds)}
	for _, t := range byTown {
		t.Name = names[t.Town]
		if t.Name == "" {
			t.Name = t.Town
		}
		out.Towns = append(out.Towns, *t)
		out.Total.InScope += t.InScope
		out.Total.Any += t.Any
		out.Total.Findings += t.Findings
		for i, n := range t.Checked {
			out.Total.Checked[i] += n
		}
	}
	sort.Slice(out.Towns, func(i, j int) bool {
		a, b := out.Towns[i], out.Towns[j]
		if sortKey[a.Town] != sortKey[b.Town] {
			return sortKey[a.Town] < sortKey[b.Town]
		}
		return a.Town < b.Town
	})
	return out, nil
}
