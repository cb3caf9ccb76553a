package supervise

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
)

// Setting keys (table setting, one row per county and key).
const (
	// RulesKey holds the county's hazard.CardRules as JSON (owned by
	// package hazard: hazard.ReadCardRules is the one source of the rules).
	RulesKey = hazard.CardRulesKey
	// SupervisionKey holds the issuer and number prefixes of letters and
	// listings (Settings without the rules).
	SupervisionKey = "hazard.supervision"
	// sweepKey holds the sweep's marker (sweepMarker).
	sweepKey = "hazard.card_sweep"
)

// Settings are a county's card rules and the names printed on its
// supervision documents.
type Settings struct {
	Rules hazard.CardRules `json:"-"`
	// Issuer is the body letters are issued in the name of, e.g.
	// 示例县人民政府安全生产委员会办公室 (县安委办).
	Issuer string `json:"issuer"`
	// LetterPrefix numbers letters: 示安委办督〔2022〕1号.
	LetterPrefix string `json:"letter_prefix"`
	// ListingPrefix numbers county-level listing notices: 示安委办挂〔2022〕1号.
	ListingPrefix string `json:"listing_prefix"`
	// ListWithin is the period, in working days after its grading, within
	// which a major hazard is listed (挂牌督办); VerifyWithin the period,
	// in working days after the rectification report, within which it is
	// verified (复查). See hazard.Clocks for the defaults.
	ListWithin   int `json:"list_within"`
	VerifyWithin int `json:"verify_within"`
	// ListedApprover is the role that approves the extension requests of
	// listed major hazards (挂牌督办): the body that listed them, the
	// bureau's leaders (局领导) unless the county chose otherwise.
	ListedApprover auth.Role `json:"listed_approver,omitempty"`
}

// ListedApprovers are the roles a county may choose as the approver of a
// listed hazard's extension requests.
var ListedApprovers = []auth.Role{auth.RoleLeader, auth.RoleSection, auth.RoleAdmin}

// DefaultSettings are the settings of a county that saved none.
func DefaultSettings(countyName string) Settings {
	abbr := ""
	if r, _ := utf8.DecodeRuneInString(countyName); r != utf8.RuneError {
		abbr = string(r)
	}
	c := hazard.DefaultClocks()
	return Settings{Rules: hazard.DefaultCardRules(), Issuer: countyName + "人民政府安全生产委员会办公室",
		LetterPrefix: abbr + "安委办督", ListingPrefix: abbr + "安委办挂", ListWithin: c.ListWithin, VerifyWithin: c.VerifyWithin,
		ListedApprover: auth.RoleLeader}
}

// countyName is the county's name from the region table (the configured
// name when the county has no region row).
func (s *Service) countyName(ctx context.Context, q store.Querier, county string) (string, error) {
	name, err := org.NameIn(ctx, q, county)
	if err == nil && name == "" {
		return s.cfg.CountyName, nil
	}
	if err != nil {
		return "", fmt.Errorf("county name: %w", err)
	}
	return name, nil
}

// Settings returns a county's settings (defaults where none are saved).
func (s *Service) Settings(ctx context.Context, county string) (Settings, error) {
	return s.settings(ctx, s.cfg.DB.R(), county)
}

// Rules returns a county's card rules (hazard.ReadCardRules: the one
// source the hazard pages, the API and the export read too).
func (s *Service) Rules(ctx context.Context, county string) (hazard.CardRules, error) {
	return hazard.ReadCardRules(ctx, s.cfg.DB.R(), county)
}

func readSetting(ctx context.Context, q store.Querier, county, key string, v any) error {
	_, err := store.ReadSetting(ctx, q, county, key, v)
	return err
}

func (s *Service) settings(ctx context.Context, q store.Querier, county string) (Settings, error) {
	name, err := s.countyName(ctx, q, county)
	if err != nil {
		return Settings{}, err
	}
	set := DefaultSettings(name)
	if set.Rules, err = hazard.ReadCardRules(ctx, q, county); err != nil {
		return set, err
	}
	def := DefaultSettings(name)
	if err := readSetting(ctx, q, county, SupervisionKey, &set); err != nil {
		return set, err
	}
	if set.Issuer == "" {
		set.Issuer = def.Issuer
	}
	if set.LetterPrefix == "" {
		set.LetterPrefix = def.LetterPrefix
	}
	if set.ListingPrefix == "" {
		set.ListingPrefix = def.ListingPrefix
	}
	if set.ListWithin <= 0 {
		set.ListWithin = def.ListWithin
	}
	if set.VerifyWithin <= 0 {
		set.VerifyWithin = def.VerifyWithin
	}
	if set.ListedApprover == "" {
		set.ListedApprover = def.ListedApprover
	}
	return set, nil
}

// ValidateSettings checks and trims settings.
func ValidateSettings(set *Settings) error {
	set.Issuer, set.LetterPrefix, set.ListingPrefix = strings.TrimSpace(set.Issuer), strings.TrimSpace(set.LetterPrefix), strings.TrimSpace(set.ListingPrefix)
	var fe errs.FieldErrors
	if err := ValidateRules(set.Rules); err != nil {
		fe = append(fe, errs.Fields(err)...)
	}
	if set.Issuer == "" {
		fe = append(fe, errs.Field("issuer", "field.required", nil))
	}
	if set.ListedApprover == "" {
		set.ListedApprover = auth.RoleLeader
	}
	if !slices.Contains(ListedApprovers, set.ListedApprover) {
		fe = append(fe, errs.Field("listed_approver", "field.invalid", nil))
	}
	for _, p := range []struct{ field, v string }{{"letter_prefix", set.LetterPrefix}, {"listing_prefix", set.ListingPrefix}} {
		if n := utf8.RuneCountInString(p.v); n == 0 || n > 12 || strings.ContainsAny(p.v, "〔〕[]") {
			fe = append(fe, errs.Field(p.field, "supervise.settings.prefix_invalid", nil))
		}
	}
	for _, p := range []struct {
		field string
		v     int
	}{{"list_within", set.ListWithin}, {"verify_within", set.VerifyWithin}} {
		if p.v < 1 || p.v > 60 {
			fe = append(fe, errs.Field(p.field, "supervise.settings.working_days_invalid", nil))
		}
	}
	return fe.Err()
}

// Clocks are a county's time limits of the bureau's steps (挂牌督办 and
// 复查), in working days of cal.
func (s *Service) Clocks(ctx context.Context, county string, cal calendar.Calendar) (hazard.Clocks, error) {
	set, err := s.Settings(ctx, county)
	return hazard.Clocks{ListWithin: set.ListWithin, VerifyWithin: set.VerifyWithin, Calendar: cal}, err
}

// SaveSettings stores a county's settings (administrators). New rules
// take effect at the next sweep, which then recomputes every open
// hazard's yellow day.
func (s *Service) SaveSettings(ctx context.Context, p *auth.Principal, in Settings) (Settings, error) {
	if !p.Is(auth.RoleAdmin) {
		return in, errs.New(errs.Forbidden, "forbidden")
	}
	if err := ValidateSettings(&in); err != nil {
		return in, err
	}
	err := s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if err := hazard.WriteCardRulesTx(ctx, tx, p.CountyCode, in.Rules, now); err != nil {
			return err
		}
		if err := store.WriteSetting(ctx, tx, p.CountyCode, SupervisionKey, in, now); err != nil {
			return err
		}
		type view struct {
			Rules hazard.CardRules
			Settings
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "setting", EntityID: RulesKey, Action: "update",
			Before: view{before.Rules, before}, After: view{in.Rules, in}})
	})
	return in, err
}
