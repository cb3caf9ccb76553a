package certificate

import (
	"strings"
	"testing"

	"yingji/internal/kit/errs"
)

func TestDeadlineIsThreeCalendarMonths(t *testing.T) {
	for _, c := range []struct{ warned, want string }{
		{"2022-06-10", "2022-09-10"}, // the source report's survey
		{"2022-11-30", "2023-02-28"}, // no 30 February: the month's last day
		{"2023-11-30", "2024-02-29"}, // leap year
		{"2022-01-31", "2022-04-30"},
		{"2022-12-31", "2023-03-31"},
		{"2022-08-31", "2022-11-30"},
		{"2022-03-01", "2022-06-01"},
	} {
		if got := Deadline(MustDate(c.warned)); got.String() != c.want {
			t.Errorf("Deadline(%s) = %s, want %s", c.warned, got, c.want)
		}
	}
}

func TestDefaultDates(t *testing.T) {
	for _, c := range []struct{ kind, issued, expiry, review string }{
		// The end date is the last valid day (as for licences).
		{KindCompetence, "2019-06-10", "2022-06-09", ""},
		{KindSpecial, "2019-06-10", "2025-06-09", "2022-06-09"},
		{KindCompetence, "2022-03-01", "2025-02-28", ""},
		{KindCompetence, "2020-02-29", "2023-02-27", ""},
		{KindSpecial, "2020-02-29", "2026-02-27", "2023-02-27"},
	} {
		d := MustDate(c.issued)
		if got := DefaultExpiry(c.kind, d).String(); got != c.expiry {
			t.Errorf("DefaultExpiry(%s, %s) = %s, want %s", c.kind, c.issued, got, c.expiry)
		}
		if got := DefaultReviewDue(c.kind, d).String(); got != c.review {
			t.Errorf("DefaultReviewDue(%s, %s) = %q, want %q", c.kind, c.issued, got, c.review)
		}
	}
	if got := ValidUntil(MustDate("2025-06-10"), MustDate("2022-06-10")); got.String() != "2022-06-10" {
		t.Errorf("ValidUntil = %s, want the review date", got)
	}
	if got := ValidUntil(MustDate("2025-06-10"), Date{}); got.String() != "2025-06-10" {
		t.Errorf("ValidUntil without review = %s", got)
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{"2022-06-10": "2022-06-10", "2022/6/9": "2022-06-09", "2022年6月9日": "2022-06-09", "20220609": "2022-06-09", " ": ""} {
		d, err := ParseDate(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseDate(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"2022-13-01", "yesterday", "2022-06-10 10:30"} {
		if _, err := ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) accepted", in)
		}
	}
	if n := MustDate("2022-06-10").DaysUntil(MustDate("2022-09-08")); n != 90 {
		t.Errorf("DaysUntil = %d, want 90", n)
	}
}

func TestCheckID(t *testing.T) {
	today := MustDate("2022-06-10")
	if reason, ok := CheckID("11010519491231002X", today); !ok {
		t.Errorf("the GB 11643 example was rejected: %s", reason)
	}
	bad := map[string]string{
		"110105194912310021":  "校验位错误：第 18 位应为「X」",
		"11010519491231002":   "18 位",
		"1101051949123100AX":  "前 17 位应为数字",
		"110105194902301231":  "出生日期",
		"110105203001010011":  "出生日期", // born in the future
		"11010519491231002XX": "18 位",
	}
	for id, want := range bad {
		if reason, ok := CheckID(id, today); ok || !strings.Contains(reason, want) {
			t.Errorf("CheckID(%s): ok=%v reason=%q, want %q", id, ok, reason, want)
		}
	}
}

func TestStatusOf(t *testing.T) {
	today := MustDate("2022-06-10")
	c := func(until string) Certificate { return Certificate{ValidUntil: MustDate(until)} }
	for _, x := range []struct {
		c    Certificate
		want string
	}{
		{c("2022-06-09"), StatusExpired},
		{c("2022-06-10"), StatusExpiring}, // the last valid day
		{c("2022-09-08"), StatusExpiring}, // 90 days
		{c("2022-09-09"), StatusValid},
		{Certificate{ValidUntil: MustDate("2025-01-01"), Revoked: true, RevokedOn: MustDate("2022-06-01")}, StatusRevoked},
	} {
		if got := StatusOf(x.c, today); got != x.want {
			t.Errorf("StatusOf(until %s, revoked %v) = %s, want %s", x.c.ValidUntil, x.c.Revoked, got, x.want)
		}
	}
}

func TestThreshold(t *testing.T) {
	for days, want := range map[int]int{91: 0, 90: 90, 61: 90, 60: 60, 31: 60, 30: 30, 1: 30, 0: 30, -1: 0} {
		got, ok := Threshold(days)
		if got != want || ok != (want != 0) {
			t.Errorf("Threshold(%d) = %d, %v; want %d", days, got, ok, want)
		}
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	for _, fe := range errs.Fields(err) {
		out[fe.Field] = fe.Message
	}
	return out
}

func TestValidate(t *testing.T) {
	today := MustDate("2022-06-10")
	ok := Certificate{EnterpriseID: "e1", PersonName: " 张三 ", IDNumber: "11010519491231002x", PersonRole: RolePrincipal,
		Kind: KindCompetence, Category: "smelting", Number: " A1 ", IssuedOn: MustDate("2021-03-01")}
	c := ok
	if err := Validate(&c, today); err != nil {
		t.Fatalf("valid certificate rejected: %v", err)
	}
	if c.PersonName != "张三" || c.IDNumber != "11010519491231002X" || c.ExpiresOn.String() != "2024-02-29" || c.ValidUntil.String() != "2024-02-29" || !c.ReviewDueOn.IsZero() {
		t.Errorf("defaults not filled: %+v", c)
	}
	sp := ok
	sp.Kind, sp.PersonRole, sp.Category = KindSpecial, RoleOperator, "welding"
	if err := Validate(&sp, today); err != nil || sp.ReviewDueOn.String() != "2024-02-29" || sp.ExpiresOn.String() != "2027-02-28" || sp.ValidUntil.String() != "2024-02-29" {
		t.Errorf("special defaults: %+v %v", sp, err)
	}
	for name, x := range map[string]struct {
		mod   func(*Certificate)
		field string
		msg   string
	}{
		"role and kind":       {func(c *Certificate) { c.PersonRole = RoleOperator }, "person_role", "certificate.role_kind_mismatch"},
		"category of kind":    {func(c *Certificate) { c.Category = "welding" }, "category", "certificate.category_invalid"},
		"unknown type":        {func(c *Certificate) { c.Kind = "driving_licence" }, "kind", "certificate.kind_invalid"},
		"expiry before issue": {func(c *Certificate) { c.ExpiresOn = MustDate("2021-01-01") }, "expires_on", "certificate.expiry_before_issue"},
		"longer than 3 years": {func(c *Certificate) { c.ExpiresOn = MustDate("2024-03-01") }, "expires_on", "certificate.validity_too_long"},
		"special over 6 years": {func(c *Certificate) {
			c.Kind, c.PersonRole, c.Category, c.ExpiresOn = KindSpecial, RoleOperator, "welding", MustDate("2027-03-01")
		}, "expires_on", "certificate.validity_too_long"},
		"issued in future": {func(c *Certificate) { c.IssuedOn = MustDate("2022-06-11") }, "issued_on", "certificate.issued_future"},
		"bad id":           {func(c *Certificate) { c.IDNumber = "110105194912310021" }, "id_number", "certificate.id_invalid"},
		"no number":        {func(c *Certificate) { c.Number = "" }, "number", "field.required"},
		"no enterprise":    {func(c *Certificate) { c.EnterpriseID = "" }, "enterprise_id", "field.required"},
	} {
		c := ok
		x.mod(&c)
		if got := fields(Validate(&c, today)); got[x.field] != x.msg {
			t.Errorf("%s: field errors %v, want %s=%s", name, got, x.field, x.msg)
		}
	}
}

func TestApplyRenewal(t *testing.T) {
	today := MustDate("2022-06-10")
	comp := Certificate{ID: "c1", Kind: KindCompetence, Number: "A1", IssuedOn: MustDate("2019-06-01"), ExpiresOn: MustDate("2022-06-01"), ValidUntil: MustDate("2022-06-01")}
	after, r, err := ApplyRenewal(comp, RenewInput{Kind: RenewRenew, DoneOn: MustDate("2022-06-08"), Number: "A2"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if after.Number != "A2" || after.IssuedOn.String() != "2022-06-08" || after.ExpiresOn.String() != "2025-06-07" || after.ValidUntil.String() != "2025-06-07" {
		t.Errorf("renewed: %+v", after)
	}
	if r.OldNumber != "A1" || r.OldExpiresOn.String() != "2022-06-01" || r.NewExpiresOn.String() != "2025-06-07" {
		t.Errorf("renewal record: %+v", r)
	}
	if _, _, err := ApplyRenewal(comp, RenewInput{Kind: RenewReview, DoneOn: MustDate("2022-06-08")}, today); fields(err)["kind"] != "certificate.review_special_only" {
		t.Errorf("review of a competence certificate: %v", err)
	}
	if _, _, err := ApplyRenewal(comp, RenewInput{Kind: RenewRenew, DoneOn: MustDate("2022-06-11")}, today); fields(err)["done_on"] != "certificate.done_future" {
		t.Errorf("renewal in the future: %v", err)
	}
	if _, _, err := ApplyRenewal(comp, RenewInput{Kind: RenewRenew, DoneOn: MustDate("2022-06-08"), IssuedOn: MustDate("2022-06-08"), ExpiresOn: MustDate("2022-01-01")}, today); fields(err)["expires_on"] != "certificate.expiry_before_issue" {
		t.Errorf("renewal expiring before issue: %v", err)
	}
	rev := comp
	rev.Revoked = true
	if _, _, err := ApplyRenewal(rev, RenewInput{Kind: RenewRenew, DoneOn: MustDate("2022-06-08")}, today); !errs.Is(err, errs.Conflict) {
		t.Errorf("renewal of a revoked certificate: %v", err)
	}

	// A special-operation certificate: the 复审 at three years; the next
	// one would fall on the expiry, so none is due before it.
	sp := Certificate{ID: "s1", Kind: KindSpecial, Number: "T1", IssuedOn: MustDate("2019-06-20"), ExpiresOn: MustDate("2025-06-20"),
		ReviewDueOn: MustDate("2022-06-20"), ValidUntil: MustDate("2022-06-20")}
	after, r, err = ApplyRenewal(sp, RenewInput{Kind: RenewReview, DoneOn: MustDate("2022-06-01")}, today)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ReviewDueOn.IsZero() || after.ValidUntil.String() != "2025-06-20" || after.IssuedOn != sp.IssuedOn || r.OldReviewDueOn.String() != "2022-06-20" {
		t.Errorf("reviewed: %+v / %+v", after, r)
	}
	after, _, err = ApplyRenewal(sp, RenewInput{Kind: RenewReview, DoneOn: MustDate("2022-06-01"), ReviewDueOn: MustDate("2026-01-01")}, today)
	if fields(err)["review_due_on"] != "certificate.review_out_of_range" {
		t.Errorf("next review after expiry accepted: %+v %v", after, err)
	}
}

func TestAssess(t *testing.T) {
	p := func(from, until string) Period { return Period{From: MustDate(from), Until: MustDate(until)} }
	lapsed := Held{ID: "a", PersonRole: RolePrincipal, PersonName: "甲", Verified: true, Periods: []Period{p("2018-05-01", "2021-05-01")}}
	// Renewed late: a gap from 2022-03-01 to 2022-08-15.
	renewed := Held{ID: "b", PersonRole: RoleSafety, PersonName: "乙", Verified: true,
		Periods: []Period{p("2022-08-15", "2025-08-15"), p("2019-03-01", "2022-03-01")}}
	pending := Held{ID: "c", PersonRole: RolePrincipal, PersonName: "丙", Periods: []Period{p("2022-05-01", "2025-05-01")}}
	revoked := Held{ID: "d", PersonRole: RoleSafety, PersonName: "丁", Verified: true, Revoked: true, RevokedOn: MustDate("2022-04-01"),
		Periods: []Period{p("2021-01-01", "2024-01-01")}}
	for _, x := range []struct {
		name string
		held []Held
		role string
		day  string
		want Gap
	}{
		{"nothing", nil, RolePrincipal, "2022-06-10", Gap{Missing: true, Reason: GapNone}},
		{"lapsed", []Held{lapsed}, RolePrincipal, "2022-06-10", Gap{Missing: true, Reason: GapExpired, Since: MustDate("2021-05-01"), Name: "甲"}},
		{"valid then", []Held{lapsed}, RolePrincipal, "2021-05-01", Gap{Name: "甲"}},
		{"other role", []Held{lapsed}, RoleSafety, "2020-01-01", Gap{Missing: true, Reason: GapNone}},
		{"in the gap", []Held{renewed}, RoleSafety, "2022-06-10", Gap{Missing: true, Reason: GapExpired, Since: MustDate("2022-03-01"), Name: "乙"}},
		{"renewed", []Held{renewed}, RoleSafety, "2022-09-01", Gap{Name: "乙"}},
		{"before first issue", []Held{renewed}, RoleSafety, "2019-01-01", Gap{Missing: true, Reason: GapNone}},
		{"not checked", []Held{pending}, RolePrincipal, "2022-06-10", Gap{Missing: true, Reason: GapUnverified, Name: "丙"}},
		{"checked one wins", []Held{pending, {ID: "e", PersonRole: RolePrincipal, PersonName: "戊", Verified: true, Periods: []Period{p("2022-01-01", "2025-01-01")}}}, RolePrincipal, "2022-06-10", Gap{Name: "戊"}},
		{"revoked", []Held{revoked}, RoleSafety, "2022-06-10", Gap{Missing: true, Reason: GapRevoked, Since: MustDate("2022-04-01"), Name: "丁"}},
		{"before revocation", []Held{revoked}, RoleSafety, "2022-03-31", Gap{Name: "丁"}},
	} {
		if got := Assess(x.held, x.role, MustDate(x.day)); got != x.want {
			t.Errorf("%s: Assess = %+v, want %+v", x.name, got, x.want)
		}
	}
}

func TestWarningState(t *testing.T) {
	w := Warning{WarnedOn: MustDate("2022-06-10"), Deadline: Deadline(MustDate("2022-06-10"))}
	for day, want := range map[string]string{"2022-06-10": WarningOpen, "2022-09-10": WarningOpen, "2022-09-11": WarningOverdue} {
		if got := w.StateOn(MustDate(day)); got != want {
			t.Errorf("open warning on %s: %s, want %s", day, got, want)
		}
	}
	w.ClearedOn = MustDate("2022-08-01")
	for day, want := range map[string]string{"2022-07-31": WarningOpen, "2022-08-01": WarningCleared, "2023-01-01": WarningCleared} {
		if got := w.StateOn(MustDate(day)); got != want {
			t.Errorf("cleared warning on %s: %s, want %s", day, got, want)
		}
	}
}

func TestInSurvey(t *testing.T) {
	for _, x := range []struct {
		sector, scale string
		want          bool
	}{
		{"machinery", "above", true}, {"machinery", "below", false}, {"mine", "below", true}, {"chem_trade", "below", true},
		{"fireworks_wholesale", "below", true}, {"metallurgy", "below", true},
		// 安全生产法 §27: units dealing in dangerous goods, whatever their size.
		{"fireworks_retail", "below", true}, {"petrol", "below", true}, {"petrol", "above", true},
	} {
		if got := InSurvey(x.sector, x.scale); got != x.want {
			t.Errorf("InSurvey(%s, %s) = %v", x.sector, x.scale, got)
		}
	}
}

// The validity limit names the years and the last day allowed; the last
// allowed day itself is accepted and is the last valid day (status
// expiring, not expired, on it; expired the day after).
func TestValidityLimitAndLastDay(t *testing.T) {
	today := MustDate("2022-06-10")
	c := Certificate{EnterpriseID: "e1", PersonName: "张三", IDNumber: "11010519491231002X", PersonRole: RolePrincipal,
		Kind: KindCompetence, Category: "smelting", Number: "A1", IssuedOn: MustDate("2022-03-01"), ExpiresOn: MustDate("2025-03-01")}
	err := Validate(&c, today)
	fe := errs.Fields(err)
	if len(fe) != 1 || fe[0].Message != "certificate.validity_too_long" || fe[0].Args["Years"] != 3 || fe[0].Args["Max"] != "2025-02-28" {
		t.Fatalf("3 years and a day: %v", err)
	}
	c.ExpiresOn = MustDate("2025-02-28")
	if err := Validate(&c, today); err != nil {
		t.Fatalf("3 years to the last day: %v", err)
	}
	if got := StatusOf(c, MustDate("2025-02-28")); got != StatusExpiring {
		t.Errorf("on the last valid day: %s", got)
	}
	if got := StatusOf(c, MustDate("2025-03-01")); got != StatusExpired {
		t.Errorf("the day after the last valid day: %s", got)
	}
	// A renewal is held to the same limit.
	if _, _, err := ApplyRenewal(c, RenewInput{Kind: RenewRenew, DoneOn: MustDate("2022-06-01"), ExpiresOn: MustDate("2025-06-01")}, today); fields(err)["expires_on"] != "certificate.validity_too_long" {
		t.Errorf("renewal over 3 years: %v", err)
	}
}
