package accident

import (
	"testing"
	"time"
)

// TestLevelBoundaries walks the bounds of 493号令: "以上" includes the
// bound, "以下" excludes it, and the highest criterion wins.
func TestLevelBoundaries(t *testing.T) {
	const wan = 10_000_00 // 1万元 in 分
	for _, tc := range []struct {
		deaths, injuries, loss int64
		want                   string
	}{
		{0, 0, 0, LevelGeneral},
		{2, 9, 1000*wan - 1, LevelGeneral},
		{3, 0, 0, LevelLarge},
		{0, 10, 0, LevelLarge},
		{0, 0, 1000 * wan, LevelLarge},
		{9, 49, 5000*wan - 1, LevelLarge},
		{10, 0, 0, LevelMajor},
		{0, 50, 0, LevelMajor},
		{0, 0, 5000 * wan, LevelMajor},
		{29, 99, 10000*wan - 1, LevelMajor},
		{30, 0, 0, LevelEspeciallyMajor},
		{0, 100, 0, LevelEspeciallyMajor},
		{0, 0, 10000 * wan, LevelEspeciallyMajor},
		{1, 0, 6000 * wan, LevelMajor}, // the loss decides
		{3, 60, 0, LevelMajor},         // the injuries decide
		{31, 0, 0, LevelEspeciallyMajor},
	} {
		if got := LevelOf(tc.deaths, tc.injuries, tc.loss); got != tc.want {
			t.Errorf("deaths %d injuries %d loss %d: %s, want %s", tc.deaths, tc.injuries, tc.loss, got, tc.want)
		}
	}
}

func TestValidateLevel(t *testing.T) {
	in := Input{OccurredOn: "2022-05-01", OccurredTime: "09:30", Place: "矿区", Industry: "非煤矿山", Kind: "物体打击", Deaths: 3, LossYuan: "100000"}
	a, ps := Validate(in, "2022-06-30")
	if len(ps) != 0 || a.Level != LevelLarge || a.LossFen != 10_000_000 {
		t.Fatalf("%+v %+v", a, ps)
	}
	in.Level = "一般"
	if _, ps := Validate(in, "2022-06-30"); len(ps) != 1 || ps[0].Rule != "accident.rule.level_contradicts" || ps[0].Field != "level" {
		t.Errorf("contradicting level: %+v", ps)
	}
	in.Level = "较大事故"
	if _, ps := Validate(in, "2022-06-30"); len(ps) != 0 {
		t.Errorf("agreeing level refused: %+v", ps)
	}
	bad := Input{OccurredOn: "2022-07-01", Industry: "x", Kind: "y", Deaths: -1, LossYuan: "-5"}
	_, ps = Validate(bad, "2022-06-30")
	fields := map[string]bool{}
	for _, p := range ps {
		fields[p.Field] = true
	}
	for _, f := range []string{"occurred_on", "place", "industry", "kind", "deaths", "loss_yuan"} {
		if !fields[f] {
			t.Errorf("no problem on %s: %+v", f, ps)
		}
	}
}

func TestDeadlines(t *testing.T) {
	at := time.Date(2022, 5, 1, 9, 0, 0, 0, shanghai)
	late := at.Add(90 * time.Minute)
	d := DeadlinesOf(Accident{OccurredAt: at, ReportedAt: &late, Industry: "非煤矿山"})
	if !d.ReportBy.Equal(at.Add(time.Hour)) || !d.ReportedLate || !d.ForwardBy.Equal(late.Add(2*time.Hour)) || !d.SupplementUntil.Equal(at.AddDate(0, 0, 30)) {
		t.Errorf("%+v", d)
	}
	if d := DeadlinesOf(Accident{OccurredAt: at, Industry: "道路运输"}); !d.SupplementUntil.Equal(at.AddDate(0, 0, 7)) || d.ReportedLate {
		t.Errorf("road traffic: %+v", d)
	}
}
