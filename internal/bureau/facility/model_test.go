package facility

import (
	"strings"
	"testing"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/errs"
)

func TestTransitions(t *testing.T) {
	ok := [][3]string{
		{KindUnderground, StatusProducing, StatusSuspended},
		{KindUnderground, StatusSuspended, StatusProducing},
		{KindOpenPit, StatusProducing, StatusClosing},
		{KindOpenPit, StatusSuspended, StatusClosing},
		{KindOpenPit, StatusClosing, StatusClosed},
		{KindTailings, StatusRunning, StatusClosure},
		{KindTailings, StatusClosure, StatusDelisted},
		{KindHazard, StatusInUse, StatusEliminated},
	}
	for _, c := range ok {
		if err := CheckTransition(c[0], c[1], c[2]); err != nil {
			t.Errorf("%s %s → %s refused: %v", c[0], c[1], c[2], err)
		}
	}
	bad := []struct{ kind, from, to, msg, rule string }{
		{KindUnderground, StatusClosed, StatusProducing, "facility.status_final", "矿山状态规则"},
		{KindUnderground, StatusProducing, StatusClosed, "facility.transition_forbidden", "矿山状态规则"},
		{KindOpenPit, StatusClosing, StatusProducing, "facility.transition_forbidden", "关闭中→已关闭"},
		{KindTailings, StatusDelisted, StatusRunning, "facility.status_final", "尾矿库状态规则"},
		{KindTailings, StatusRunning, StatusDelisted, "facility.transition_forbidden", "运行→闭库治理→已销号"},
		{KindTailings, StatusClosure, StatusRunning, "facility.transition_forbidden", "尾矿库"},
		{KindHazard, StatusEliminated, StatusInUse, "facility.status_final", "已核销为终态"},
		{KindHazard, StatusInUse, StatusInUse, "facility.status_same", ""},
	}
	for _, c := range bad {
		err := CheckTransition(c.kind, c.from, c.to)
		e, isErr := errs.As(err)
		if !isErr || e.Message != c.msg || e.Field != "status" || !strings.Contains(e.Args["Rule"].(string), c.rule) {
			t.Errorf("%s %s → %s: got %v, want %s naming %q", c.kind, c.from, c.to, err, c.msg, c.rule)
		}
	}
	// A status of another kind is refused as such.
	if e, _ := errs.As(CheckTransition(KindTailings, StatusRunning, StatusProducing)); e == nil || e.Message != "facility.status_not_for_kind" ||
		e.Args["Allowed"] != "运行、闭库治理、已销号" {
		t.Errorf("status of another kind: %v", e)
	}
	for kind, r := range Rules {
		for from, next := range r.Next {
			if !StatusAllowed(kind, from) {
				t.Errorf("%s: rule moves from unknown status %s", kind, from)
			}
			for _, to := range next {
				if !StatusAllowed(kind, to) {
					t.Errorf("%s: rule moves to unknown status %s", kind, to)
				}
			}
		}
		if IsFinal(kind, InitialStatus(kind)) {
			t.Errorf("%s: the first status is final", kind)
		}
	}
	if !IsFinal(KindOpenPit, StatusClosed) || !IsFinal(KindTailings, StatusDelisted) || !IsFinal(KindHazard, StatusEliminated) {
		t.Error("final statuses")
	}
}

