package org

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// RegionLedger is the Excel register of regions (行政区划).
func (s *Service) RegionLedger() *ledger.Ledger {
	var kinds []string
	for _, lvl := range []string{LevelCounty, LevelTown, LevelVillage} {
		kinds = append(kinds, RegionKinds[lvl]...)
	}
	return &ledger.Ledger{
		Kind:  "regions",
		Title: "nav.regions",
		Schema: xlsx.Schema{Name: "行政区划", Columns: []xlsx.Column{
			{Key: "code", Header: "区划代码", HeaderEN: "Code", Required: true, Width: 16, Example: "349901100",
				Help: "县 6 位，乡镇 9 位（县代码+3 位），村（社区）12 位（乡镇代码+3 位）"},
			{Key: "name", Header: "名称", HeaderEN: "Name", Required: true, Width: 20, Example: "籍山镇"},
			{Key: "kind", Header: "类型", HeaderEN: "Kind", Required: true, Options: kinds, Example: "镇"},
			{Key: "sort", Header: "排序", HeaderEN: "Order", Example: "1", Help: "整数，越小越靠前"},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, err := s.ListRegions(ctx, p, RegionFilter{Level: q.Get("level"), Parent: q.Get("parent"), Q: q.Get("q")})
			if err != nil {
				return err
			}
			for _, r := range list {
				if err := w.Write(r.Code, r.Name, r.Kind, r.Sort); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			existing, err := s.ListRegions(ctx, p, RegionFilter{})
			if err != nil {
				return nil, err
			}
			known := map[string]bool{}
			for _, r := range existing {
				known[r.Code] = true
			}
			return &regionImport{s: s, p: p, known: known, seen: map[string]int{}}, nil
		},
	}
}

type regionImport struct {
	s     *Service
	p     *auth.Principal
	known map[string]bool // codes in the database
	seen  map[string]int  // code → row number in this file
	rows  []Region
}

func (im *regionImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	r := Region{Code: v["code"], Name: v["name"], Kind: v["kind"], CountyCode: im.p.CountyCode}
	var out []xlsx.CellError
	if v["sort"] != "" {
		n, ok := parseInt(v["sort"])
		if !ok {
			out = append(out, xlsx.CellError{Key: "sort", Reason: "应为整数"})
		}
		r.Sort = n
	}
	if r.Code != "" {
		r.Level = LevelOf(r.Code)
		if err := ValidateRegion(r); err != nil {
			for _, fe := range errs.Fields(err) {
				if fe.Field == "code" {
					out = append(out, xlsx.CellError{Key: "code", Reason: regionCodeReason(fe.Message, im.p.CountyCode)})
				}
			}
		}
		if first, dup := im.seen[r.Code]; dup {
			out = append(out, xlsx.CellError{Key: "code", Reason: "与第 " + itoa(first) + " 行的区划代码重复"})
		} else {
			im.seen[r.Code] = row.Num
		}
		if parent := ParentOf(r.Code); parent != "" && !im.known[parent] {
			if _, inFile := im.seen[parent]; !inFile && len(out) == 0 {
				out = append(out, xlsx.CellError{Key: "code", Reason: "上级区划 " + parent + " 不存在（既不在系统中，也不在本文件前面的行中）"})
			}
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, r)
	}
	return out
}

func regionCodeReason(msg, county string) string {
	switch msg {
	case "region.code_outside_county":
		return "区划代码须以本县代码 " + county + " 开头"
	}
	return "区划代码须为 6、9 或 12 位数字"
}

func (im *regionImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	// Parents first.
	sort.SliceStable(im.rows, func(i, j int) bool { return len(im.rows[i].Code) < len(im.rows[j].Code) })
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i, r := range im.rows {
			if _, err := im.s.SaveRegionTx(ctx, tx, im.p.Actor(), r); err != nil {
				return err
			}
			if i%200 == 0 {
				progress(int64(i), total)
			}
		}
		return nil
	})
	return len(im.rows), err
}

