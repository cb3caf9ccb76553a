package licence

import (
	"context"
	"sort"
	"strings"
	"unicode/utf8"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// Settings are a county's licensing settings (许可设置), kept in the
// setting table under the key "licence" as JSON.
type Settings struct {
	// IssuerAbbr is X1 of the numbers （X1）LS〔2022〕3号, e.g. 示.
	IssuerAbbr string `json:"issuer_abbr"`
	// IssuerName is the county bureau printed on licences and decisions.
	IssuerName string `json:"issuer_name"`
	// CityName is the city bureau that licenses petrol stations.
	CityName string `json:"city_name"`
	// Limits are the statutory limits in working days by type (for
	// petrol stations: the county's preliminary review).
	Limits map[string]int `json:"limits"`
	// Validity is the validity in years by type.
	Validity map[string]int `json:"validity"`
	// ExtraHolidays and ExtraWorkdays extend the built-in holiday table
	// (years not in it yet, local holidays).
	ExtraHolidays []string `json:"extra_holidays"`
	ExtraWorkdays []string `json:"extra_workdays"`
}

// settingKey is the setting row holding a county's licence settings.
const settingKey = "licence"

// DefaultSettings are the settings of a county that has not changed them:
// the first character of the county's name as the issuer abbreviation.
func DefaultSettings(countyName string) Settings {
	s := Settings{IssuerName: countyName + "应急管理局", CityName: "市应急管理局", Limits: map[string]int{}, Validity: map[string]int{}}
	if r, _ := utf8.DecodeRuneInString(countyName); r != utf8.RuneError {
		s.IssuerAbbr = string(r)
	}
	for _, t := range Types {
		s.Limits[t.Code], s.Validity[t.Code] = t.DefaultLimit, t.DefaultValidity
	}
	return s
}

// Limit returns the statutory limit of a type.
func (s Settings) Limit(typ string) int {
	if n := s.Limits[typ]; n > 0 {
		return n
	}
	t, _ := TypeOf(typ)
	return t.DefaultLimit
}

// Years returns the validity of a type in years.
func (s Settings) Years(typ string) int {
	if n := s.Validity[typ]; n > 0 {
		return n
	}
	t, _ := TypeOf(typ)
	return t.DefaultValidity
}

// Calendar returns the working-day calendar with the county's additions.
func (s Settings) Calendar() Calendar { return NewCalendar(s.ExtraHolidays, s.ExtraWorkdays) }

// SplitDates splits dates typed in a text area (spaces, commas, 、 or
// new lines between them).
func SplitDates(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

// ValidateSettings checks and normalises settings.
func ValidateSettings(s *Settings) error {
	var fe errs.FieldErrors
	s.IssuerAbbr, s.IssuerName, s.CityName = strings.TrimSpace(s.IssuerAbbr), strings.TrimSpace(s.IssuerName), strings.TrimSpace(s.CityName)
	if n := utf8.RuneCountInString(s.IssuerAbbr); n == 0 || n > 4 {
		fe = append(fe, errs.Field("issuer_abbr", "licence.settings.abbr_invalid", nil))
	}
	if s.IssuerName == "" {
		fe = append(fe, errs.Field("issuer_name", "field.required", nil))
	}
	if s.CityName == "" {
		fe = append(fe, errs.Field("city_name", "field.required", nil))
	}
	for _, t := range Types {
		if n := s.Limits[t.Code]; n < 1 || n > 90 {
			fe = append(fe, errs.Field("limit_"+t.Code, "licence.settings.limit_invalid", nil))
		}
		if n := s.Validity[t.Code]; n < 1 || n > 10 {
			fe = append(fe, errs.Field("validity_"+t.Code, "licence.settings.validity_invalid", nil))
		}
	}
	for _, list := range []struct {
		field string
		v     *[]string
	}{{"extra_holidays", &s.ExtraHolidays}, {"extra_workdays", &s.ExtraWorkdays}} {
		var out []string
		for _, d := range *list.v {
			n, err := NormalizeDay(d)
			if err != nil {
				fe = append(fe, errs.Field(list.field, "licence.settings.date_invalid", map[string]any{"Date": d}))
				break
			}
			out = append(out, n)
		}
		sort.Strings(out)
		*list.v = compact(out)
	}
	return fe.Err()
}

func compact(list []string) []string {
	var out []string
	for i, x := range list {
		if i == 0 || x != list[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// Settings returns a county's licence settings (the defaults when it has
// not saved any).
func (s *Service) Settings(ctx context.Context, county string) (Settings, error) {
	return s.settings(ctx, s.db.R(), county)
}

func (s *Service) settings(ctx context.Context, q store.Querier, county string) (Settings, error) {
	set := DefaultSettings(s.countyName)
	found, err := store.ReadSetting(ctx, q, county, settingKey, &set)
	if err != nil || !found {
		return set, err
	}
	for _, t := range Types {
		if set.Limits[t.Code] == 0 {
			set.Limits[t.Code] = t.DefaultLimit
		}
		if set.Validity[t.Code] == 0 {
			set.Validity[t.Code] = t.DefaultValidity
		}
	}
	return set, nil
}

// SaveSettings stores a county's licence settings (administrators).
func (s *Service) SaveSettings(ctx context.Context, p *auth.Principal, in Settings) (Settings, error) {
	if !p.Is(auth.RoleAdmin) {
		return in, errs.New(errs.Forbidden, "forbidden")
	}
	if err := ValidateSettings(&in); err != nil {
		return in, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		before, err := s.settings(ctx, tx, p.CountyCode)
		if err != nil {
			return err
		}
		now := s.now().UTC()
		if err := store.WriteSetting(ctx, tx, p.CountyCode, settingKey, in, now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, p.Actor(), audit.Entry{Entity: "setting", EntityID: settingKey, Action: "update", Before: before, After: in})
	})
	return in, err
}
