package duty

import (
	"context"
	"fmt"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/store"
)

// Running is an incident on the dashboard's "what runs now" panel: an
// open incident with its next report's deadline, or any incident with 领导批示
// not yet carried out.
type Running struct {
	Incident
	// OpenInstructions counts its 批示 not yet carried out.
	OpenInstructions int `json:"open_instructions"`
}

// Running returns the open incidents in p's scope, the next report's
// deadline first (overdue ones lead), and separately the incidents in
// scope (open or closed) with 批示 not yet carried out, each with the
// number of those 批示. A town user sees its own town's incidents only.
func (s *Service) Running(ctx context.Context, p *auth.Principal) (open, instructions []Running, err error) {
	if !CanRead(p) {
		return nil, nil, nil
	}
	now := s.now()
	counts := map[string]int{}
	var w store.Where
	w.Add("d.county_code = ?", p.CountyCode)
	if p.Role == auth.RoleTown {
		w.Add("d.town_code LIKE ?", p.RegionPrefix()+"%")
	}
	w.Add("x.done_at IS NULL")
	rows, err := s.db.R().QueryContext(ctx, `SELECT x.incident_id, count(*) FROM duty_instruction x JOIN duty_incident d ON d.id = x.incident_id`+
		w.SQL()+` GROUP BY x.incident_id`, w.Args()...)
	if err != nil {
		return nil, nil, fmt.Errorf("open instructions: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, nil, err
		}
		counts[id] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	ow := s.incidentWhere(p, IncidentFilter{State: "open"}, now)
	list, err := s.incidentRows(ctx, p, `SELECT `+incidentCols+` FROM duty_incident`+ow.SQL()+` ORDER BY next_due, received_at, id`, ow.Args(), now)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, in := range list {
		r := Running{Incident: in, OpenInstructions: counts[in.ID]}
		open = append(open, r)
		if r.OpenInstructions > 0 {
			instructions, seen[in.ID] = append(instructions, r), true
		}
	}
	var rest []string
	for id := range counts {
		if !seen[id] {
			rest = append(rest, id)
		}
	}
	if len(rest) > 0 {
		var cw store.Where
		cw.Add("county_code = ?", p.CountyCode)
		cw.In("id", rest)
		closed, err := s.incidentRows(ctx, p, `SELECT `+incidentCols+` FROM duty_incident`+cw.SQL()+` ORDER BY received_at, id`, cw.Args(), now)
		if err != nil {
			return nil, nil, err
		}
		for _, in := range closed {
			instructions = append(instructions, Running{Incident: in, OpenInstructions: counts[in.ID]})
		}
	}
	return open, instructions, nil
}
