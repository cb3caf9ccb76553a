package inspection

import (
	"strings"

	"yingji/internal/bureau/hazard"
)

// Template is a checklist (检查表) an inspection is filled from.
type Template struct {
	Code    string         `json:"code"`
	Name    string         `json:"name"`
	Sectors []string       `json:"sectors,omitempty"` // sectors it is offered for first ("" all)
	Items   []TemplateItem `json:"items"`
}

// TemplateItem is one line of a checklist; a line built from a
// major-hazard determination standard cites its clause.
type TemplateItem struct {
	Code   string `json:"code"`
	Text   string `json:"text"`
	Clause string `json:"clause,omitempty"`
	Ref    string `json:"ref,omitempty"` // short citation
}

// templateDefs are the shipped checklists: one per major-hazard standard
// the hazard module knows (its clause list is the single source of the
// items) and a general one.
var templateDefs = []struct {
	code, name, std string
	sectors         []string
}{
	{"gm10", "工贸企业重大事故隐患判定标准检查表（10号令）", "gm10", []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"}},
	{"gm17", "工贸行业重大生产安全事故隐患判定标准检查表（2017版）", "gm17", []string{"metallurgy", "nonferrous", "building_materials", "machinery", "light", "textile", "tobacco", "commerce"}},
	{"hg", "化工和危险化学品重大生产安全事故隐患检查表", "hg", []string{"chem_produce", "chem_trade", "chem_use", "petrol"}},
	{"yh", "烟花爆竹重大生产安全事故隐患检查表", "yh", []string{"fireworks_wholesale", "fireworks_retail"}},
	{"ks88", "金属非金属矿山重大事故隐患检查表（矿安〔2022〕88号）", "ks88", []string{"mine"}},
	{"ks98", "金属非金属矿山重大生产安全事故隐患检查表（2017试行）", "ks98", []string{"mine"}},
}

// generalItems is the general checklist (通用检查表): the duties every
// 生产经营单位 carries under the 安全生产法.
var generalItems = []TemplateItem{
	{Code: "gen-1", Text: "建立健全全员安全生产责任制和安全生产规章制度"},
	{Code: "gen-2", Text: "主要负责人、安全生产管理人员经考核合格"},
	{Code: "gen-3", Text: "特种作业人员持证上岗"},
	{Code: "gen-4", Text: "开展安全生产教育和培训并建立档案"},
	{Code: "gen-5", Text: "建立安全风险分级管控和隐患排查治理双重预防机制"},
	{Code: "gen-6", Text: "制定生产安全事故应急救援预案并定期演练"},
	{Code: "gen-7", Text: "安全设备设施经常性维护、保养、定期检测"},
	{Code: "gen-8", Text: "为从业人员提供符合标准的劳动防护用品"},
	{Code: "gen-9", Text: "安全出口、疏散通道畅通，消防设施完好"},
	{Code: "gen-10", Text: "危险作业（动火、有限空间、高处等）履行审批并现场监护"},
}

// Checklists returns the shipped checklists.
func Checklists() []Template {
	var out []Template
	for _, d := range templateDefs {
		t := Template{Code: d.code, Name: d.name, Sectors: d.sectors}
		for _, c := range hazard.Clauses {
			if hazard.StandardOf(c.Code) == d.std {
				t.Items = append(t.Items, TemplateItem{Code: c.Code, Text: c.Text, Clause: c.Code, Ref: c.Ref()})
			}
		}
		out = append(out, t)
	}
	return append(out, Template{Code: "general", Name: "通用安全生产检查表", Items: generalItems})
}

// TemplateOf returns a checklist by code.
func TemplateOf(code string) (Template, bool) {
	for _, t := range Checklists() {
		if t.Code == code {
			return t, true
		}
	}
	return Template{}, false
}

// TemplateFor picks the checklist for a sector on a day: the standard in
// force on the day for the sector (a 2022-03 mine inspection uses the
// 2017 mine standard), else the general one.
func TemplateFor(sector, day string) string {
	for _, d := range templateDefs {
		for _, s := range d.sectors {
			if s != sector {
				continue
			}
			for _, c := range hazard.Clauses {
				if hazard.StandardOf(c.Code) == d.std {
					if hazard.ClauseInForce(c.Code, day) {
						return d.code
					}
					break
				}
			}
		}
	}
	return "general"
}

// FillItems merges the results sent with the template's items: the
// template decides text and clause (a client cannot cite another clause
// under a template item's code); unknown codes are kept as typed lines
// without a clause.
func FillItems(tpl Template, sent []Item) []Item {
	byCode := map[string]TemplateItem{}
	for _, it := range tpl.Items {
		byCode[it.Code] = it
	}
	out := make([]Item, 0, len(sent))
	for _, s := range sent {
		if t, ok := byCode[s.Code]; ok {
			s.Text, s.Clause = t.Text, t.Clause
		} else {
			s.Clause = ""
			s.Text = strings.TrimSpace(s.Text)
			if s.Text == "" {
				continue
			}
		}
		out = append(out, s)
	}
	return out
}
