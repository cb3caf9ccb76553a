package enforcement

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// Basis is a legal basis of a penalty with the cap of its fine.
type Basis struct {
	Code   string `json:"code"`
	Label  string `json:"label"`
	CapFen int64  `json:"cap_fen"` // the highest fine it allows, in 分
}

// Settings are a county's enforcement settings (setting "enforcement").
type Settings struct {
	// Abbr is the county abbreviation of the numbers （示）应急检记〔2022〕5号.
	Abbr string `json:"abbr"`
	// Issuer is the bureau printed on documents.
	Issuer string  `json:"issuer"`
	Bases  []Basis `json:"bases"`
}

const settingKey = "enforcement"

// DefaultBases are the legal bases a county starts with.
var DefaultBases = []Basis{
	{"aqsc_97", "《安全生产法》第九十七条（未按规定培训、未如实记录教育培训情况等）", 10_000_000},
	{"aqsc_99", "《安全生产法》第九十九条（安全设备不符合标准等）", 20_000_000},
	{"aqsc_102", "《安全生产法》第一百零二条（未采取措施消除事故隐患）", 10_000_000},
	{"aqsc_101", "《安全生产法》第一百零一条（重大危险源未登记建档等）", 10_000_000},
	{"penalty_45", "《安全生产违法行为行政处罚办法》第四十五条（违规值班值守等）", 3_000_000},
	{"yjtl_33", "《生产安全事故应急条例》第三十三条（未建立应急值班制度等）", 5_000_000},
}

// DefaultSettings are the settings of a county that has not changed them.
func DefaultSettings(countyName string) Settings {
	s := Settings{Issuer: countyName + "应急管理局", Bases: append([]Basis(nil), DefaultBases...)}
	if r, _ := utf8.DecodeRuneInString(countyName); r != utf8.RuneError {
		s.Abbr = string(r)
	}
	return s
}

// BasisOf returns a legal basis by code or label.
func (s Settings) BasisOf(code string) (Basis, bool) {
	for _, b := range s.Bases {
		if b.Code == code || b.Label == code {
			return b, true
		}
	}
	return Basis{}, false
}

// Settings returns a county's settings.
func (s *Service) Settings(ctx context.Context, county string) (Settings, error) {
	return s.settings(ctx, s.db.R(), county)
}

func (s *Service) settings(ctx context.Context, q store.Querier, county string) (Settings, error) {
	set := DefaultSettings(s.countyName)
	if _, err := store.ReadSetting(ctx, q, county, settingKey, &set); err != nil {
		return set, fmt.Errorf("enforcement settings: %w", err)
	}
	return set, nil
}

// SaveSettings stores a county's settings (administrators).
func (s *Service) SaveSettings(ctx context.Context, p *auth.Principal, in Settings) (Settings, error) {
	if !p.Is(auth.RoleAdmin) {
		return in, errs.New(errs.Forbidden, "forbidden")
	}
	in.Abbr, in.Issuer = strings.TrimSpace(in.Abbr), strings.TrimSpace(in.Issuer)
	var fe errs.FieldErrors
	if n := utf8.RuneCountInString(in.Abbr); n == 0 || n > 4 {
		fe = append(fe, errs.Field("abbr", "enforcement.settings.abbr_invalid", nil))
	}
	if in.Issuer == "" {
		fe = append(fe, errs.Field("issuer", "field.required", nil))
	}
	seen := map[string]bool{}
	for _, b := range in.Bases {
		if strings.TrimSpace(b.Code) == "" || strings.TrimSpace(b.Label) == "" || b.CapFen < 0 || seen[b.Code] {
			fe = append(fe, errs.Field("bases", "enforcement.settings.basis_invalid", map[string]any{"Code": b.Code}))
			break
		}
		seen[b.Code] = true
	}
	if len(fe) > 0 {
		return in, fe.Err()
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if err := store.WriteSetting(ctx, tx, p.CountyCode, settingKey, in, now); err != nil {
			return fmt.Errorf("save enforcement settings: %w", err)
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "setting", EntityID: settingKey, Action: "update", Before: before, After: in})
	})
	return in, err
}
