package licence

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/audit"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/ids"
	"yingji/internal/kit/store"
)

// DemoPeople are who take the demo steps: the supervising section's staff
// (受理, 审查, 发证, 初审, 转报) and a leader (决定). Nil fields fall back to
// the system.
type DemoPeople struct {
	Section *auth.Principal
	Leader  *auth.Principal
}

// demoStep is one dated step of a demo application.
type demoStep struct {
	act  Action
	lead bool // taken by the leader
}

// demoApp is one demo application with its steps.
type demoApp struct {
	ent   enterprise.Enterprise
	typ   string
	kind  string
	prev  string // number of the licence extended
	on    string // submitted
	scope string
	steps []demoStep
}

// Demo records of F-CHEM-2 (2022 上半年): 3 fireworks retail licences
// granted and issued after the full flow; 11 petrol-station applications
// (7 extensions, 4 new) accepted, preliminarily reviewed (初审) and
// forwarded to the city, 6 with the city's result recorded. Around them,
// the existing licences of the register: 327 fireworks retailers licensed
// in 2020–2021 for 2 years (so they run out from mid-2022), the petrol
// stations' city licences of 2019 that the extensions renew, and a few
// chemical traders' licences.
//
// Loading twice changes nothing: an existing licence number, or an
// application of the same enterprise, type and date, is left alone.
func (s *Service) Demo(ctx context.Context, out io.Writer, county string, who DemoPeople) error {
	sys := &auth.Principal{UserID: "system", Username: "system", DisplayName: "系统", Role: auth.RoleAdmin, CountyCode: county}
	if who.Section == nil {
		who.Section = sys
	}
	if who.Leader == nil {
		who.Leader = sys
	}
	bySector := map[string][]enterprise.Enterprise{}
	err := s.ent.Each(ctx, sys, enterprise.Filter{}, func(e enterprise.Enterprise) error {
		bySector[e.Sector] = append(bySector[e.Sector], e)
		return nil
	})
	if err != nil {
		return err
	}
	for _, list := range bySector {
		// Credit codes follow the order the demo enterprises were made.
		sort.Slice(list, func(i, j int) bool { return list[i].CreditCode < list[j].CreditCode })
	}
	retail, petrol, chem := bySector["fireworks_retail"], bySector["petrol"], bySector["chem_trade"]
	if len(retail) < 4 || len(petrol) < 11 {
		return fmt.Errorf("demo licences need the demo enterprises (fireworks retailers and 11 petrol stations)")
	}
	set, err := s.Settings(ctx, county)
	if err != nil {
		return err
	}

	// The register's existing licences.
	var existing []Licence
	newRetail := retail[len(retail)-3:]
	start := time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)
	serial := map[int]int{}
	for i, e := range retail[:len(retail)-3] {
		issued := workday(start.AddDate(0, 0, i*548/len(retail)))
		y := issued.Year()
		serial[y]++
		existing = append(existing, Licence{EnterpriseID: e.ID, Type: TypeFireworksRetail, Number: FormatNumber(set.IssuerAbbr, "LS", y, serial[y]),
			NumberYear: y, NumberSerial: serial[y], Issuer: IssuerCounty, IssuerName: set.IssuerName, Scope: "烟花爆竹零售（个人燃放类）",
			IssuedOn: issued.Format(DateLayout), ValidFrom: issued.Format(DateLayout), ValidTo: AddYears(issued, 2).Format(DateLayout)})
	}
	for i, e := range chem {
		issued := workday(time.Date(2020, 9, 15, 0, 0, 0, 0, time.UTC).AddDate(0, i*3, 0))
		y := issued.Year()
		n := 1 + i
		existing = append(existing, Licence{EnterpriseID: e.ID, Type: TypeHazchemNoStorage, Number: FormatNumber(set.IssuerAbbr, "WH安经", y, n),
			NumberYear: y, NumberSerial: n, Issuer: IssuerCounty, IssuerName: set.IssuerName, Scope: "经营品种详见附页（不带储存）",
			IssuedOn: issued.Format(DateLayout), ValidFrom: issued.Format(DateLayout), ValidTo: AddYears(issued, 3).Format(DateLayout)})
	}

	// Petrol stations: when each application was filed, accepted,
	// reviewed, forwarded and (for some) decided by the city in 2022.
	petrolPlan := []struct {
		kind                             string
		submitted, accepted, prelim, fwd string
		city                             string
		oldTo                            string // an extension: the old licence's last day
	}{
		{KindExtension, "2022-01-10", "2022-01-11", "2022-01-18", "2022-01-19", "2022-02-25", "2022-03-31"},
		{KindExtension, "2022-01-24", "2022-01-25", "2022-02-10", "2022-02-11", "2022-03-18", "2022-04-20"},
		{KindExtension, "2022-02-21", "2022-02-22", "2022-03-01", "2022-03-02", "2022-04-08", "2022-05-15"},
		{KindNew, "2022-03-07", "2022-03-08", "2022-03-15", "2022-03-16", "2022-04-22", ""},
		{KindExtension, "2022-03-28", "2022-03-29", "2022-04-07", "2022-04-08", "2022-05-20", "2022-06-25"},
		{KindExtension, "2022-04-11", "2022-04-12", "2022-04-20", "2022-04-21", "2022-05-27", "2022-07-08"},
		{KindNew, "2022-04-25", "2022-04-26", "2022-05-10", "2022-05-11", "", ""},
		{KindExtension, "2022-05-09", "2022-05-10", "2022-05-17", "2022-05-18", "", "2022-08-05"},
		{KindNew, "2022-05-23", "2022-05-24", "2022-05-31", "2022-06-01", "", ""},
		{KindExtension, "2022-06-06", "2022-06-07", "2022-06-14", "2022-06-15", "", "2022-09-01"},
		{KindNew, "2022-06-13", "2022-06-14", "2022-06-21", "2022-06-22", "", ""},
	}
	var apps []demoApp
	citySerial := 10
	for i, pl := range petrolPlan {
		e := petrol[i]
		a := demoApp{ent: e, typ: TypePetrolStation, kind: pl.kind, on: pl.submitted, scope: "汽油、柴油（加油站）"}
		from := pl.city
		if pl.kind == KindExtension {
			old := day(pl.oldTo)
			issued := old.AddDate(-3, 0, 1)
			l := Licence{EnterpriseID: e.ID, Type: TypePetrolStation, Number: fmt.Sprintf("（示市）WH安经〔%d〕%d号", issued.Year(), 31+i),
				Issuer: IssuerCity, IssuerName: set.CityName, Scope: a.scope, IssuedOn: issued.Format(DateLayout),
				ValidFrom: issued.Format(DateLayout), ValidTo: pl.oldTo}
			existing = append(existing, l)
			a.prev = l.Number
			from = old.AddDate(0, 0, 1).Format(DateLayout)
		}
		opinion := "经初审，该站安全条件符合《危险化学品经营许可证管理办法》规定，同意上报市应急管理局审批。"
		if pl.kind == KindExtension {
			opinion = "经初审，该站许可有效期内未发生安全事故，安全条件未发生变化，同意延期，报市应急管理局审批。"
		}
		a.steps = []demoStep{
			{act: Action{Name: ActAccept, Date: pl.accepted}},
			{act: Action{Name: ActPrelim, Date: pl.prelim, Opinion: opinion}},
			{act: Action{Name: ActForward, Date: pl.fwd, Note: fmt.Sprintf("示应急〔2022〕%d号转报", 20+i)}},
		}
		if pl.city != "" {
			citySerial++
			f := day(from)
			if f.Before(day(pl.city)) {
				f = day(pl.city)
			}
			a.steps = append(a.steps, demoStep{act: Action{Name: ActCityResult, Date: pl.city, Decision: DecisionGranted,
				Number: fmt.Sprintf("（示市）WH安经〔2022〕%d号", citySerial), ValidFrom: f.Format(DateLayout),
				ValidTo: AddYears(f, 3).Format(DateLayout)}})
		}
		apps = append(apps, a)
	}
	// Three new fireworks retailers, the full county flow.
	fwPlan := [][5]string{
		{"2022-02-14", "2022-02-15", "2022-02-16", "2022-03-08", "2022-03-10"},
		{"2022-03-21", "2022-03-22", "2022-03-23", "2022-04-15", "2022-04-18"},
		{"2022-05-09", "2022-05-10", "2022-05-11", "2022-05-31", "2022-06-02"},
	}
	for i, pl := range fwPlan {
		issued := day(pl[4])
		apps = append(apps, demoApp{ent: newRetail[i], typ: TypeFireworksRetail, kind: KindNew, on: pl[0], scope: "烟花爆竹零售（个人燃放类）",
			steps: []demoStep{
				{act: Action{Name: ActAccept, Date: pl[1], Note: "申请材料齐全，符合法定形式"}},
				{act: Action{Name: ActReview, Date: pl[2], Note: "安排现场核查"}},
				{act: Action{Name: ActDecide, Date: pl[3], Decision: DecisionGranted, Note: "现场核查符合零售点布点规划和安全条件"}, lead: true},
				{act: Action{Name: ActIssue, Date: pl[4], ValidFrom: pl[4], ValidTo: AddYears(issued, 2).Format(DateLayout)}},
			}})
	}

	licences, created := 0, 0
	err = s.inTxNumbered(ctx, func(tx *store.Tx) error {
		licences, created = 0, 0
		now := s.now().UTC()
		var entries []audit.Entry
		for _, l := range existing {
			taken, err := numberExists(ctx, tx, county, l.Type, l.Number)
			if err != nil {
				return err
			}
			if taken {
				continue
			}
			l.ID, l.CountyCode, l.Status, l.Source, l.CreatedAt, l.UpdatedAt = ids.New(), county, LicenceActive, SourceImport, now, now
			if err := insertLicence(ctx, tx, l, false); err != nil {
				return fmt.Errorf("demo licence %s: %w", l.Number, err)
			}
			entries = append(entries, audit.Entry{Entity: "licence", EntityID: l.ID, Action: ActImport, After: l})
			licences++
		}
		if err := audit.RecordMany(ctx, tx, now, audit.System(county), entries); err != nil {
			return err
		}
		for _, a := range apps {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM licence_application WHERE enterprise_id = $1 AND type = $2 AND submitted_on = $3`,
				a.ent.ID, a.typ, a.on).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			app, err := s.CreateApplicationTx(ctx, tx, who.Section, NewApplication{EnterpriseID: a.ent.ID, Type: a.typ, Kind: a.kind,
				PrevNumber: a.prev, SubmittedOn: a.on, Scope: a.scope})
			if err != nil {
				return fmt.Errorf("demo application of %s: %w", a.ent.Name, err)
			}
			for _, st := range a.steps {
				p := who.Section
				if st.lead {
					p = who.Leader
				}
				if _, err := s.ActTx(ctx, tx, p, app.ID, st.act); err != nil {
					return fmt.Errorf("demo %s of %s: %w", st.act.Name, a.ent.Name, err)
				}
			}
			created++
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d licences and %d licence applications created\n", licences, created)
	return nil
}

// workday moves a Saturday or Sunday to the next Monday.
func workday(t time.Time) time.Time {
	switch t.Weekday() {
	case time.Saturday:
		return t.AddDate(0, 0, 2)
	case time.Sunday:
		return t.AddDate(0, 0, 1)
	}
	return t
}
