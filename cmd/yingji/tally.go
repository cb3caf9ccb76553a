package main

import (
	"errors"
	"fmt"

	"yingji/internal/bureau/hazard"
)

// tally checks the hazard tallies (hazard_tally, hazard_month: kept in Go
// by every write to hazards) against a count of the hazards and, with
// "rebuild", counts them again where they differ. It is a repair: rows
// changed by hand in the database, or a database put together outside
// Yingji.
func (e env) tally(args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "rebuild") {
		return usageError{"usage: yingji tally check | rebuild"}
	}
	a, rest, err := e.open("tally "+args[0], args[1:], nil)
	if err != nil {
		return err
	}
	defer a.Close()
	if len(rest) > 0 {
		return usageError{"unexpected argument " + rest[0]}
	}
	var c hazard.TallyCheck
	if args[0] == "check" {
		c, err = hazard.CheckTallies(e.ctx, a.DB.R())
	} else {
		c, err = a.Hazard.RepairTallies(e.ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "hazard_tally: %d rows differ from the hazards\nhazard_month: %d rows differ from the hazards\n", c.Tally, c.Month)
	switch {
	case c.OK():
		fmt.Fprintln(e.out, "the tallies hold / 统计表与隐患一致")
	case args[0] == "rebuild":
		fmt.Fprintln(e.out, "counted again from the hazards / 已按隐患重新统计")
	default:
		return errors.New("the tallies differ from the hazards: run yingji tally rebuild")
	}
	return nil
}
