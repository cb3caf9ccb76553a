package relief

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/person"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// The 公示 list: the households of a programme put up for public notice in
// a village or town, printed for the notice board (PDF) or as Excel. It is
// posted publicly, so ID numbers are always masked whoever prints it, and
// no address or bank account is shown.

// PublicityRow is one person on the list.
type PublicityRow struct {
	No       int    // household's number on the list (the head's row)
	Village  string // village name
	Head     string
	Name     string
	Relation string
	IDNumber string // always masked
	Flags    string // 特困供养、低保 …
	People   int    // household size (the head's row; 0 on the others)
	Amount   int64  // 分 per person by the programme's standards
	Period   string // the household's 公示 period
}

// PublicityList is the printable 公示 list.
type PublicityList struct {
	Programme Programme
	Place     string // the town (and village) the list is for
	Period    string // the 公示 period when all households share it
	Rows      []PublicityRow
	People    int
	Total     int64 // 分
	Object    string
	Issuer    string
}

// PublicitySteps are the steps of households on a 公示 list: in notice, or
// past it (乡审, 县定) for the record.
var PublicitySteps = []string{StepPublicity, StepTown, StepCounty}

// perPerson is the sum of the programme's standards (分 per person).
func perPerson(g Programme) int64 {
	var n int64
	for _, s := range g.Standards {
		n += s.Amount
	}
	return n
}

func cnPeriod(from, to string) string {
	if from == "" {
		return ""
	}
	f := func(s string) string {
		if len(s) != 10 {
			return s
		}
		y, _ := strconv.Atoi(s[:4])
		m, _ := strconv.Atoi(s[5:7])
		d, _ := strconv.Atoi(s[8:])
		return fmt.Sprintf("%d年%d月%d日", y, m, d)
	}
	return f(from) + "至" + f(to)
}

// BuildPublicity lays out the 公示 list of households hs (members loaded)
// of programme g; names are the places' names by code, place the list's
// town/village, contact where objections go (a phone number or office;
// "" for the default wording naming the village and town).
func BuildPublicity(g Programme, hs []Household, names map[string]string, place, contact, issuer string) PublicityList {
	l := PublicityList{Programme: g, Place: place, Issuer: issuer}
	each := perPerson(g)
	periods := map[string]bool{}
	for i, h := range hs {
		period := cnPeriod(h.PublicityFrom, h.PublicityTo)
		periods[period] = true
		for j, m := range h.Members {
			r := PublicityRow{Village: names[h.VillageCode], Head: person.MaskIDsIn(h.HeadName), Name: person.MaskIDsIn(m.Name), Relation: person.MaskIDsIn(m.Relation),
				IDNumber: person.MaskID(person.NormalizeID(m.IDNumber)), Amount: each, Period: period}
			if j == 0 {
				r.No, r.Flags, r.People = i+1, strings.Join(h.Flags("zh"), "、"), len(h.Members)
			}
			l.Rows = append(l.Rows, r)
			l.People++
			l.Total += each
		}
	}
	if len(periods) == 1 {
		for p := range periods {
			l.Period = p
		}
	}
	where := person.MaskIDsIn(strings.TrimSpace(contact))
	if where == "" {
		where = "所在村（居）民委员会或" + place + "人民政府"
	}
	l.Object = "公示期间，如对公示对象、类别或金额有异议，请向" + where + "实名反映（书面或当面）；反映的问题将登记并核实处理。"
	return l
}

// Doc is the list as an A4 notice.
func (l PublicityList) Doc() pdfdoc.Doc {
	d := pdfdoc.Doc{Issuer: l.Issuer, Title: l.Programme.Name + "救助对象公示", Number: l.Place}
	intro := "根据救助工作程序，经户报、村评，现将" + l.Place + l.Programme.Name + "拟救助对象予以公示"
	if l.Period != "" {
		intro += "，公示期为" + l.Period
	} else {
		intro += "（各户公示期见下）"
	}
	intro += "。共 " + strconv.Itoa(l.countHouseholds()) + " 户 " + strconv.Itoa(l.People) + " 人，按救助标准测算金额合计 " + Yuan(l.Total) + " 元。"
	d.Blocks = append(d.Blocks, pdfdoc.Paragraph{Text: intro, Indent: true})
	header := []string{"序号", "村（社区）", "户主", "姓名", "身份证号", "类别", "人数", "金额（元）"}
	widths := []float64{0.06, 0.11, 0.11, 0.11, 0.30, 0.12, 0.07, 0.12}
	// One table per 公示 period (households put up at different times).
	var periods []string
	byPeriod := map[string][][]string{}
	for _, r := range l.Rows {
		if _, ok := byPeriod[r.Period]; !ok {
			periods = append(periods, r.Period)
		}
		c := r.cells(false)
		head := c[2]
		if r.No == 0 { // the head is named on the household's first row
			head = ""
		}
		byPeriod[r.Period] = append(byPeriod[r.Period], []string{c[0], c[1], head, c[3], c[5], c[6], c[7], c[8]})
	}
	for _, period := range periods {
		if l.Period == "" && period != "" {
			d.Blocks = append(d.Blocks, pdfdoc.Heading{Text: "公示期：" + period})
		}
		d.Blocks = append(d.Blocks, pdfdoc.Table{Header: header, Widths: widths, Rows: byPeriod[period]})
	}
	d.Blocks = append(d.Blocks, pdfdoc.Spacer{Lines: 0.5}, pdfdoc.Paragraph{Text: l.Object, Indent: true},
		pdfdoc.Paragraph{Text: "身份证号按规定隐去中间部分。", Indent: true})
	if l.Issuer != "" {
		d.Blocks = append(d.Blocks, pdfdoc.Signature{Unit: l.Issuer})
	}
	return d
}

