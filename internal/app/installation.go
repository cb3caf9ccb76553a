package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"yingji/internal/kit/audit"
	"yingji/internal/kit/config"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/web"
)

// Keys of the installation table (migration 00024): what a database
// remembers about itself whatever a later start's flags say.
const (
	installCounty       = "county"        // the county it was created for
	installBusinessDate = "business_date" // YYYY-MM-DD the pages judge deadlines on; absent: the real date
)

// clock is the app's Now: the wall clock, or — when the database runs on
// a business date (the demo: the day of its source report) — that date
// with the wall clock's time of day in Asia/Shanghai, so that every
// deadline, card and reminder is judged on that day.
type clock struct {
	wall    func() time.Time
	applies bool                      // false when the caller (a test) gave its own clock
	date    atomic.Pointer[time.Time] // 00:00 CST of the business date; nil: the real date
}

func (c *clock) now() time.Time {
	t := c.wall()
	d := c.date.Load()
	if d == nil || !c.applies {
		return t
	}
	l := t.In(web.Shanghai)
	return time.Date(d.Year(), d.Month(), d.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), web.Shanghai)
}

func (c *clock) set(day string) error {
	if day == "" {
		c.date.Store(nil)
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, day, web.Shanghai)
	if err != nil {
		return fmt.Errorf("business date %q: %w", day, err)
	}
	c.date.Store(&d)
	return nil
}

// BusinessDate is the date the app runs on, YYYY-MM-DD, when it is not the
// real date (a demo database runs on its report's day); "" otherwise. The
// page header shows it.
func (a *App) BusinessDate() string {
	if a.clock == nil || !a.clock.applies {
		return ""
	}
	if d := a.clock.date.Load(); d != nil {
		return d.Format(time.DateOnly)
	}
	return ""
}

// SetBusinessDate makes the database run on day (YYYY-MM-DD) from now on,
// this process and every later start; "" returns to the real date. It is
// remembered in the database and audited.
func (a *App) SetBusinessDate(ctx context.Context, day string) error {
	if day != "" {
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			return fmt.Errorf("business date %q: give YYYY-MM-DD: %w", day, err)
		}
	}
	before, err := a.installation(ctx, installBusinessDate)
	if err != nil {
		return err
	}
	if before != day {
		err = a.DB.InTx(ctx, func(tx *store.Tx) error {
			if day == "" {
				if _, err := tx.ExecContext(ctx, `DELETE FROM installation WHERE key = $1`, installBusinessDate); err != nil {
					return fmt.Errorf("business date: %w", err)
				}
			} else if err := putInstallation(ctx, tx, installBusinessDate, day, a.clock.wall()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, a.clock.wall(), audit.System(a.Cfg.County), audit.Entry{Entity: "installation", EntityID: installBusinessDate,
				Action: "update", Before: map[string]string{"business_date": before}, After: map[string]string{"business_date": day}})
		})
		if err != nil {
			return err
		}
	}
	return a.clock.set(day)
}

func (a *App) installation(ctx context.Context, key string) (string, error) {
	var v string
	err := a.DB.R().QueryRowContext(ctx, `SELECT value FROM installation WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("installation %s: %w", key, err)
	}
	return v, nil
}

func putInstallation(ctx context.Context, tx *store.Tx, key, value string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO installation (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, now.UTC())
	if err != nil {
		return fmt.Errorf("installation %s: %w", key, err)
	}
	return nil
}

// resolveInstallation settles the county and the business date. A new
// database remembers the county it is started for (--county, else the
// default); a database that has one refuses another --county, and without
// --county runs its own. A database from before the installation table
// adopts its county region. --as-of sets (or "today" clears) the
// remembered business date; without it the remembered one applies.
func (a *App) resolveInstallation(ctx context.Context) error {
	stored, err := a.installation(ctx, installCounty)
	if err != nil {
		return err
	}
	if stored == "" {
		counties, err := a.Org.Counties(ctx)
		if err != nil {
			return err
		}
		switch {
		case len(counties) > 0:
			stored = counties[0].Code
		case a.Cfg.County != "":
			stored = a.Cfg.County
		default:
			stored = config.DefaultCounty
		}
		err = a.DB.InTx(ctx, func(tx *store.Tx) error {
			if err := putInstallation(ctx, tx, installCounty, stored, a.clock.wall()); err != nil {
				return err
			}
			return audit.Record(ctx, tx, a.clock.wall(), audit.System(stored), audit.Entry{Entity: "installation", EntityID: installCounty,
				Action: "create", After: map[string]string{"county": stored}})
		})
		if err != nil {
			return err
		}
	}
	if a.Cfg.County != "" && a.Cfg.County != stored {
		name, _ := a.Org.RegionName(ctx, stored)
		return fmt.Errorf("this database belongs to county %s %s (it was created for it), but --county/YINGJI_COUNTY says %s: "+
			"leave --county out to run the database's county, or point --data/--db at that county's own database / "+
			"本数据库属于 %s %s，与 --county %s 不符，已拒绝", stored, name, a.Cfg.County, stored, name, a.Cfg.County)
	}
	a.Cfg.County = stored
	if a.Cfg.CountyName == "" {
		name, err := a.Org.RegionName(ctx, stored)
		switch {
		case err == nil && name != "":
			a.Cfg.CountyName = name
		case err != nil && !errs.Is(err, errs.NotFound):
			return fmt.Errorf("county name: %w", err)
		default:
			a.Cfg.CountyName = config.DefaultCountyName
		}
	}
	switch a.Cfg.AsOf {
	case "":
		day, err := a.installation(ctx, installBusinessDate)
		if err != nil {
			return err
		}
		return a.clock.set(day)
	case config.AsOfToday:
		return a.SetBusinessDate(ctx, "")
	default:
		return a.SetBusinessDate(ctx, a.Cfg.AsOf)
	}
}
