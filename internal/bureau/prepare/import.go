package prepare

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// RegionCodeFunc finds a town's or village's code by its name in a county
// ("" when there is none).
type RegionCodeFunc func(ctx context.Context, county, name string) string

var (
	zhOnce sync.Once
	zh     map[string]string
)

// zhText is the Chinese text of a message ID (import reasons).
func zhText(id string) string {
	zhOnce.Do(func() {
		b, err := Locales.ReadFile("locales/zh.json")
		if err == nil {
			_ = json.Unmarshal(b, &zh)
		}
	})
	if s, ok := zh[id]; ok {
		return s
	}
	return id
}

// teamImport replays each row of a teams file through ValidateTeam (the
// rule the form uses) and commits all rows in one transaction.
type teamImport struct {
	s        *Service
	p        *auth.Principal
	region   RegionCodeFunc
	existing map[string]bool
	seen     map[string]int
	kept     ledger.Kept[Team]
}

func (s *Service) newTeamImport(ctx context.Context, p *auth.Principal, region RegionCodeFunc) (*teamImport, error) {
	if !p.Is(auth.RoleAdmin, auth.RoleSection, auth.RoleTown) {
		return nil, errs.New(errs.Forbidden, "forbidden")
	}
	im := &teamImport{s: s, p: p, region: region, existing: map[string]bool{}, seen: map[string]int{}}
	rows, err := s.db.R().QueryContext(ctx, `SELECT name FROM prep_team WHERE county_code = $1`, p.CountyCode)
	if err != nil {
		return nil, fmt.Errorf("existing teams: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		im.existing[n] = true
	}
	return im, rows.Err()
}

func (im *teamImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	var out []xlsx.CellError
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	t := Team{Name: v["name"], Kind: v["kind"], Level: v["level"], Leader: v["leader"], Phone: v["phone"], Equipment: v["equipment"],
		Readiness: v["readiness"], DykeSection: v["dyke"], EstablishedOn: v["established"], SuppliesUpdatedOn: v["supplies"]}
	if x := strings.TrimSpace(v["headcount"]); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil {
			bad("headcount", "人数须为整数")
		}
		t.Headcount = n
	}
	if x := strings.Trim(strings.TrimSpace(v["line"]), "第线"); x != "" {
		t.PatrolLine = map[string]int{"1": 1, "2": 2, "3": 3, "一": 1, "二": 2, "三": 3}[x]
	}
	if x := strings.TrimSpace(v["region"]); x != "" {
		if t.RegionCode = im.region(ctx, im.p.CountyCode, x); t.RegionCode == "" {
			bad("region", "本县没有该乡镇或村："+x)
		}
	} else if im.p.Role == auth.RoleTown {
		t.RegionCode = im.p.RegionCode
	}
	if t.EstablishedOn == "" {
		t.EstablishedOn = im.s.Today()
	}
	if t.Readiness == "" {
		t.Readiness = "ready"
	}
	if t.Kind == KindEnterprise || TeamKinds.Value(t.Kind) == KindEnterprise {
		bad("kind", "企业救援队伍由企业账号登记")
	}
	if err := ValidateTeam(&t); err != nil {
		for _, fe := range errs.Fields(err) {
			key := map[string]string{"dyke_section": "dyke", "patrol_line": "line", "region_code": "region", "established_on": "established",
				"supplies_updated_on": "supplies"}[fe.Field]
			if key == "" {
				key = fe.Field
			}
			bad(key, zhText(fe.Message))
		}
	}
	if len(out) == 0 && !CanWriteRow(im.p, t.RegionCode, "") {
		bad("region", "该乡镇不在您的范围内")
	}
	if first, dup := im.seen[t.Name]; dup {
		bad("name", fmt.Sprintf("与第 %d 行重复", first))
	} else if im.existing[t.Name] {
		bad("name", "已登记同名队伍")
	} else if t.Name != "" {
		im.seen[t.Name] = row.Num
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.kept.Add(row.Num, t)
	}
	return out
}

func (im *teamImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	return im.kept.Commit(ctx, im.s.db, progress, func(tx *store.Tx, t Team) error {
		_, err := im.s.saveTeamTx(ctx, tx, im.p, "", t)
		return err
	})
}

// withTeamImport makes the teams ledger importable.
func (s *Service) withTeamImport(l *ledger.Ledger, region RegionCodeFunc) {
	for i := range l.Schema.Columns {
		c := &l.Schema.Columns[i]
		switch c.Key {
		case "name", "kind", "level", "headcount":
			c.Required = true
		}
		switch c.Key {
		case "kind":
			c.Options = TeamKinds.ZHLabels()
		case "level":
			c.Options = Levels.ZHLabels()
		case "readiness":
			c.Options = Readiness.ZHLabels()
		case "line":
			c.Options, c.Help = []string{"第1线", "第2线", "第3线"}, "巡堤查险队伍填写"
		case "dyke":
			c.Help = "巡堤查险队伍填写，如：长江干堤籍山镇段 K12+000—K13+500"
		case "headcount":
			c.Help = "正整数"
		case "region":
			c.Help = "乡镇或村（社区）名称；县级队伍不填"
		}
	}
	l.NewImport = func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
		return s.newTeamImport(ctx, p, region)
	}
}