func TestDates(t *testing.T) {
	for in, want := range map[string]string{"2022-04-15": "2022-04-15", "2022/4/5": "2022-04-05", "2022.04.15": "2022-04-15",
		"20220415": "2022-04-15", "2022年4月15日": "2022-04-15", " 2022-4-1 ": "2022-04-01"} {
		if got, ok := ParseDate(in); !ok || got != want {
			t.Errorf("ParseDate(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2022-02-30", "2022-13-01", "15/04/2022", "昨天", "1800-01-01", "2022-04"} {
		if got, ok := ParseDate(in); ok {
			t.Errorf("ParseDate(%q) = %q, want refusal", in, got)
		}
	}
	today := "2022-06-30"
	if err := CheckEffectiveDate("2022-04-12", "2021-03-15", today); err != nil {
		t.Errorf("a past date after the previous one: %v", err)
	}
	if err := CheckEffectiveDate("2022-04-12", "2022-04-12", today); err != nil {
		t.Errorf("the same day as the previous one: %v", err)
	}
	if e, _ := errs.As(CheckEffectiveDate("2021-01-01", "2021-03-15", today)); e == nil || e.Message != "facility.date_before_previous" || e.Args["Prev"] != "2021-03-15" {
		t.Errorf("before the previous status: %v", e)
	}
	if e, _ := errs.As(CheckEffectiveDate("2022-07-01", "", today)); e == nil || e.Message != "facility.date_future" {
		t.Errorf("future: %v", e)
	}
}

func TestValidate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	b := &enterprise.Bounds{MinLat: 30.7, MinLng: 118.0, MaxLat: 31.2, MaxLng: 118.6}
	x := Facility{Name: " 尾矿库 ", EnterpriseID: "e", Kind: KindTailings, Grade: 4, DamHeight: f(30), Mineral: "铜矿", Capacity: f(3), Level: 2}
	if err := Validate(&x, b); err != nil {
		t.Fatal(err)
	}
	if x.Name != "尾矿库" || x.Mineral != "" || x.Capacity != nil || x.Level != 0 || x.Grade != 4 {
		t.Errorf("fields of other kinds not cleared: %+v", x)
	}
	fields := func(err error) string {
		var out []string
		for _, fe := range errs.Fields(err) {
			out = append(out, fe.Field+":"+fe.Message)
		}
		return strings.Join(out, " ")
	}
	cases := map[string]Facility{
		"name:field.required":                       {EnterpriseID: "e", Kind: KindOpenPit},
		"kind:facility.kind_invalid":                {Name: "x", EnterpriseID: "e", Kind: "dam"},
		"level:facility.level_invalid":              {Name: "x", EnterpriseID: "e", Kind: KindHazard},
		"lat:enterprise.latlng_pair":                {Name: "x", EnterpriseID: "e", Kind: KindOpenPit, Lat: f(30.9)},
		"lat:enterprise.latlng_outside":             {Name: "x", EnterpriseID: "e", Kind: KindOpenPit, Lat: f(39.9), Lng: f(116.4)},
		"dam_height:facility.number_invalid":        {Name: "x", EnterpriseID: "e", Kind: KindTailings, DamHeight: f(-1)},
		"capacity:facility.number_too_large":        {Name: "x", EnterpriseID: "e", Kind: KindOpenPit, Capacity: f(1e308)},
		"design_capacity:facility.number_too_large": {Name: "x", EnterpriseID: "e", Kind: KindTailings, DesignCapacity: f(1099511627776)},
	}
	for want, c := range cases {
		if got := fields(Validate(&c, b)); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// Without the county's extent, any valid point is accepted.
	c := Facility{Name: "x", EnterpriseID: "e", Kind: KindOpenPit, Lat: f(39.9), Lng: f(116.4)}
	if err := Validate(&c, nil); err != nil {
		t.Errorf("no bounds: %v", err)
	}
}

func TestLabelsAndColours(t *testing.T) {
	if g, ok := GradeOf("四等"); !ok || g != 4 {
		t.Error("grade 四等")
	}
	if l, ok := LevelOf("二级"); !ok || l != 2 {
		t.Error("level 二级")
	}
	if _, ok := LevelOf("五级"); ok {
		t.Error("level 五级 accepted")
	}
	if k, ok := KindOf("尾矿库"); !ok || k != KindTailings {
		t.Error("kind 尾矿库")
	}
	if s, ok := StatusOf("闭库治理"); !ok || s != StatusClosure {
		t.Error("status 闭库治理")
	}
	colours := map[string]Facility{
		"grey":   {Kind: KindTailings, Status: StatusDelisted},
		"orange": {Kind: KindOpenPit, Status: StatusClosing},
		"red":    {Kind: KindHazard, Status: StatusInUse, Level: 1},
		"yellow": {Kind: KindHazard, Status: StatusInUse, Level: 3},
		"blue":   {Kind: KindUnderground, Status: StatusProducing},
		"green":  {Kind: KindTailings, Status: StatusRunning},
	}
	for want, f := range colours {
		if got := Colour(f); got != want {
			t.Errorf("%s %s: %s, want %s", f.Kind, f.Status, got, want)
		}
	}
}
