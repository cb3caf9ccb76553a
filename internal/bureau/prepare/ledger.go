package prepare

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/codes"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/pdfdoc"
	"yingji/internal/kit/xlsx"
)

// CategoryNames are the plan categories' Chinese names.
var CategoryNames = codes.Pairs([][2]string{{CatOverall, "总体应急预案"}, {CatSpecial, "专项应急预案"}, {CatDepartment, "部门应急预案"},
	{CatTown, "乡镇应急预案"}, {CatVillage, "村（社区）应急预案"}, {CatEnterprise, "企业应急预案"}})

// StateNames are the lifecycle states' Chinese names.
var StateNames = codes.Pairs([][2]string{{StateDraft, "起草"}, {StateConsultation, "征求意见"}, {StateReview, "专家评审"}, {StateDeliberation, "审议"},
	{StatePublished, "已发布"}, {StateFiled, "已备案"}, {StateRevising, "修订中"}})

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// Ledgers are this module's Excel registers: plans, drills, teams and
// experts, all exported and imported (rows replayed through the forms'
// rules, all or nothing). regionName names a region code.
func (s *Service) Ledgers(regionName func(ctx context.Context, county, code string) string, regionCode RegionCodeFunc) []*ledger.Ledger {
	if regionName == nil {
		regionName = func(context.Context, string, string) string { return "" }
	}
	if regionCode == nil {
		regionCode = func(context.Context, string, string) string { return "" }
	}
	out := []*ledger.Ledger{
		{Kind: "plans", Title: "prepare.plans", Schema: xlsx.Schema{Name: "应急预案台账", Columns: []xlsx.Column{
			{Key: "name", Header: "预案名称", Width: 36, Example: "示例县防汛抗旱应急预案"}, {Key: "category", Header: "预案类别", Width: 16, Example: "专项应急预案"},
			{Key: "owner", Header: "编制单位", Width: 24, Example: "县应急管理局"}, {Key: "region", Header: "乡镇/村"}, {Key: "flood", Header: "防汛抗旱", Example: "是"},
			{Key: "drafted", Header: "编制/修订日期", Width: 12, Example: "2022-03-15"}, {Key: "enterprise", Header: "所属企业", Width: 28},
		}}, ExportColumns: []xlsx.Column{
			{Key: "version", Header: "版本"}, {Key: "state", Header: "状态"}, {Key: "revised", Header: "修订"}, {Key: "trigger", Header: "修订情形"},
			{Key: "reviewed", Header: "评审日期", Width: 12}, {Key: "experts", Header: "评审专家", Width: 24}, {Key: "deliberated", Header: "审议日期", Width: 12},
			{Key: "body", Header: "审议会议", Width: 20}, {Key: "published", Header: "发布日期", Width: 12}, {Key: "filing_due", Header: "备案期限", Width: 12},
			{Key: "filed", Header: "备案日期", Width: 12}, {Key: "filed_to", Header: "备案机关", Width: 20}, {Key: "next", Header: "下次评估", Width: 12},
		}, Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, err := s.AllPlans(ctx, p, PlanFilterOf(q))
			if err != nil {
				return err
			}
			var entIDs []string
			for _, x := range list {
				if x.EnterpriseID != "" {
					entIDs = append(entIDs, x.EnterpriseID)
				}
			}
			ents := map[string]string{}
			if len(entIDs) > 0 {
				if ents, err = s.ent.Names(ctx, p, entIDs); err != nil {
					return err
				}
			}
			for _, x := range list {
				if err := w.Write(x.Name, CategoryNames.ZH(x.Category), x.OwnerUnit, regionName(ctx, x.CountyCode, x.RegionCode), yesNo(x.Flood),
					x.DraftedOn, ents[x.EnterpriseID], x.Version, StateNames.ZH(x.State), yesNo(x.Revised), x.RevisionTrigger, x.ReviewedOn, x.ReviewExperts,
					x.DeliberatedOn, x.DeliberationBody, x.PublishedOn, x.FilingDue, x.FiledOn, x.FiledTo, x.NextAssessment); err != nil {
					return err
				}
			}
			return nil
		}},
		{Kind: "drills", Title: "prepare.drills", Schema: xlsx.Schema{Name: "应急演练台账", Columns: []xlsx.Column{
			{Key: "name", Header: "演练名称", Width: 36, Example: "示例县防汛抢险综合演练"}, {Key: "date", Header: "演练日期", Width: 12, Example: "2022-05-20"},
			{Key: "form", Header: "演练形式", Example: "县镇联动"}, {Key: "region", Header: "乡镇"}, {Key: "units", Header: "参演单位", Width: 30, Example: "县应急管理局、县水利局"},
			{Key: "people", Header: "参演人数", Example: "120"}, {Key: "evaluation", Header: "演练评估", Width: 30}, {Key: "plan", Header: "关联预案", Width: 30},
			{Key: "problem", Header: "发现问题", Width: 30}, {Key: "owner", Header: "整改责任单位", Width: 20}, {Key: "due", Header: "整改期限", Width: 12},
		}}, ExportColumns: []xlsx.Column{{Key: "done", Header: "整改完成日期", Width: 12}},
			Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
				list, err := s.AllDrills(ctx, p, DrillFilterOf(q))
				if err != nil {
					return err
				}
				planNames := map[string]string{}
				for _, d := range list {
					full, err := s.GetDrill(ctx, p, d.ID)
					if err != nil {
						return err
					}
					plan := ""
					if d.PlanID != "" {
						if n, ok := planNames[d.PlanID]; ok {
							plan = n
						} else if x, err := s.GetPlan(ctx, p, d.PlanID); err == nil {
							plan, planNames[d.PlanID] = x.Name, x.Name
						}
					}
					// One row per problem found (a drill without problems: one row),
					// as the import reads them.
					tasks := full.Tasks
					if len(tasks) == 0 {
						tasks = []DrillTask{{}}
					}
					for _, t := range tasks {
						if err := w.Write(d.Name, d.DrillOn, DrillForms.ZH(d.Form), regionName(ctx, d.CountyCode, d.RegionCode), d.Units, d.Participants,
							d.Evaluation, plan, t.Problem, t.Owner, t.DueOn, t.DoneOn); err != nil {
							return err
						}
					}
				}
				return nil
			}},
		{Kind: "teams", Title: "prepare.teams", Schema: xlsx.Schema{Name: "应急救援队伍台账", Columns: []xlsx.Column{
			{Key: "name", Header: "队伍名称", Width: 32}, {Key: "kind", Header: "队伍类型"}, {Key: "level", Header: "队伍级别"},
			{Key: "region", Header: "乡镇/村"}, {Key: "headcount", Header: "人数"}, {Key: "leader", Header: "负责人"},
			{Key: "phone", Header: "联系电话", Width: 14}, {Key: "equipment", Header: "主要装备", Width: 30}, {Key: "readiness", Header: "战备状态"},
			{Key: "dyke", Header: "巡查堤段", Width: 20}, {Key: "line", Header: "防线"}, {Key: "established", Header: "组建日期", Width: 12},
			{Key: "supplies", Header: "物资更新日期", Width: 12},
		}}, Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, err := s.AllTeams(ctx, p, TeamFilterOf(q))
			if err != nil {
				return err
			}
			for _, t := range list {
				line := ""
				if t.PatrolLine > 0 {
					line = "第" + strconv.Itoa(t.PatrolLine) + "线"
				}
				if err := w.Write(t.Name, TeamKinds.ZH(t.Kind), Levels.ZH(t.Level), regionName(ctx, t.CountyCode, t.RegionCode), t.Headcount,
					t.Leader, t.Phone, t.Equipment, Readiness.ZH(t.Readiness), t.DykeSection, line, t.EstablishedOn, t.SuppliesUpdatedOn); err != nil {
					return err
				}
			}
			return nil
		}},
		{Kind: "experts", Title: "prepare.experts", Schema: xlsx.Schema{Name: "应急专家库", Columns: []xlsx.Column{
			{Key: "name", Header: "姓名", Example: "张明"}, {Key: "field", Header: "专业领域", Example: "防汛抗旱"},
			{Key: "unit", Header: "工作单位", Width: 28, Example: "县水利局"}, {Key: "title", Header: "职称", Example: "高级工程师"},
			{Key: "phone", Header: "联系电话", Width: 14, Example: "13955301234"},
		}}, Export: func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error {
			list, _, err := s.ListExperts(ctx, p, ExpertFilter{Q: q.Get("q"), Field: q.Get("field"), Limit: 10000})
			if err != nil {
				return err
			}
			for _, e := range list {
				if err := w.Write(e.Name, ExpertFields.ZH(e.Field), e.Unit, e.Title, e.Phone); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	s.withTeamImport(out[2], regionCode)
	s.withRegisterImports(out[0], out[1], out[3], regionCode)
	return out
}

// BulletinSchema is the monthly bulletin's Excel layout (月通报): the
// towns' and the sections' ranking.
func BulletinSchema() xlsx.Schema {
	return xlsx.Schema{Name: "应急资源月通报", Columns: []xlsx.Column{
		{Key: "group", Header: "类别"}, {Key: "rank", Header: "排名"}, {Key: "name", Header: "乡镇/股室", Width: 20},
		{Key: "enterprises", Header: "企业数"}, {Key: "complete", Header: "填报完整企业数"}, {Key: "score", Header: "平均完整度"},
		{Key: "fresh", Header: "平均更新间隔（天）"},
	}}
}

func fresh(f float64) string {
	if f < 0 {
		return "—"
	}
	return strconv.FormatFloat(f, 'f', 1, 64)
}

// WriteBulletin writes the assessment's rankings.
func WriteBulletin(w *xlsx.Writer, a Assessment) error {
	for _, g := range []struct {
		name string
		list []Rank
	}{{"乡镇", a.Towns}, {"股室", a.Sections}} {
		for _, r := range g.list {
			if err := w.Write(g.name, r.Rank, r.Name, r.Enterprises, r.Complete, strconv.FormatFloat(r.Score, 'f', 1, 64), fresh(r.Freshness)); err != nil {
				return err
			}
		}
	}
	return nil
}

// BulletinPDF prints the monthly bulletin (月通报).
func BulletinPDF(out io.Writer, a Assessment) error {
	rows := func(list []Rank) [][]string {
		var out [][]string
		for _, r := range list {
			out = append(out, []string{strconv.Itoa(r.Rank), r.Name, strconv.Itoa(r.Enterprises), strconv.Itoa(r.Complete),
				strconv.FormatFloat(r.Score, 'f', 1, 64), fresh(r.Freshness)})
		}
		return out
	}
	head := []string{"排名", "名称", "企业数", "完整企业数", "平均完整度", "平均更新间隔（天）"}
	month := a.Month
	if t := calendar.Day(a.Month + "-01"); !t.IsZero() {
		month = fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
	}
	doc := pdfdoc.Doc{Title: "应急资源建设和填报情况通报", Number: month, Blocks: []pdfdoc.Block{
		pdfdoc.Paragraph{Indent: true, Text: fmt.Sprintf("按照省信息化平台应急资源建设和填报\"月考核、月通报\"要求，现将%s全县企业应急预案、救援队伍和应急物资填报情况通报如下。本月共考核企业%d家，其中填报不完整%d家；本月督促企业%d家次。",
			month, len(a.Enterprises), a.Incomplete, a.Reminders)},
		pdfdoc.Heading{Text: "一、各乡镇排名"},
		pdfdoc.Table{Header: head, Widths: []float64{0.1, 0.3, 0.12, 0.16, 0.16, 0.16}, Rows: rows(a.Towns)},
		pdfdoc.Heading{Text: "二、各股室排名"},
		pdfdoc.Table{Header: head, Widths: []float64{0.1, 0.3, 0.12, 0.16, 0.16, 0.16}, Rows: rows(a.Sections)},
		pdfdoc.Signature{Unit: "应急管理局", Date: calendar.Day(a.AsOf)},
	}}
	return pdfdoc.Render(out, doc)
}