func (l PublicityList) countHouseholds() int {
	n := 0
	for _, r := range l.Rows {
		if r.No > 0 {
			n++
		}
	}
	return n
}

func (r PublicityRow) cells(period bool) []string {
	no, people := "", ""
	if r.No > 0 {
		no, people = strconv.Itoa(r.No), strconv.Itoa(r.People)
	}
	out := []string{no, r.Village, r.Head, r.Name, r.Relation, r.IDNumber, r.Flags, people, Yuan(r.Amount)}
	if period {
		out = append(out, r.Period)
	}
	return out
}

// PublicitySchema is the list as Excel.
func PublicitySchema() xlsx.Schema {
	return xlsx.Schema{Name: "救助对象公示", Columns: []xlsx.Column{
		{Key: "no", Header: "序号", HeaderEN: "No.", Width: 6},
		{Key: "village", Header: "村（社区）", HeaderEN: "Village", Width: 14},
		{Key: "head", Header: "户主", HeaderEN: "Head of household", Width: 10},
		{Key: "name", Header: "姓名", HeaderEN: "Name", Width: 10},
		{Key: "relation", Header: "与户主关系", HeaderEN: "Relation", Width: 10},
		{Key: "id_number", Header: "身份证号", HeaderEN: "ID number (masked)", Width: 20},
		{Key: "flags", Header: "类别", HeaderEN: "Category", Width: 16},
		{Key: "people", Header: "人数", HeaderEN: "People", Width: 6},
		{Key: "amount", Header: "金额（元）", HeaderEN: "Amount (yuan)", Width: 12},
		{Key: "period", Header: "公示期", HeaderEN: "Notice period", Width: 26},
	}}
}

// WriteXLSX writes the list's rows, then its total and where to object.
func (l PublicityList) WriteXLSX(w *xlsx.Writer) error {
	for _, r := range l.Rows {
		c := r.cells(true)
		if err := w.Write(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9]); err != nil {
			return err
		}
	}
	if err := w.Write("合计", "", "", "", "", "", "", strconv.Itoa(l.People)+" 人", Yuan(l.Total), l.Period); err != nil {
		return err
	}
	return w.Write("异议", l.Object, "", "", "", "", "", "", "", "")
}

// Publicity returns the 公示 list of programme id for a town (and
// village) in p's scope: the households whose notice has started and that
// were not rejected, their people with ID numbers masked whatever p's
// role.
func (s *Service) Publicity(ctx context.Context, p *auth.Principal, programmeID, town, village, contact string) (PublicityList, error) {
	g, err := s.Programme(ctx, p, programmeID)
	if err != nil {
		return PublicityList{}, err
	}
	w := s.householdWhere(p, HouseholdFilter{ProgrammeID: g.ID, Town: town, Village: village})
	w.Add("h.step IN (?, ?, ?)", StepPublicity, StepTown, StepCounty)
	hs, err := store.QueryAll(ctx, s.db.R(), func(rows *sql.Rows) (Household, error) {
		h, err := s.scanHousehold(rows)
		h.AccountNo, h.AccountHolder, h.Address = "", "", "" // never on a notice
		return h, err
	}, `SELECT `+hhCols+` FROM relief_household h`+w.SQL()+` ORDER BY h.village_code, h.head_name, h.id`, w.Args()...)
	if err != nil {
		return PublicityList{}, fmt.Errorf("publicity list: %w", err)
	}
	if err := s.loadMembers(ctx, s.db.R(), hs); err != nil {
		return PublicityList{}, err
	}
	names := s.Places(ctx, p)
	place := names[town]
	if village != "" {
		place += names[village]
	}
	if place == "" {
		place = names[p.CountyCode]
	}
	issuer := ""
	if town != "" {
		issuer = names[town] + "人民政府"
	}
	return BuildPublicity(g, hs, names, place, contact, issuer), nil
}

// Yuan is the row's amount in yuan.
func (r PublicityRow) Yuan() string { return Yuan(r.Amount) }

// TotalYuan is the list's total in yuan.
func (l PublicityList) TotalYuan() string { return Yuan(l.Total) }
