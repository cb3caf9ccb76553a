package supervise

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/bureau/hazard"
	"yingji/internal/kit/attach"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// DemoPeople are the demo users who act in the supervision demo.
type DemoPeople struct {
	Section1, Section2, Enforcer, Leader *auth.Principal
}

// demoLetterRef marks the hazards the demo creates for its letters.
const demoLetterRef = "县安委办2022年一季度安全生产督查"

// demoLetters are the 4 letters of F-SUP-1 (县安委办共发放重大安全隐患督办
// 函4次，截至目前已整改3处): 4 major hazards of 工贸 enterprises (监管二股)
// found by the county safety office's inspection, overdue, written to, and
// 3 of them rectified within the half year.
var demoLetters = []struct {
	sector, clause, desc, spot                   string
	found, deadline, issued, letterDeadline      string
	measures, closed, planFunds, planPerson, fix string
}{
	{"machinery", "gm17-dust-3", "抛丸车间干式除尘器未设置泄爆装置，除尘系统未采取任何控爆措施", "抛丸车间", "2022-01-10", "2022-02-28", "2022-03-09", "2022-04-08",
		"1. 立即停止抛丸车间作业；\n2. 为干式除尘器加装泄爆片并将泄爆口引至室外安全区域；\n3. 整改完成后组织专家验收，验收合格前不得恢复生产。", "2022-04-02", "12万元", "生产副总", "泄爆片已安装"},
	{"light", "gm17-space-2", "污水处理站调节池等有限空间未辨识，未设置安全警示标志，作业未审批", "污水处理站", "2022-01-18", "2022-03-15", "2022-03-24", "2022-04-30",
		"1. 对全厂有限空间进行辨识，建立有限空间管理台账；\n2. 在各有限空间入口设置明显的安全警示标志；\n3. 落实作业审批和“先通风、再检测、后作业”要求。", "2022-04-26", "3万元", "安全主管", "已建台账并设置警示标志"},
	{"commerce", "gm17-nh3-1", "分割包装间空调系统采用氨直接蒸发制冷，包装间内作业人员超过10人", "分割包装间", "2022-02-21", "2022-04-10", "2022-04-19", "2022-05-31",
		"1. 立即减少分割包装间作业人数；\n2. 将分割包装间空调系统改为间接制冷或采用其他安全制冷工质；\n3. 改造期间加强氨泄漏检测报警和应急处置演练。", "2022-05-27", "45万元", "总经理", "已改为乙二醇载冷间接制冷"},
	{"textile", "gm17-dust-3", "梳棉车间与清花车间共用一套干式除尘系统，未采取泄爆、隔爆等控爆措施", "梳棉车间", "2022-03-08", "2022-04-30", "2022-05-10", "2022-07-31",
		"1. 按粉尘类别和防火分区拆分除尘系统；\n2. 为干式除尘器加装泄爆、隔爆装置；\n3. 整改期间停止清花车间作业。", "", "30万元", "厂长", ""},
}

