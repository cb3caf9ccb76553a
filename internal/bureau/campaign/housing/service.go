package housing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"yingji/internal/bureau/campaign/day"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/crypt"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Service reads and changes housing campaigns and buildings within the
// caller's scope: town staff see the buildings of their town (or village),
// everyone else on the county's staff the whole county.
type Service struct {
	db     *store.DB
	org    *org.Service
	attach *attach.Service
	sealer *crypt.Sealer
	now    func() time.Time
}

// New returns a Service; sealer seals owners' personal data at rest (nil:
// kept in clear, for tests).
func New(db *store.DB, o *org.Service, at *attach.Service, sealer *crypt.Sealer, now func() time.Time) *Service {
	return &Service{db: db, org: o, attach: at, sealer: sealer, now: now}
}

// Today is the service's current Shanghai day.
func (s *Service) Today() string { return day.Of(s.now()) }

// Campaign is one survey campaign.
type Campaign struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Name       string    `json:"name"`
	StartsOn   string    `json:"starts_on"`
	EndsOn     string    `json:"ends_on,omitempty"`
	Note       string    `json:"note,omitempty"`
	Reported   *Reported `json:"reported,omitempty"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// MayManage reports whether p may create campaigns and enter reported
// figures (the county's administrators and leaders).
func MayManage(p *auth.Principal) bool { return p.Is(auth.RoleAdmin, auth.RoleLeader) }

// MayWrite reports whether p may record buildings and steps of b: the
// administrator, the staff of b's town (village), and member-department
// staff (住建 appraisal work) county-wide.
func MayWrite(p *auth.Principal, b Building) bool {
	if b.CountyCode != "" && b.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleAdmin, auth.RoleDepartment:
		return true
	case auth.RoleTown:
		return InScope(p, b)
	}
	return false
}

// SeesOwner reports whether p may read the owner's personal data in clear
// (those who do the building's work); everyone else sees it masked.
func SeesOwner(p *auth.Principal, b Building) bool { return MayWrite(p, b) }

// InScope reports whether b lies in p's region (town or village staff).
func InScope(p *auth.Principal, b Building) bool {
	if b.CountyCode != "" && b.CountyCode != p.CountyCode {
		return false
	}
	switch p.Role {
	case auth.RoleTown:
		if len(p.RegionCode) == 12 {
			return b.VillageCode == p.RegionCode
		}
		return p.RegionCode != "" && b.TownCode == p.RegionCode
	case auth.RoleEnterprise:
		return false
	}
	return true
}

// scope adds p's row limits (town or village) to w.
func scope(p *auth.Principal, w *store.Where) {
	switch p.Role {
	case auth.RoleTown:
		if len(p.RegionCode) == 12 {
			w.Add("village_code = ?", p.RegionCode)
		} else {
			w.Add("town_code = ?", p.RegionCode)
		}
	case auth.RoleEnterprise:
		w.Add("1 = 0")
	}
}

const campaignCols = `id, county_code, name, starts_on, ends_on, note, reported, created_by, created_at, updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var rep string
	err := row.Scan(&c.ID, &c.CountyCode, &c.Name, &c.StartsOn, &c.EndsOn, &c.Note, &rep, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if err == nil && rep != "" {
		var r Reported
		if json.Unmarshal([]byte(rep), &r) == nil {
			c.Reported = &r
		}
	}
	return c, err
}

