package licence

import (
	"slices"
	"testing"
	"time"

	"yingji/internal/kit/errs"
)

func d(s string) time.Time {
	t, err := ParseDay(s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestLevelAndTimer(t *testing.T) {
	for _, c := range []struct {
		used, limit int
		want        string
	}{{0, 20, TimerGreen}, {15, 20, TimerGreen}, {16, 20, TimerYellow}, {20, 20, TimerYellow}, {21, 20, TimerRed}, {24, 30, TimerYellow}} {
		if got := Level(c.used, c.limit); got != c.want {
			t.Errorf("Level(%d, %d) = %s, want %s", c.used, c.limit, got, c.want)
		}
	}
	cal := NewCalendar(nil, nil)
	a := Application{Type: TypeFireworksRetail, State: StateUnderReview, AcceptedOn: "2022-03-01", LimitDays: 20}
	tm, ok := TimerOf(a, cal, d("2022-03-25"))
	if !ok || tm.Used != 18 || tm.Deadline != "2022-03-29" || tm.Level != TimerYellow || tm.Stopped {
		t.Fatalf("running timer: %+v", tm)
	}
	a.DecidedOn = "2022-03-31"
	tm, _ = TimerOf(a, cal, d("2022-06-01"))
	if !tm.Stopped || tm.Used != 22 || !tm.Overdue || tm.Level != TimerRed {
		t.Fatalf("stopped late timer: %+v", tm)
	}
	p := Application{Type: TypePetrolStation, State: StateForwarded, AcceptedOn: "2022-03-01", LimitDays: 20, PrelimOn: "2022-03-08"}
	if tm, _ := TimerOf(p, cal, d("2022-06-01")); tm.Used != 5 || !tm.Stopped {
		t.Fatalf("petrol timer stops at 初审: %+v", tm)
	}
	if _, ok := TimerOf(Application{Type: TypeFireworksRetail, State: StateSubmitted}, cal, d("2022-06-01")); ok {
		t.Fatal("a timer before acceptance")
	}
}

func fieldsOf(err error) []string {
	var out []string
	for _, f := range errs.Fields(err) {
		out = append(out, f.Field)
	}
	return out
}

func TestApply(t *testing.T) {
	cal := NewCalendar(nil, nil)
	today := d("2022-06-30")
	fw := func(state string) Application {
		return Application{Type: TypeFireworksRetail, State: state, SubmittedOn: "2022-03-01", AcceptedOn: "2022-03-01", LimitDays: 20,
			ReviewOn: "2022-03-02"}
	}
	petrol := func(state string) Application {
		return Application{Type: TypePetrolStation, State: state, SubmittedOn: "2022-03-01", AcceptedOn: "2022-03-01", LimitDays: 20}
	}
	cases := []struct {
		name      string
		app       Application
		act       Action
		wantState string
		wantMsg   string   // the rule's message ID (kind Conflict)
		wantField []string // field errors
	}{
		{"accept", Application{Type: TypeFireworksRetail, State: StateSubmitted, SubmittedOn: "2022-03-01"}, Action{Name: ActAccept, Date: "2022-03-01", Limit: 20}, StateAccepted, "", nil},
		{"not accepted needs a reason", Application{Type: TypeFireworksRetail, State: StateSubmitted, SubmittedOn: "2022-03-01"}, Action{Name: ActNotAccept, Date: "2022-03-02"}, "", "", []string{"reason"}},
		{"not accepted", Application{Type: TypeFireworksRetail, State: StateSubmitted, SubmittedOn: "2022-03-01"}, Action{Name: ActNotAccept, Date: "2022-03-02", Reason: "不符合布点规划"}, StateNotAccepted, "", nil},
		{"review before acceptance", Application{Type: TypeFireworksRetail, State: StateSubmitted, SubmittedOn: "2022-03-01"}, Action{Name: ActReview, Date: "2022-03-02"}, "", "licence.rule.review", nil},
		{"review", fw(StateAccepted), Action{Name: ActReview, Date: "2022-03-02"}, StateUnderReview, "", nil},
		{"decide in time", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-29", Decision: DecisionGranted}, StateGranted, "", nil},
		{"decide late without reason", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-30", Decision: DecisionGranted}, "", "", []string{"overdue_reason"}},
		{"decide late with reason", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-30", Decision: DecisionGranted, OverdueReason: "现场核查因疫情推迟"}, StateGranted, "", nil},
		{"refuse needs a reason", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-10", Decision: DecisionRefused}, "", "", []string{"reason"}},
		{"refuse", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-10", Decision: DecisionRefused, Reason: "距学校不足100米"}, StateRefused, "", nil},
		{"no decision", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-10"}, "", "", []string{"decision"}},
		{"decide twice", fw(StateGranted), Action{Name: ActDecide, Date: "2022-03-10", Decision: DecisionGranted}, "", "licence.rule.decide", nil},
		{"issue", fw(StateGranted), Action{Name: ActIssue, Date: "2022-03-12", ValidFrom: "2022-03-12", ValidTo: "2024-03-11"}, StateIssued, "", nil},
		{"issue with bad validity", fw(StateGranted), Action{Name: ActIssue, Date: "2022-03-12", ValidFrom: "2022-03-12", ValidTo: "2022-03-01"}, "", "", []string{"valid_to"}},
		{"issue before decision", fw(StateUnderReview), Action{Name: ActIssue, Date: "2022-03-12", ValidFrom: "2022-03-12", ValidTo: "2024-03-11"}, "", "licence.rule.issue", nil},
		{"date in the future", fw(StateAccepted), Action{Name: ActReview, Date: "2022-07-01"}, "", "", []string{"date"}},
		{"date before the last step", fw(StateUnderReview), Action{Name: ActDecide, Date: "2022-03-01", Decision: DecisionGranted}, "", "", []string{"date"}},
		{"date missing", fw(StateAccepted), Action{Name: ActReview}, "", "", []string{"date"}},
		{"petrol is not decided here", petrol(StateAccepted), Action{Name: ActReview, Date: "2022-03-02"}, "", "licence.rule.city_flow", nil},
		{"fireworks are not forwarded", fw(StateAccepted), Action{Name: ActPrelim, Date: "2022-03-02", Opinion: "同意"}, "", "licence.rule.county_flow", nil},
		{"preliminary review needs an opinion", petrol(StateAccepted), Action{Name: ActPrelim, Date: "2022-03-08"}, "", "", []string{"opinion"}},
		{"preliminary review", petrol(StateAccepted), Action{Name: ActPrelim, Date: "2022-03-08", Opinion: "经初审，符合条件，同意上报"}, StatePrelim, "", nil},
		{"late preliminary review", petrol(StateAccepted), Action{Name: ActPrelim, Date: "2022-04-08", Opinion: "同意上报"}, "", "", []string{"overdue_reason"}},
		{"forward before review", petrol(StateAccepted), Action{Name: ActForward, Date: "2022-03-08"}, "", "licence.rule.forward", nil},
		{"forward", Application{Type: TypePetrolStation, State: StatePrelim, SubmittedOn: "2022-03-01", AcceptedOn: "2022-03-01", LimitDays: 20, PrelimOn: "2022-03-08"}, Action{Name: ActForward, Date: "2022-03-09"}, StateForwarded, "", nil},
		{"city grants without number", Application{Type: TypePetrolStation, State: StateForwarded, SubmittedOn: "2022-03-01", ForwardedOn: "2022-03-09"}, Action{Name: ActCityResult, Date: "2022-04-09", Decision: DecisionGranted}, "", "", []string{"number", "valid_from", "valid_to"}},
		{"city grants", Application{Type: TypePetrolStation, State: StateForwarded, SubmittedOn: "2022-03-01", ForwardedOn: "2022-03-09"}, Action{Name: ActCityResult, Date: "2022-04-09", Decision: DecisionGranted, Number: "（示市）WH安经〔2022〕12号", ValidFrom: "2022-04-09", ValidTo: "2025-04-08"}, StateCityGranted, "", nil},
		{"city refuses", Application{Type: TypePetrolStation, State: StateForwarded, SubmittedOn: "2022-03-01", ForwardedOn: "2022-03-09"}, Action{Name: ActCityResult, Date: "2022-04-09", Decision: DecisionRefused, Reason: "储罐防渗不达标"}, StateCityRefused, "", nil},
		{"unknown action", fw(StateAccepted), Action{Name: "approve", Date: "2022-03-02"}, "", "", []string{"action"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := c.app
			before := a
			err := Apply(&a, c.act, cal, today)
			switch {
			case c.wantState != "":
				if err != nil || a.State != c.wantState {
					t.Fatalf("state %s err %v, want %s", a.State, err, c.wantState)
				}
			case c.wantMsg != "":
				e, ok := errs.As(err)
				if !ok || e.Kind != errs.Conflict || e.Message != c.wantMsg {
					t.Fatalf("err %v, want rule %s", err, c.wantMsg)
				}
			default:
				got := fieldsOf(err)
				for _, f := range c.wantField {
					if !slices.Contains(got, f) {
						t.Fatalf("errors on %v, want one on %s (%v)", got, f, err)
					}
				}
			}
			if err != nil && a != before {
				t.Fatalf("a refused step changed the application: %+v", a)
			}
		})
	}
}

func TestLateDecisionMessageNamesTheLimit(t *testing.T) {
	a := Application{Type: TypeFireworksRetail, State: StateUnderReview, SubmittedOn: "2022-03-01", AcceptedOn: "2022-03-01", LimitDays: 20}
	err := Apply(&a, Action{Name: ActDecide, Date: "2022-04-01", Decision: DecisionGranted}, NewCalendar(nil, nil), d("2022-06-30"))
	fe := errs.Fields(err)
	if len(fe) != 1 || fe[0].Message != "licence.overdue_reason_required" || fe[0].Args["Used"] != 23 || fe[0].Args["Limit"] != 20 ||
		fe[0].Args["Deadline"] != "2022-03-29" {
		t.Fatalf("late decision: %v", err)
	}
}

func TestAllowed(t *testing.T) {
	if got := Allowed(TypeFireworksRetail, StateSubmitted); !slices.Equal(got, []string{ActAccept, ActNotAccept}) {
		t.Errorf("submitted: %v", got)
	}
	if got := Allowed(TypePetrolStation, StateAccepted); !slices.Equal(got, []string{ActPrelim}) {
		t.Errorf("petrol accepted: %v", got)
	}
	if got := Allowed(TypeHazchemNoStorage, StateAccepted); !slices.Equal(got, []string{ActReview}) {
		t.Errorf("hazchem accepted: %v", got)
	}
	if got := Allowed(TypeFireworksRetail, StateIssued); len(got) != 0 {
		t.Errorf("issued: %v", got)
	}
}

func TestExpiry(t *testing.T) {
	today := d("2022-06-01")
	for _, c := range []struct {
		l     Licence
		show  string
		left  int
		thres int
	}{
		{Licence{Status: LicenceActive, ValidTo: "2022-12-31"}, ShowValid, 213, 0},
		{Licence{Status: LicenceActive, ValidTo: "2022-08-30"}, ShowExpiring, 90, 90},
		{Licence{Status: LicenceActive, ValidTo: "2022-07-31"}, ShowExpiring, 60, 60},
		{Licence{Status: LicenceActive, ValidTo: "2022-06-20"}, ShowExpiring, 19, 30},
		{Licence{Status: LicenceActive, ValidTo: "2022-06-01"}, ShowExpiring, 0, 30},
		{Licence{Status: LicenceActive, ValidTo: "2022-05-31"}, ShowExpired, -1, 0},
		{Licence{Status: LicenceCancelled, ValidTo: "2022-12-31"}, ShowCancelled, 213, 0},
		{Licence{Status: LicenceReplaced, ValidTo: "2022-07-01"}, ShowReplaced, 30, 30},
	} {
		left := DaysLeft(c.l.ValidTo, today)
		if got := Show(c.l, today); got != c.show || left != c.left || Threshold(left) != c.thres {
			t.Errorf("%s %s: show %s left %d threshold %d, want %s %d %d", c.l.Status, c.l.ValidTo, got, left, Threshold(left), c.show, c.left, c.thres)
		}
	}
	if got := AddYears(d("2022-03-22"), 2).Format(DateLayout); got != "2024-03-21" {
		t.Errorf("2 years from 2022-03-22 end on %s", got)
	}
	// Today is taken in Shanghai: 17:00 UTC on 31 May is already 1 June.
	if got := Today(time.Date(2022, 5, 31, 17, 0, 0, 0, time.UTC)).Format(DateLayout); got != "2022-06-01" {
		t.Errorf("today = %s", got)
	}
}

func TestNumbers(t *testing.T) {
	if got := FormatNumber("示", "LS", 2022, 3); got != "（示）LS〔2022〕3号" {
		t.Errorf("format: %s", got)
	}
	for _, c := range []struct {
		prefix, s    string
		year, serial int
		ok           bool
	}{
		{"LS", "（示）LS〔2022〕3号", 2022, 3, true},
		{"LS", "(示)LS[2021]012号", 2021, 12, true},
		{"WH安经", "（示）WH安经〔2022〕7号", 2022, 7, true},
		{"LS", "（示）WH安经〔2022〕7号", 0, 0, false},
		{"LS", "皖芜危化经字〔2022〕000123", 0, 0, false},
		{"LS", "（示）LS〔2022〕0号", 0, 0, false},
	} {
		y, n, ok := ParseNumber(c.prefix, c.s)
		if ok != c.ok || y != c.year || n != c.serial {
			t.Errorf("ParseNumber(%s, %s) = %d %d %v", c.prefix, c.s, y, n, ok)
		}
	}
}

func TestParseDayAndValidate(t *testing.T) {
	for in, want := range map[string]string{"2022-03-01": "2022-03-01", "2022/3/1": "2022-03-01", "2022年3月1日": "2022-03-01", " 2022.03.01 ": "2022-03-01"} {
		if got, err := NormalizeDay(in); err != nil || got != want {
			t.Errorf("NormalizeDay(%q) = %s %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "2022-02-30", "2022-13-01", "yesterday", "22-3-1"} {
		if _, err := ParseDay(bad); err == nil {
			t.Errorf("ParseDay(%q) accepted", bad)
		}
	}
	l := Licence{Type: TypeFireworksRetail, Number: " （示）LS〔2021〕5号 ", IssuedOn: "2021/5/6", ValidFrom: "2021-05-06", ValidTo: "2023-05-05"}
	if err := ValidateLicence(&l); err != nil || l.IssuedOn != "2021-05-06" || l.Status != LicenceActive || l.Number != "（示）LS〔2021〕5号" {
		t.Fatalf("valid licence: %v %+v", err, l)
	}
	l = Licence{Type: "x", IssuedOn: "2021-05-06", ValidFrom: "2023-05-06", ValidTo: "2021-05-05"}
	got := fieldsOf(ValidateLicence(&l))
	for _, f := range []string{"type", "number"} {
		if !slices.Contains(got, f) {
			t.Errorf("want an error on %s, got %v", f, got)
		}
	}
	l = Licence{Type: TypeFireworksRetail, Number: "x", IssuedOn: "2021-05-06", ValidFrom: "2023-05-06", ValidTo: "2021-05-05"}
	if got := fieldsOf(ValidateLicence(&l)); !slices.Contains(got, "valid_to") {
		t.Errorf("validity backwards: %v", got)
	}
	a := Application{Type: TypeFireworksRetail, Kind: KindExtension, EnterpriseID: "e", SubmittedOn: "2022-07-01"}
	got = fieldsOf(ValidateApplication(&a, d("2022-06-30")))
	if !slices.Contains(got, "prev_number") || !slices.Contains(got, "submitted_on") {
		t.Errorf("application: %v", got)
	}
}

func TestSettings(t *testing.T) {
	s := DefaultSettings("示例县")
	if s.IssuerAbbr != "示" || s.IssuerName != "示例县应急管理局" || s.Limit(TypeFireworksRetail) != 20 || s.Years(TypeFireworksRetail) != 2 ||
		s.Years(TypeHazchemNoStorage) != 3 {
		t.Fatalf("defaults: %+v", s)
	}
	s.ExtraHolidays = SplitDates("2030-01-02, 2030/1/3\n2030-01-02")
	s.Limits[TypeHazchemNoStorage] = 0
	err := ValidateSettings(&s)
	if got := fieldsOf(err); !slices.Equal(got, []string{"limit_hazchem_no_storage"}) {
		t.Fatalf("settings errors: %v", got)
	}
	if !slices.Equal(s.ExtraHolidays, []string{"2030-01-02", "2030-01-03"}) {
		t.Fatalf("holidays normalised: %v", s.ExtraHolidays)
	}
}

func TestWithinValidity(t *testing.T) {
	ok := Action{ValidFrom: "2022-03-10", ValidTo: "2024-03-09"}
	if err := WithinValidity(ok, 2); err != nil {
		t.Fatalf("two years: %v", err)
	}
	long := Action{ValidFrom: "2022-03-10", ValidTo: "2024-03-10"}
	if fe := errs.Fields(WithinValidity(long, 2)); len(fe) != 1 || fe[0].Field != "valid_to" || fe[0].Args["Max"] != "2024-03-09" {
		t.Fatalf("a day over two years: %v", fe)
	}
	if err := WithinValidity(long, 3); err != nil {
		t.Fatalf("three years allowed: %v", err)
	}
}

// The 危险化学品经营许可证 extension (延期) is offered from 3 months before
// the last valid day and not one day earlier; other types at any time.
func TestRenewalWindow(t *testing.T) {
	for _, c := range []struct {
		typ, validTo, on string
		open             bool
	}{
		{TypePetrolStation, "2022-03-31", "2021-12-31", true},
		{TypePetrolStation, "2022-03-31", "2021-12-30", false},
		{TypeHazchemNoStorage, "2025-05-31", "2025-02-28", true}, // 31 May − 3 months: 28 February
		{TypeHazchemNoStorage, "2025-05-31", "2025-02-27", false},
		{TypeHazchemNoStorage, "2025-05-31", "2025-06-01", false}, // expired: apply anew
		{TypeFireworksRetail, "2024-03-21", "2022-03-22", true},
	} {
		l := Licence{Type: c.typ, Status: LicenceActive, ValidTo: c.validTo}
		if got := RenewalOpen(l, d(c.on)); got != c.open {
			t.Errorf("%s valid to %s on %s: open %v, want %v", c.typ, c.validTo, c.on, got, c.open)
		}
	}
	if _, ok := RenewalOpensOn(TypeFireworksRetail, "2024-03-21"); ok {
		t.Error("fireworks retail has no extension window")
	}
}

// The end of validity is the last valid day: 3 years from 2022-03-01 end
// on 2025-02-28, which still shows valid (0 days left); 2025-03-01 is expired.
func TestValidityEndIsLastValidDay(t *testing.T) {
	to := AddYears(d("2022-03-01"), 3).Format(DateLayout)
	if to != "2025-02-28" {
		t.Fatalf("3 years from 2022-03-01 end on %s", to)
	}
	l := Licence{Status: LicenceActive, ValidTo: to}
	if Show(l, d("2025-02-28")) == ShowExpired || DaysLeft(to, d("2025-02-28")) != 0 {
		t.Error("the last valid day shows expired")
	}
	if Show(l, d("2025-03-01")) != ShowExpired {
		t.Error("the day after the last valid day is not expired")
	}
	if err := WithinValidity(Action{ValidFrom: "2022-03-01", ValidTo: "2025-02-28"}, 3); err != nil {
		t.Errorf("3 years to the last day refused: %v", err)
	}
	if err := WithinValidity(Action{ValidFrom: "2022-03-01", ValidTo: "2025-03-01"}, 3); err == nil {
		t.Error("3 years and a day accepted")
	}
}