// Demo records the supervision of the hazard demo's major hazards: the 5
// of the underground mines (F-MINE-3) and the 3 of the 2022 大检查 are
// listed (F-BIG-2), one of those accepted and delisted by 31 May and the
// other two extended; 4 supervision letters on overdue major hazards of
// the first half year, 3 rectified (F-SUP-1). The card history of closed
// hazards is rebuilt and the sweep run. Loading twice changes nothing.
// Without the hazard demo it says so and does nothing.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, who DemoPeople) error {
	if who.Section1 == nil || who.Section2 == nil || who.Enforcer == nil || who.Leader == nil {
		fmt.Fprintln(out, "supervision demo: skipped (the demo users are missing)")
		return nil
	}
	for _, id := range append(append([]string{}, hazard.DemoMineMajorIDs...), hazard.DemoBigMajorIDs...) {
		if _, err := getHazard(ctx, s.cfg.DB.R(), id); err != nil {
			fmt.Fprintln(out, "supervision demo: skipped (the hazard demo's major hazards are not loaded)")
			return nil
		}
	}
	d := &demoRun{s: s, out: out, who: who}
	// 1. The 5 mine majors, listed by the county on 2022-03-15.
	for _, id := range hazard.DemoMineMajorIDs {
		if _, err := d.list(ctx, id, "2022-03-15", "2022-03-17"); err != nil {
			return fmt.Errorf("demo listing %s: %w", id, err)
		}
	}
	// 2. The 3 majors of the 大检查: listed a few days after they were found.
	big := []struct{ listed, published string }{{"2022-03-22", "2022-03-24"}, {"2022-04-11", "2022-04-13"}, {"2022-04-25", "2022-04-27"}}
	var lids []string
	for i, id := range hazard.DemoBigMajorIDs {
		l, err := d.list(ctx, id, big[i].listed, big[i].published)
		if err != nil {
			return fmt.Errorf("demo listing %s: %w", id, err)
		}
		lids = append(lids, l.ID)
	}
	// The first rectified, accepted and delisted in May (已整改1个).
	if err := d.delist(ctx, lids[0], hazard.DemoBigMajorIDs[0]); err != nil {
		return err
	}
	// The other two extended (延期整改2个).
	exts := []struct {
		by                          *auth.Principal
		on, deadline, reason, voted string
	}{
		{who.Section2, "2022-05-16", "2022-09-30", "液氨制冷系统改造需更换制冷机组，设备供货周期约3个月", "2022-05-23"},
		{who.Section1, "2022-05-18", "2022-10-31", "甲类仓库改扩建须办理规划和消防审批，治理工期延长", "2022-05-27"},
	}
	for i, x := range exts {
		if err := d.extend(ctx, hazard.DemoBigMajorIDs[i+1], x.by, x.on, x.deadline, x.reason, x.voted); err != nil {
			return err
		}
	}
	// 3. The 4 letters of the half year.
	if err := d.letters(ctx, county); err != nil {
		return err
	}
	// 4. Cards: the history of closed hazards, then the sweep.
	n, err := s.RebuildHistory(ctx, county)
	if err != nil {
		return err
	}
	r, err := s.SweepCounty(ctx, county, s.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "supervision demo: %d listings, %d letters, %d extension requests created; %d past cards rebuilt; sweep: %d red, %d yellow\n",
		d.listings, d.lettersN, d.extensions, n, r.Red, r.Yellow)
	return nil
}

type demoRun struct {
	s                              *Service
	out                            io.Writer
	who                            DemoPeople
	listings, lettersN, extensions int
}

