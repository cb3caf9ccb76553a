package app

import (
	"context"

	"yingji/internal/kit/calendar"
)

// Calendar returns a county's working-day calendar: the built-in public
// holidays plus the county's own additions (kept in the licence settings,
// 追加节假日 / 调休上班日). Every module that counts statutory limits in
// working days takes its calendar from here.
func (a *App) Calendar(ctx context.Context, county string) (calendar.Calendar, error) {
	if a.Licence == nil {
		return calendar.New(nil, nil), nil
	}
	set, err := a.Licence.Settings(ctx, county)
	if err != nil {
		return calendar.Calendar{}, err
	}
	return set.Calendar(), nil
}