// Campaigns lists the county's campaigns, newest first.
func (s *Service) Campaigns(ctx context.Context, p *auth.Principal) ([]Campaign, error) {
	if p.Role == auth.RoleEnterprise {
		return nil, nil
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+campaignCols+` FROM housing_campaign WHERE county_code = $1 ORDER BY starts_on DESC, name`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("housing campaigns: %w", err)
	}
	defer rows.Close()
	var out []Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("housing campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Campaign returns one of the county's campaigns.
func (s *Service) Campaign(ctx context.Context, p *auth.Principal, id string) (Campaign, error) {
	return s.campaign(ctx, s.db.R(), p, id)
}

func (s *Service) campaign(ctx context.Context, q store.Querier, p *auth.Principal, id string) (Campaign, error) {
	c, err := scanCampaign(q.QueryRowContext(ctx, `SELECT `+campaignCols+` FROM housing_campaign WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, errs.New(errs.NotFound, "not_found")
	}
	if err == nil && (c.CountyCode != p.CountyCode || p.Role == auth.RoleEnterprise) {
		return Campaign{}, errs.OutOfScope("housing_campaign", id)
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("housing campaign: %w", err)
	}
	return c, nil
}

// CampaignByName finds a campaign by its name (imports, the demo).
func (s *Service) CampaignByName(ctx context.Context, p *auth.Principal, name string) (Campaign, error) {
	c, err := scanCampaign(s.db.R().QueryRowContext(ctx, `SELECT `+campaignCols+` FROM housing_campaign WHERE county_code = $1 AND name = $2`,
		p.CountyCode, strings.TrimSpace(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Campaign{}, fmt.Errorf("housing campaign: %w", err)
	}
	return c, nil
}

// ValidateCampaign checks a campaign's fields.
func ValidateCampaign(c *Campaign) error {
	var fe errs.FieldErrors
	c.Name, c.Note = strings.TrimSpace(c.Name), strings.TrimSpace(c.Note)
	if c.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	} else if utf8.RuneCountInString(c.Name) > 100 {
		fe = append(fe, errs.Field("name", "housing.too_long", map[string]any{"Max": 100}))
	}
	if d, err := day.Parse(c.StartsOn); err != nil {
		fe = append(fe, errs.Field("starts_on", "housing.date_invalid", nil))
	} else {
		c.StartsOn = d
	}
	if strings.TrimSpace(c.EndsOn) != "" {
		if d, err := day.Parse(c.EndsOn); err != nil {
			fe = append(fe, errs.Field("ends_on", "housing.date_invalid", nil))
		} else if d < c.StartsOn {
			fe = append(fe, errs.Field("ends_on", "housing.ends_before_start", nil))
		} else {
			c.EndsOn = d
		}
	} else {
		c.EndsOn = ""
	}
	return fe.Err()
}

// CreateCampaign creates a campaign.
func (s *Service) CreateCampaign(ctx context.Context, p *auth.Principal, c Campaign) (Campaign, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.CreateCampaignTx(ctx, tx, p, c)
		return err
	})
	return c, err
}

// CreateCampaignTx creates a campaign inside tx.
func (s *Service) CreateCampaignTx(ctx context.Context, tx *store.Tx, p *auth.Principal, c Campaign) (Campaign, error) {
	if !MayManage(p) {
		return c, errs.New(errs.Forbidden, "housing.manage_forbidden")
	}
	if err := ValidateCampaign(&c); err != nil {
		return c, err
	}
	now := s.now().UTC()
	c.ID, c.CountyCode, c.CreatedBy, c.CreatedAt, c.UpdatedAt, c.Reported = ids.New(), p.CountyCode, p.UserID, now, now, nil
	_, err := tx.ExecContext(ctx, `INSERT INTO housing_campaign (`+campaignCols+`) VALUES ($1,$2,$3,$4,$5,$6,'',$7,$8,$8)`,
		c.ID, c.CountyCode, c.Name, c.StartsOn, c.EndsOn, c.Note, c.CreatedBy, now)
	if store.IsUniqueViolation(err) {
		return c, errs.Field("name", "housing.campaign_taken", map[string]any{"Name": c.Name})
	}
	if err != nil {
		return c, fmt.Errorf("insert housing campaign: %w", err)
	}
	return c, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "housing_campaign", EntityID: c.ID, Action: "create", After: c})
}

// ValidateReported checks reported figures.
func ValidateReported(r *Reported) error {
	var fe errs.FieldErrors
	if d, err := day.Parse(r.AsOf); err != nil {
		fe = append(fe, errs.Field("as_of", "housing.date_invalid", nil))
	} else {
		r.AsOf = d
	}
	for m, f := range r.Figures {
		known := false
		for _, x := range AllMetrics {
			known = known || x == m
		}
		if !known {
			fe = append(fe, errs.Field(string(m), "field.invalid", nil))
			continue
		}
		for _, v := range []*int64{f.Total, f.Urban, f.Rural} {
			if v != nil && *v < 0 {
				fe = append(fe, errs.Field(string(m), "housing.count_negative", nil))
				break
			}
		}
		if f.Total == nil && f.Urban == nil && f.Rural == nil {
			delete(r.Figures, m)
		}
	}
	r.Note = strings.TrimSpace(r.Note)
	return fe.Err()
}

// SetReported records the figures a campaign reported upward.
func (s *Service) SetReported(ctx context.Context, p *auth.Principal, id string, r Reported) (Campaign, error) {
	if !MayManage(p) {
		return Campaign{}, errs.New(errs.Forbidden, "housing.manage_forbidden")
	}
	if r.Figures == nil {
		r.Figures = map[Metric]ReportedFigure{}
	}
	if err := ValidateReported(&r); err != nil {
		return Campaign{}, err
	}
	var c Campaign
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = s.SetReportedTx(ctx, tx, p, id, r)
		return err
	})
	return c, err
}

// SetReportedTx records reported figures inside tx (the demo).
func (s *Service) SetReportedTx(ctx context.Context, tx *store.Tx, p *auth.Principal, id string, r Reported) (Campaign, error) {
	c, err := s.campaign(ctx, tx, p, id)
	if err != nil {
		return c, err
	}
	b, err := json.Marshal(r)
	if err != nil {
		return c, err
	}
	now := s.now().UTC()
	if _, err := tx.ExecContext(ctx, `UPDATE housing_campaign SET reported = $1, updated_at = $2 WHERE id = $3`, string(b), now, id); err != nil {
		return c, fmt.Errorf("housing reported figures: %w", err)
	}
	before := c.Reported
	c.Reported, c.UpdatedAt = &r, now
	return c, audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "housing_campaign", EntityID: id, Action: "housing_reported", Before: before, After: r})
}

// Todo is the list filter for the buildings still needing work: to be
// appraised (待鉴定) or appraised and to be remediated (待整治).
const Todo Stage = "todo"

// Filter selects buildings for the list and the export.
type Filter struct {
	Town     string `json:"town,omitempty"`
	Village  string `json:"village,omitempty"`
	Area     string `json:"area,omitempty"` // urban | rural
	Stage    Stage  `json:"stage,omitempty"`
	Grade    string `json:"grade,omitempty"`
	Business string `json:"business,omitempty"`     // "1": 经营性, "0": 非经营性
	Level    string `json:"hazard_level,omitempty"` // 初判: none | general | collapse
	Problem  string `json:"problem,omitempty"`      // a check item found wanting: structure | business | legal
	Q        string `json:"q,omitempty"`            // building code or address fragment
	Limit    int    `json:"-"`
	Offset   int    `json:"-"`
}

// where builds the conditions shared by the buildings and the facet
// counts (same column names); text search applies to buildings only.
func (f Filter) where(p *auth.Principal, campaignID string, withQ bool) *store.Where {
	var w store.Where
	w.Add("campaign_id = ?", campaignID)
	scope(p, &w)
	if f.Town != "" {
		w.Add("town_code = ?", f.Town)
	}
	if f.Village != "" {
		w.Add("village_code = ?", f.Village)
	}
	switch f.Area {
	case "urban":
		w.Add("urban = ?", true)
	case "rural":
		w.Add("urban = ?", false)
	}
	switch f.Stage {
	case "":
	case Todo:
		// 待鉴定或整治: awaiting appraisal, or appraised C/D and not yet
		// remediated (A/B wait only for closure; remediated ones too).
		w.Add("(stage = ? OR (stage = ? AND grade IN (?, ?)))", string(NeedAppraisal), string(Appraised), "C", "D")
	default:
		w.Add("stage = ?", string(f.Stage))
	}
	if f.Grade != "" {
		if f.Grade == "none" {
			w.Add("grade = ?", "")
		} else {
			w.Add("grade = ?", f.Grade)
		}
	}
	switch f.Business {
	case "1":
		w.Add("business = ?", true)
	case "0":
		w.Add("business = ?", false)
	}
	if f.Level != "" && withQ {
		w.Add("hazard_level = ?", f.Level)
	}
	if col, ok := problemColumns[f.Problem]; ok && withQ {
		w.Add(col+" = ?", CheckProblem)
	}
	if q := strings.TrimSpace(f.Q); q != "" && withQ {
		up := strings.ToUpper(q)
		if next, ok := codeAfter(up); ok && CodeOK(up) {
			// A building code or its beginning: a range on the code index.
			w.Add("code >= ? AND code < ?", up, next)
		} else {
			w.Add(`address LIKE ? ESCAPE '\'`, store.Like(q))
		}
	}
	return &w
}

// problemColumns are the columns of the check items a filter may ask for.
var problemColumns = map[string]string{ItemStructure: "check_structure", ItemBusiness: "check_business", ItemLegal: "check_legal"}

// byBuildings reports a filter the facet counts cannot answer (a search
// text, the 初判 grading or a check item).
func (f Filter) byBuildings() bool {
	_, problem := problemColumns[f.Problem]
	return strings.TrimSpace(f.Q) != "" || f.Level != "" || problem
}

// codeAlphabet orders the characters of code prefixes; both engines'
// collations agree with it for upper-case letters and digits.
const codeAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// codeAfter returns the smallest string above every code starting with
// prefix (letters and digits only), for a range scan.
func codeAfter(prefix string) (string, bool) {
	b := []byte(prefix)
	for _, c := range b {
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", false
		}
	}
	for i := len(b) - 1; i >= 0; i-- {
		k := strings.IndexByte(codeAlphabet, b[i])
		if k < 0 {
			return "", false
		}
		if k < len(codeAlphabet)-1 {
			b[i] = codeAlphabet[k+1]
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// TodoCount is the number of buildings 待鉴定或整治 in scope (the home
// page's figure): the same condition as the list's Todo filter it opens.
func (s *Service) TodoCount(ctx context.Context, p *auth.Principal, campaignID string) (int, error) {
	return s.Count(ctx, p, campaignID, Filter{Stage: Todo})
}

// Count returns the number of buildings of a campaign in scope matching
// f. Without a search text it is a sum of the facet counts, so it costs
// the same at a million buildings as at a thousand.
func (s *Service) Count(ctx context.Context, p *auth.Principal, campaignID string, f Filter) (int, error) {
	var n int64
	if !f.byBuildings() {
		w := f.where(p, campaignID, false)
		err := s.db.R().QueryRowContext(ctx, `SELECT CAST(COALESCE(sum(n), 0) AS BIGINT) FROM housing_facet`+w.SQL(), w.Args()...).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("count buildings: %w", err)
		}
		return int(n), nil
	}
	w := f.where(p, campaignID, true)
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM housing_building`+w.SQL(), w.Args()...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count buildings: %w", err)
	}
	return int(n), nil
}

// List returns a page of a campaign's buildings in scope matching f, by
// code, and the total count.
func (s *Service) List(ctx context.Context, p *auth.Principal, campaignID string, f Filter) ([]Row, int, error) {
	if _, err := s.Campaign(ctx, p, campaignID); err != nil {
		return nil, 0, err
	}
	total, err := s.Count(ctx, p, campaignID, f)
	if err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 50
	}
	w := f.where(p, campaignID, true)
	lim, off := w.Arg(f.Limit), w.Arg(f.Offset)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+listCols+` FROM housing_building`+w.SQL()+` ORDER BY code LIMIT `+lim+` OFFSET `+off, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list buildings: %w", err)
	}
	defer rows.Close()
	out := make([]Row, 0, f.Limit)
	for rows.Next() {
		var r Row
		if err := scanRow(rows, &r); err != nil {
			return nil, 0, fmt.Errorf("list buildings: %w", err)
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// Each streams a campaign's buildings in scope matching f, by code (the
// export); the Row passed to fn is reused between calls.
func (s *Service) Each(ctx context.Context, p *auth.Principal, campaignID string, f Filter, fn func(*Row) error) error {
	if _, err := s.Campaign(ctx, p, campaignID); err != nil {
		return err
	}
	w := f.where(p, campaignID, true)
	rows, err := s.db.R().QueryContext(ctx, `SELECT `+listCols+` FROM housing_building`+w.SQL()+` ORDER BY code`, w.Args()...)
	if err != nil {
		return fmt.Errorf("buildings: %w", err)
	}
	defer rows.Close()
	var r Row
	for rows.Next() {
		if err := scanRow(rows, &r); err != nil {
			return fmt.Errorf("buildings: %w", err)
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *Service) get(ctx context.Context, q store.Querier, id string) (Building, error) {
	b, _, err := scanBuilding(q.QueryRowContext(ctx, `SELECT `+buildingCols+` FROM housing_building WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Building{}, errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return Building{}, fmt.Errorf("building: %w", err)
	}
	return b, nil
}

// reveal opens or masks the owner's data for p.
func (s *Service) reveal(p *auth.Principal, b *Building) {
	o := Owner{Name: unseal(s.sealer, b.Owner.Name), Phone: unseal(s.sealer, b.Owner.Phone), IDNumber: unseal(s.sealer, b.Owner.IDNumber)}
	if SeesOwner(p, *b) {
		b.Owner, b.OwnerMasked = o, false
		return
	}
	b.Owner, b.OwnerMasked = Mask(o), true
}

// Get returns one building of a campaign in scope.
func (s *Service) Get(ctx context.Context, p *auth.Principal, campaignID, id string) (Building, error) {
	b, err := s.get(ctx, s.db.R(), id)
	if err != nil {
		return b, err
	}
	if b.CampaignID != campaignID {
		return Building{}, errs.New(errs.NotFound, "not_found")
	}
	if !InScope(p, b) {
		return Building{}, errs.OutOfScope("housing_building", id)
	}
	s.reveal(p, &b)
	return b, nil
}

// Event is a step taken in Yingji, with its report files.
type Event struct {
	ID         string              `json:"id"`
	BuildingID string              `json:"building_id"`
	Action     Action              `json:"action"`
	From       Stage               `json:"from"`
	To         Stage               `json:"to"`
	On         string              `json:"on"`
	Detail     map[string]any      `json:"detail,omitempty"`
	Note       string              `json:"note,omitempty"`
	ByUser     string              `json:"by_user"`
	ByName     string              `json:"by_name"`
	At         time.Time           `json:"at"`
	Files      []attach.Attachment `json:"files,omitempty"`
}

// Events returns a building's steps taken in Yingji, oldest first.
func (s *Service) Events(ctx context.Context, p *auth.Principal, b Building) ([]Event, error) {
	if !InScope(p, b) {
		return nil, errs.New(errs.NotFound, "not_found")
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, building_id, action, from_stage, to_stage, on_day, detail, note, by_user, by_name, at
		FROM housing_event WHERE building_id = $1 ORDER BY at, id`, b.ID)
	if err != nil {
		return nil, fmt.Errorf("building events: %w", err)
	}
	var out []Event
	for rows.Next() {
		var e Event
		var act, from, to, detail string
		if err := rows.Scan(&e.ID, &e.BuildingID, &act, &from, &to, &e.On, &detail, &e.Note, &e.ByUser, &e.ByName, &e.At); err != nil {
			rows.Close()
			return nil, fmt.Errorf("building events: %w", err)
		}
		e.Action, e.From, e.To = Action(act), Stage(from), Stage(to)
		if detail != "" {
			_ = json.Unmarshal([]byte(detail), &e.Detail)
		}
		out = append(out, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if s.attach != nil {
		for i := range out {
			files, err := s.attach.List(ctx, "housing_event", out[i].ID)
			if err != nil {
				return nil, err
			}
			out[i].Files = files
		}
	}
	return out, nil
}

// File returns a report file of a building's step, checking scope.
func (s *Service) File(ctx context.Context, p *auth.Principal, campaignID, buildingID, fileID string) (attach.Attachment, error) {
	b, err := s.Get(ctx, p, campaignID, buildingID)
	if err != nil {
		return attach.Attachment{}, err
	}
	f, err := s.attach.Get(ctx, fileID)
	if err != nil || f.OwnerEntity != "housing_event" {
		return attach.Attachment{}, errs.New(errs.NotFound, "not_found")
	}
	var n int
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*) FROM housing_event WHERE id = $1 AND building_id = $2`, f.OwnerID, b.ID).Scan(&n); err != nil {
		return attach.Attachment{}, err
	}
	if n == 0 {
		return attach.Attachment{}, errs.New(errs.NotFound, "not_found")
	}
	return f, nil
}

// Do takes a step on a building: the rules decide, the building's row,
// the counts and the event are written and audited in one transaction,
// with the report files of an appraisal.
func (s *Service) Do(ctx context.Context, p *auth.Principal, campaignID, id string, st Step, files []attach.Upload) (Building, error) {
	var out Building
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.CampaignID != campaignID {
			return errs.New(errs.NotFound, "not_found")
		}
		if !InScope(p, before) {
			return errs.OutOfScope("housing_building", id)
		}
		if !MayWrite(p, before) {
			return errs.New(errs.Forbidden, "housing.write_forbidden")
		}
		after, err := Apply(before, st, s.Today())
		if err != nil {
			return err
		}
		if len(files) > 0 && st.Action != ActAppraise {
			return errs.Field("file", "housing.file_only_appraisal", nil)
		}
		// An appraisal is recorded with its report (鉴定报告), whether from
		// the page or the API.
		if st.Action == ActAppraise && len(files) == 0 {
			return errs.FieldErrors{errs.Field("report", "housing.report_required", nil)}.Err()
		}
		now := s.now().UTC()
		_, err = tx.ExecContext(ctx, `UPDATE housing_building SET stage=$1, judged_on=$2, hazard=$3, assessed_on=$4, need_appraisal=$5,
			assessed_by=$6, appraised_on=$7, grade=$8, agency=$9, measure=$10, remediated_on=$11, closed_on=$12, updated_at=$13,
			hazard_level=$14, check_structure=$15, check_business=$16, check_legal=$17 WHERE id=$18`,
			string(after.Stage), after.JudgedOn, after.Hazard, after.AssessedOn, after.NeedAppraisal, after.AssessedBy, after.AppraisedOn,
			after.Grade, after.Agency, after.Measure, after.RemediatedOn, after.ClosedOn, now,
			after.HazardLevel, after.CheckStructure, after.CheckBusiness, after.CheckLegal, id)
		if err != nil {
			return fmt.Errorf("update building: %w", err)
		}
		t := newTally()
		t.step(before, after)
		if err := t.write(ctx, tx); err != nil {
			return err
		}
		detail := stepDetail(after, st.Action)
		db, _ := json.Marshal(detail)
		ev := ids.New()
		note := strings.TrimSpace(st.Note)
		if utf8.RuneCountInString(note) > 500 {
			return errs.Field("note", "housing.too_long", map[string]any{"Max": 500})
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO housing_event (id, building_id, action, from_stage, to_stage, on_day, detail, note, by_user, by_name, at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, ev, id, string(st.Action), string(before.Stage), string(after.Stage),
			stepDay(after, st.Action), string(db), note, p.UserID, p.DisplayName, now)
		if err != nil {
			return fmt.Errorf("insert building event: %w", err)
		}
		for _, f := range files {
			f.CountyCode, f.OwnerEntity, f.OwnerID, f.UploadedBy = p.CountyCode, "housing_event", ev, p.UserID
			a, err := s.attach.Save(ctx, tx, f)
			if err != nil {
				return err
			}
			if !attach.PhotoOrPDF(a.ContentType) {
				// A report (鉴定报告) or a photo, not whatever was at hand.
				return errs.Field("files", "housing.file_type", map[string]any{"Name": f.Filename})
			}
		}
		out = after
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "housing_building", EntityID: id, Action: "housing_" + string(st.Action),
			Before: map[string]any{"stage": before.Stage}, After: map[string]any{"stage": after.Stage, "step": detail, "note": note, "files": len(files)}})
	})
	if err != nil {
		return Building{}, err
	}
	s.reveal(p, &out)
	return out, nil
}