// evidence is a small photo for a rectification report.
func evidence(name string, shade uint8) attach.Upload {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := 0; x < 32; x++ {
		for y := 0; y < 24; y++ {
			img.Set(x, y, color.RGBA{shade, 160, 120, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return attach.Upload{Filename: name, Reader: bytes.NewReader(b.Bytes())}
}

func (d *demoRun) listingOf(ctx context.Context, hazardID string) (Listing, bool, error) {
	l, err := scanListing(d.s.cfg.DB.R().QueryRowContext(ctx, `SELECT `+listingCols+` FROM listing WHERE hazard_id = $1`, hazardID))
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	return l, err == nil, err
}

func (d *demoRun) list(ctx context.Context, hazardID, on, published string) (Listing, error) {
	if l, ok, err := d.listingOf(ctx, hazardID); ok || err != nil {
		return l, err
	}
	d.listings++
	return d.s.ListHazard(ctx, d.who.Leader, ListingInput{HazardID: hazardID, Level: LevelCounty, ListedOn: on, PublishedOn: published})
}

// delist takes a listed hazard through rectification, acceptance and
// delisting in May 2022.
func (d *demoRun) delist(ctx context.Context, listingID, hazardID string) error {
	l, _, err := d.listingOf(ctx, hazardID)
	if err != nil || l.State == ListingDelisted {
		return err
	}
	h, err := getHazard(ctx, d.s.cfg.DB.R(), hazardID)
	if err != nil {
		return err
	}
	fixer := d.who.Section2
	if !hazard.CanSee(fixer, h) {
		fixer = d.who.Section1
	}
	if h.State == hazard.Ordered || h.State == hazard.Rectifying {
		if _, err := d.s.cfg.Hazard.Do(ctx, fixer, hazardID, hazard.StepInput{Action: hazard.ActSubmit, On: "2022-05-12",
			Reason: "已加装泄爆装置并经第三方检测"}, []attach.Upload{evidence("整改后-泄爆装置.png", 90)}); err != nil {
			return fmt.Errorf("demo rectification: %w", err)
		}
	}
	if l.AcceptanceRequestedOn == "" && l.State == ListingListed {
		if _, err := d.s.RequestAcceptance(ctx, fixer, listingID, StepInput{On: "2022-05-13", Note: "企业申请验收"}); err != nil {
			return fmt.Errorf("demo acceptance request: %w", err)
		}
	}
	if l.State == ListingListed {
		if _, err := d.s.Accept(ctx, d.who.Leader, listingID, StepInput{On: "2022-05-20", Pass: true, DocNumber: "（示）应急复查〔2022〕Z01号",
			Note: "经现场验收，泄爆、隔爆措施落实到位"}); err != nil {
			return fmt.Errorf("demo acceptance: %w", err)
		}
	}
	if _, err := d.s.Delist(ctx, d.who.Leader, listingID, StepInput{On: "2022-05-25", Note: "验收合格，予以摘牌销号"}); err != nil {
		return fmt.Errorf("demo delisting: %w", err)
	}
	return nil
}

func (d *demoRun) extend(ctx context.Context, hazardID string, by *auth.Principal, on, deadline, reason, decided string) error {
	var id, state string
	err := d.s.cfg.DB.R().QueryRowContext(ctx, `SELECT id, state FROM extension_request WHERE hazard_id = $1 ORDER BY requested_on LIMIT 1`, hazardID).Scan(&id, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		x, err := d.s.RequestExtension(ctx, by, ExtensionInput{HazardID: hazardID, RequestedOn: on, RequestedDeadline: deadline, Reason: reason})
		if err != nil {
			return fmt.Errorf("demo extension request: %w", err)
		}
		id, state = x.ID, x.State
		d.extensions++
	case err != nil:
		return err
	}
	if state != ExtPending {
		return nil
	}
	if _, err := d.s.DecideExtension(ctx, d.who.Leader, id, DecisionInput{Approve: true, On: decided, Reason: "理由充分，同意延期，整改期间落实安全防范措施"}); err != nil {
		return fmt.Errorf("demo extension decision: %w", err)
	}
	return nil
}

// letterHazard finds or creates (reports, grades and orders) one of the
// demo letters' hazards.
func (d *demoRun) letterHazard(ctx context.Context, county string, i int) (hazard.Record, error) {
	x := demoLetters[i]
	var id string
	err := d.s.cfg.DB.R().QueryRowContext(ctx, `SELECT id FROM hazard WHERE county_code = $1 AND source_ref = $2 AND description = $3`,
		county, demoLetterRef, x.desc).Scan(&id)
	if err == nil {
		return getHazard(ctx, d.s.cfg.DB.R(), id)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return hazard.Record{}, err
	}
	sec := d.who.Section2
	ents, _, err := d.s.cfg.Enterprise.List(ctx, sec, enterprise.Filter{Sector: x.sector, Limit: 6})
	if err != nil || len(ents) == 0 {
		return hazard.Record{}, fmt.Errorf("demo letters: no %s enterprise: %v", x.sector, err)
	}
	// Not an enterprise of the 大检查's majors.
	busy := map[string]bool{}
	for _, id := range hazard.DemoBigMajorIDs {
		if m, err := getHazard(ctx, d.s.cfg.DB.R(), id); err == nil {
			busy[m.EnterpriseID] = true
		}
	}
	e := ents[len(ents)-1]
	for _, x := range ents[1:] {
		if !busy[x.ID] {
			e = x
			break
		}
	}
	h, err := d.s.cfg.Hazard.Report(ctx, sec, hazard.NewHazard{EnterpriseID: e.ID, Source: hazard.SourceInspection, SourceRef: demoLetterRef,
		Category: hazard.CatThing, Description: x.desc, Place: x.spot, FoundOn: x.found})
	if err != nil {
		return h, err
	}
	if _, err := d.s.cfg.Hazard.Do(ctx, sec, h.ID, hazard.StepInput{Action: hazard.ActGrade, On: x.found, Grade: hazard.Major, Clause: x.clause}, nil); err != nil {
		return h, err
	}
	return d.s.cfg.Hazard.Do(ctx, sec, h.ID, hazard.StepInput{Action: hazard.ActOrder, On: x.found, Deadline: x.deadline,
		DocNumber: fmt.Sprintf("（示）应急责改〔2022〕D%02d号", i+1), PlanMeasures: x.measures, PlanFunds: x.planFunds, PlanDeadline: x.deadline,
		PlanPerson: e.PrincipalName + "（" + x.planPerson + "）", PlanEmergency: "已制定专项应急处置方案"}, nil)
}

func (d *demoRun) letters(ctx context.Context, county string) error {
	for i, x := range demoLetters {
		h, err := d.letterHazard(ctx, county, i)
		if err != nil {
			return fmt.Errorf("demo letter hazard %d: %w", i+1, err)
		}
		var n int
		if err := d.s.cfg.DB.R().QueryRowContext(ctx, `SELECT count(*) FROM supervision_letter WHERE hazard_id = $1`, h.ID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			if _, err := d.s.IssueLetter(ctx, d.who.Leader, LetterInput{HazardID: h.ID, IssuedOn: x.issued, Deadline: x.letterDeadline, Measures: x.measures}); err != nil {
				return fmt.Errorf("demo letter %d: %w", i+1, err)
			}
			d.lettersN++
		}
		if x.closed == "" || h.State == hazard.Closed {
			continue
		}
		sec, enf := d.who.Section2, d.who.Enforcer
		steps := []struct {
			p     *auth.Principal
			in    hazard.StepInput
			files []attach.Upload
		}{
			{sec, hazard.StepInput{Action: hazard.ActSubmit, On: x.closed, Reason: x.fix}, []attach.Upload{evidence("整改后.png", uint8(60+40*i))}},
			{enf, hazard.StepInput{Action: hazard.ActVerify, On: x.closed, DocNumber: fmt.Sprintf("（示）应急复查〔2022〕D%02d号", i+1)}, nil},
			{enf, hazard.StepInput{Action: hazard.ActClose, On: x.closed}, nil},
		}
		for _, st := range steps {
			if _, err := d.s.cfg.Hazard.Do(ctx, st.p, h.ID, st.in, st.files); err != nil {
				return fmt.Errorf("demo letter hazard %d %s: %w", i+1, st.in.Action, err)
			}
		}
	}
	return nil
}

// RebuildHistory records the cards closed hazards carried before they
// were closed, from their finding date, final deadline and closing day
// (e.g. after loading or importing past records; the sweep only sees open
// hazards). Hazards with any card event are left alone; it returns the
// events written.
func (s *Service) RebuildHistory(ctx context.Context, county string) (int, error) {
	rules, err := s.Rules(ctx, county)
	if err != nil {
		return 0, err
	}
	rows, err := s.cfg.DB.R().QueryContext(ctx, `SELECT id, enterprise_id, place_name, town_code, sector, unit_id, found_on, deadline, closed_on
		FROM hazard h WHERE county_code = $1 AND state = 'closed' AND deadline <> '' AND closed_on <> ''
		AND NOT EXISTS (SELECT 1 FROM hazard_card_event e WHERE e.hazard_id = h.id)`, county)
	if err != nil {
		return 0, fmt.Errorf("card history: %w", err)
	}
	var evs []cardEvent
	for rows.Next() {
		var e cardEvent
		var found, deadline, closed string
		if err := rows.Scan(&e.hazardID, &e.enterpriseID, &e.placeName, &e.townCode, &e.sector, &e.unitID, &found, &deadline, &closed); err != nil {
			rows.Close()
			return 0, err
		}
		y := hazard.Date(YellowOn(day(found), day(deadline), rules.YellowShare))
		red := addDays(deadline, 1)
		if closed > y {
			ye := e
			ye.card, ye.reason, ye.issued, ye.cleared = hazard.Yellow, ReasonShare, y, min(closed, red)
			ye.key = hazardEventKey(e.hazardID, hazard.Yellow, y)
			evs = append(evs, ye)
		}
		if closed > red {
			re := e
			re.card, re.reason, re.issued, re.cleared = hazard.Red, ReasonOverdue, red, closed
			re.key = hazardEventKey(e.hazardID, hazard.Red, red)
			evs = append(evs, re)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(evs) == 0 {
		return 0, err
	}
	now := s.now()
	err = s.cfg.DB.InTx(ctx, func(tx *store.Tx) error {
		if err := insertEvents(ctx, tx, county, now, evs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, audit.System(county), audit.Entry{Entity: "hazard_card", EntityID: county, Action: "rebuild",
			After: map[string]any{"events": len(evs), "batch": ids.New()}})
	})
	return len(evs), err
}
