package app

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"yingji/internal/bureau/province"
	"yingji/internal/kit/figure"
	"yingji/internal/kit/jobs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Publication is the county's period report as the province files it
// (逐级上报): every figure's numbers and words for the whole county (the
// system principal), last year's beside them where the figure compares,
// and the figures' definitions (section, order, label and sentence in
// both languages, the numbers that cannot be summed). Record IDs stay in
// the county.
func (a *App) Publication(ctx context.Context, p figure.Period) (province.Publication, error) {
	rep, err := a.Report(ctx, a.System(), figure.Query{Period: p}, "zh")
	if err != nil {
		return province.Publication{}, err
	}
	pub := province.Publication{County: province.County{Code: a.Cfg.County, Name: a.Cfg.CountyName}, Period: p,
		ComputedAt: time.Now().UTC(), Version: Version}
	for _, part := range rep.Parts {
		for _, it := range part.Items {
			last := map[string]int64{}
			if it.LastYear != nil {
				for _, n := range it.LastYear.Numbers {
					last[n.Key] = n.Value
				}
			}
			for _, n := range it.Value.Numbers {
				r := province.Row{FigureID: it.ID, Key: n.Key, Value: n.Value, Unit: string(n.Unit)}
				if v, ok := last[n.Key]; ok {
					r.LastYear = &v
				}
				pub.Rows = append(pub.Rows, r)
			}
			for k, w := range it.Value.Words {
				pub.Rows = append(pub.Rows, province.Row{FigureID: it.ID, Key: k, Unit: province.WordUnit, Word: w})
			}
		}
	}
	tr := a.UI.I18n.T
	for _, f := range a.Figures.All() {
		d := province.Def{ID: f.ID, Section: f.Section, Order: f.Order, Compare: f.Compare, PerCounty: f.PerCounty,
			Label: map[string]string{}, Text: map[string]string{}}
		for _, lang := range []string{"zh", "en"} {
			d.Label[lang] = tr(lang, cmp.Or(f.Label, "report.figure."+f.ID), nil)
			text := tr(lang, cmp.Or(f.Text, "report.text."+f.ID), nil)
			if strings.HasPrefix(text, "report.text.") || text == f.Text {
				text = "" // no sentence (as report.Build decides)
			}
			d.Text[lang] = text
		}
		pub.Defs = append(pub.Defs, d)
	}
	return pub, nil
}

// PublishToProvince computes the county's figures for a period and files
// them in the province database: the county's rows for that period are
// replaced in one transaction.
func (a *App) PublishToProvince(ctx context.Context, db *store.DB, p figure.Period) (province.Publication, error) {
	pub, err := a.Publication(ctx, p)
	if err != nil {
		return province.Publication{}, err
	}
	return pub, province.Publish(ctx, db, pub, time.Now())
}

// provincePublishKind is the scheduled publish of the closed periods.
const provincePublishKind = "province.publish"

// provinceModule publishes the county's figures to the province database
// (--province-db / YINGJI_PROVINCE_DB) every 6 hours: each closed month,
// quarter, half-year and year not yet published. Without a province
// database the job does nothing.
func (a *App) provinceModule() (*module, error) {
	return &module{
		name:    "province",
		locales: province.Locales,
		jobs:    map[string]jobs.Handler{provincePublishKind: a.publishClosed},
		every:   map[string]time.Duration{provincePublishKind: 6 * time.Hour},
	}, nil
}

// publishClosed publishes each closed period (province.ClosedPeriods of
// the business date) that the county has not published yet; a period
// already published is left as it is (yingji report publish replaces it).
func (a *App) publishClosed(ctx context.Context, _ *jobs.Job, prog jobs.Progress) error {
	if a.Cfg.ProvinceDB == "" {
		prog.Set(0, 0, "未配置省级数据库（--province-db），不报送")
		return nil
	}
	db, err := province.Open(ctx, a.Cfg.ProvinceDB)
	if err != nil {
		return err
	}
	defer db.Close()
	today := a.Now().In(web.Shanghai)
	periods := province.ClosedPeriods(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC))
	done := 0
	for i, p := range periods {
		ok, err := province.HasPublished(ctx, db, a.Cfg.County, p)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := a.PublishToProvince(ctx, db, p); err != nil {
				return err
			}
			done++
			a.Log.Info("published to the province", "from", p.FromDay(), "to", p.ToDay())
		}
		prog.Set(int64(i+1), int64(len(periods)), fmt.Sprintf("已报送 %d 个期间", done))
	}
	return nil
}