// stepDay is the day an action recorded on b.
func stepDay(b Building, a Action) string {
	switch a {
	case ActJudge:
		return b.JudgedOn
	case ActAssess:
		return b.AssessedOn
	case ActAppraise:
		return b.AppraisedOn
	case ActRemediate:
		return b.RemediatedOn
	case ActClose:
		return b.ClosedOn
	}
	return b.SurveyedOn
}

// stepDetail is what an action recorded, for the event and the audit.
func stepDetail(b Building, a Action) map[string]any {
	switch a {
	case ActJudge:
		return map[string]any{"hazard": b.Hazard, "hazard_level": b.HazardLevel, "check_structure": b.CheckStructure,
			"check_business": b.CheckBusiness, "check_legal": b.CheckLegal}
	case ActAssess:
		return map[string]any{"need_appraisal": b.NeedAppraisal, "assessed_by": b.AssessedBy}
	case ActAppraise:
		return map[string]any{"grade": b.Grade, "agency": b.Agency}
	case ActRemediate:
		return map[string]any{"measure": b.Measure}
	}
	return map[string]any{}
}

// Create records one surveyed building (with any later stages it has
// reached, checked by the rules).
func (s *Service) Create(ctx context.Context, p *auth.Principal, campaignID string, b Building) (Building, error) {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.campaign(ctx, tx, p, campaignID)
		if err != nil {
			return err
		}
		b.CampaignID, b.CountyCode = c.ID, p.CountyCode
		if err := Validate(&b, s.Today()); err != nil {
			return err
		}
		if !MayWrite(p, b) || !InScope(p, b) {
			return errs.New(errs.Forbidden, "housing.write_forbidden")
		}
		if err := s.checkRefs(ctx, tx, &b); err != nil {
			return err
		}
		after, _, err := Replay(b, StepsOf(b), s.Today())
		if err != nil {
			return err
		}
		b = after
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM housing_building WHERE campaign_id = $1 AND code = $2`, c.ID, b.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.Field("code", "housing.code_taken", map[string]any{"Code": b.Code})
		}
		now := s.now().UTC()
		idsOut, err := insertRecs(ctx, tx, p.CountyCode, s.sealer, now, []rec{recOf(b)}, nil)
		if store.IsUniqueViolation(err) {
			return errs.Field("code", "housing.code_taken", map[string]any{"Code": b.Code})
		}
		if err != nil {
			return fmt.Errorf("insert building: %w", err)
		}
		b.ID = idsOut[0]
		t := newTally()
		t.add(b, 1)
		if err := t.write(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "housing_building", EntityID: b.ID, Action: "create", After: auditView(b)})
	})
	if err != nil {
		return Building{}, err
	}
	s.reveal(p, &b)
	return b, nil
}

// auditView is what the audit log keeps of a new building: no personal
// data.
func auditView(b Building) map[string]any {
	return map[string]any{"code": b.Code, "campaign": b.CampaignID, "town": b.TownCode, "village": b.VillageCode, "urban": b.Urban, "stage": b.Stage}
}

// checkRefs checks that the town and village exist in the county.
func (s *Service) checkRefs(ctx context.Context, q store.Querier, b *Building) error {
	var fe errs.FieldErrors
	if level, err := org.LevelIn(ctx, q, b.TownCode, b.CountyCode); err != nil {
		return err
	} else if level != org.LevelTown {
		fe = append(fe, errs.Field("town_code", "housing.town_unknown", map[string]any{"Town": b.TownCode}))
	}
	if b.VillageCode != "" {
		if level, err := org.LevelIn(ctx, q, b.VillageCode, b.CountyCode); err != nil {
			return err
		} else if level != org.LevelVillage {
			fe = append(fe, errs.Field("village_code", "housing.village_unknown", nil))
		}
	}
	return fe.Err()
}
