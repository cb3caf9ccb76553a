package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"yingji/internal/bureau/enterprise"
	"yingji/internal/kit/auth"
	"yingji/internal/kit/config"
	"yingji/internal/kit/demo"
	"yingji/internal/kit/org"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Place is the county whose names an import template's examples show.
type Place struct {
	County, CountyName string
	TownCode, Town     string
	Village            string
}

// NeutralPlace is the place of templates made where no county is known:
// names that belong to no county.
func NeutralPlace(county, countyName string) Place {
	p := Place{County: county, CountyName: countyName, Town: "某某镇", Village: "某某村"}
	if p.County == "" {
		p.County = "XXXXXX"
	}
	if p.CountyName == "" {
		p.CountyName = "某某县"
	}
	p.TownCode = p.County + "100"
	return p
}

// placeOf is the county of the database with its first town and that
// town's first village.
func placeOf(ctx context.Context, o *org.Service, county, countyName string) (Place, error) {
	p := NeutralPlace(county, countyName)
	town, village, err := o.Sample(ctx, county)
	if err != nil {
		return p, err
	}
	if town.Code != "" {
		p.TownCode, p.Town = town.Code, town.Name
	}
	if village.Code != "" {
		p.Village = village.Name
	}
	return p, nil
}

// Localize rewrites a schema's examples, written with the demo county's
// names and codes (示例县, 349901…, 籍山镇, 新林村), into place's: a
// county's templates show its own towns and codes.
func Localize(s xlsx.Schema, place Place) xlsx.Schema {
	from := config.DefaultCounty
	codes, towns, villages := demo.Places(from)
	cols := make([]xlsx.Column, len(s.Columns))
	for i, c := range s.Columns {
		ex := c.Example
		for _, code := range codes {
			ex = strings.ReplaceAll(ex, code, place.TownCode)
		}
		ex = strings.ReplaceAll(ex, from, place.County)
		ex = strings.ReplaceAll(ex, config.DefaultCountyName, place.CountyName)
		for _, t := range towns {
			ex = strings.ReplaceAll(ex, t, place.Town)
		}
		for _, v := range villages {
			ex = strings.ReplaceAll(ex, v, place.Village)
		}
		// A credit code keeps a valid check character (GB 32100).
		if ex != c.Example && strings.Contains(c.Key, "credit_code") && len(ex) == 18 {
			if ch, ok := enterprise.CreditCheckChar(ex[:17]); ok {
				ex = ex[:17] + string(ch)
			}
		}
		c.Example = ex
		cols[i] = c
	}
	s.Columns = cols
	return s
}

// templateExamples is the ledger handlers' hook: the running county's
// place.
func (a *App) templateExamples(ctx context.Context, s xlsx.Schema) xlsx.Schema {
	p, err := placeOf(ctx, a.Org, a.Cfg.County, a.Cfg.CountyName)
	if err != nil {
		a.Log.Warn("template examples", "err", err)
	}
	return Localize(s, p)
}

// WriteTemplate writes the import template of ledger kind without
// creating or changing a database: the ledgers are built on a throwaway
// database in a temporary directory; the examples show the county of the
// existing database of cfg (read only), or neutral names when there is
// none. It returns the ledger's kind and the importable kinds (for the
// message when kind is unknown).
func WriteTemplate(ctx context.Context, cfg config.Config, kind string, w io.Writer) (found bool, kinds string, err error) {
	if err := cfg.Validate(); err != nil {
		return false, "", err
	}
	place := NeutralPlace(cfg.County, cfg.CountyName)
	if cfg.DB != "" || fileExists(filepath.Join(dataDir(cfg), "yingji.db")) {
		if place, err = existingPlace(ctx, cfg); err != nil {
			return false, "", err
		}
	}
	tmp, err := os.MkdirTemp("", "yingji-template-")
	if err != nil {
		return false, "", err
	}
	defer os.RemoveAll(tmp)
	a, err := Open(ctx, config.Config{Addr: "127.0.0.1:0", DataDir: tmp, County: config.DefaultCounty, CountyName: config.DefaultCountyName,
		AdminPassword: auth.GeneratePassword()}, Options{})
	if err != nil {
		return false, "", err
	}
	defer a.Close()
	var names []string
	for _, k := range a.Ledgers.Kinds() {
		if l, _ := a.Ledgers.Get(k); l.NewImport != nil {
			names = append(names, k)
		}
	}
	kinds = strings.Join(names, ", ")
	l, ok := a.Ledgers.Get(kind)
	if !ok || l.NewImport == nil {
		return false, kinds, nil
	}
	return true, kinds, xlsx.WriteTemplate(w, Localize(l.Schema, place))
}

func dataDir(cfg config.Config) string {
	if cfg.DataDir == "" {
		return "./data"
	}
	return cfg.DataDir
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// existingPlace reads the county and its first town and village from the
// existing database of cfg without migrating or writing anything.
func existingPlace(ctx context.Context, cfg config.Config) (Place, error) {
	db, err := store.Open(ctx, store.Options{DataDir: dataDir(cfg), URL: cfg.DB})
	if err != nil {
		return Place{}, err
	}
	defer db.Close()
	o := org.New(db, nil)
	county := ""
	// A database from before the installation table has none: its county
	// region tells.
	if err := db.R().QueryRowContext(ctx, `SELECT value FROM installation WHERE key = $1`, installCounty).Scan(&county); err != nil {
		county = ""
	}
	name := ""
	if county == "" {
		list, err := o.Counties(ctx)
		if err != nil {
			return Place{}, fmt.Errorf("read the database's county: %w", err)
		}
		if len(list) > 0 {
			county, name = list[0].Code, list[0].Name
		}
	} else if n, err := o.RegionName(ctx, county); err == nil {
		name = n
	}
	if county == "" {
		return NeutralPlace(cfg.County, cfg.CountyName), nil
	}
	if cfg.County != "" && cfg.County != county {
		return Place{}, fmt.Errorf("this database belongs to county %s %s, but --county/YINGJI_COUNTY says %s / 本数据库属于 %s %s，与 --county %s 不符", county, name, cfg.County, county, name, cfg.County)
	}
	return placeOf(ctx, o, county, name)
}