// UnitLedger is the Excel register of units (单位).
func (s *Service) UnitLedger() *ledger.Ledger {
	kindLabels, sectorLabels := UnitKinds.ZHLabels(), Sectors.ZHLabels()
	return &ledger.Ledger{
		Kind:  "units",
		Title: "nav.units",
		Schema: xlsx.Schema{Name: "单位", Columns: []xlsx.Column{
			{Key: "name", Header: "单位名称", HeaderEN: "Name", Required: true, Width: 24, Example: "县住建局"},
			{Key: "kind", Header: "类别", HeaderEN: "Kind", Required: true, Options: kindLabels, Example: "成员单位"},
			{Key: "town", Header: "所在乡镇", HeaderEN: "Town", Width: 14, Example: "籍山镇", Help: "乡镇政府、村（社区）必填：乡镇名称或 9 位代码"},
			{Key: "sectors", Header: "监管行业", HeaderEN: "Sectors", Width: 30, Example: "非煤矿山、加油站",
				Help: "股室填写，多个用顿号或逗号分隔：" + strings.Join(sectorLabels, "、")},
			{Key: "phone", Header: "电话", HeaderEN: "Phone", Width: 14},
		}},
		Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, err := s.ListUnits(ctx, p, UnitFilter{Kind: q.Get("kind"), Q: q.Get("q")})
			if err != nil {
				return err
			}
			regions, err := s.ListRegions(ctx, p, RegionFilter{})
			if err != nil {
				return err
			}
			names := map[string]string{}
			for _, r := range regions {
				names[r.Code] = r.Name
			}
			for _, u := range list {
				var secs []string
				for _, sc := range u.Sectors {
					secs = append(secs, SectorLabel(sc, "zh"))
				}
				if err := w.Write(u.Name, UnitKindLabel(u.Kind, "zh"), names[u.RegionCode], strings.Join(secs, "、"), u.Phone); err != nil {
					return err
				}
			}
			return nil
		},
		NewImport: func(ctx context.Context, p *auth.Principal, _ string) (ledger.Import, error) {
			if !p.Is(auth.RoleAdmin) {
				return nil, errs.New(errs.Forbidden, "forbidden")
			}
			towns, err := s.ListRegions(ctx, p, RegionFilter{Level: LevelTown})
			if err != nil {
				return nil, err
			}
			byName := map[string]string{}
			for _, t := range towns {
				byName[t.Name], byName[t.Code] = t.Code, t.Code
			}
			return &unitImport{s: s, p: p, towns: byName, seen: map[string]int{}}, nil
		},
	}
}

type unitImport struct {
	s     *Service
	p     *auth.Principal
	towns map[string]string
	seen  map[string]int
	rows  []Unit
}

func (im *unitImport) Check(ctx context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	u := Unit{Name: v["name"], Phone: v["phone"], CountyCode: im.p.CountyCode}
	var out []xlsx.CellError
	u.Kind = UnitKinds.Value(v["kind"])
	if v["town"] != "" {
		code, ok := im.towns[v["town"]]
		if !ok {
			out = append(out, xlsx.CellError{Key: "town", Reason: "未知乡镇：" + v["town"]})
		}
		u.RegionCode = code
	} else if u.Kind == UnitTown || u.Kind == UnitVillage {
		out = append(out, xlsx.CellError{Key: "town", Reason: "乡镇政府、村（社区）须填写所在乡镇"})
	}
	for _, part := range splitList(v["sectors"]) {
		code, ok := SectorByLabel(part)
		if !ok {
			out = append(out, xlsx.CellError{Key: "sectors", Reason: "未知监管行业：" + part})
			continue
		}
		u.Sectors = append(u.Sectors, code)
	}
	if u.Name != "" {
		if first, dup := im.seen[u.Name]; dup {
			out = append(out, xlsx.CellError{Key: "name", Reason: "与第 " + itoa(first) + " 行的单位名称重复"})
		} else {
			im.seen[u.Name] = row.Num
		}
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, u)
	}
	return out
}

func (im *unitImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	total := int64(len(im.rows))
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i, u := range im.rows {
			if _, err := im.s.SaveUnitTx(ctx, tx, im.p.Actor(), u); err != nil {
				return err
			}
			if i%200 == 0 {
				progress(int64(i), total)
			}
		}
		return nil
	})
	return len(im.rows), err
}

// splitList splits "a、b,c，d" into its parts.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' })
	var out []string
	for _, p := range f {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func parseInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func itoa(n int) string { return strconv.Itoa(n) }
