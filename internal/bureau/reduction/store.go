package reduction

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
)

// All SQL of the module's tables (reduction_*), and of no other table.

type row interface{ Scan(...any) error }

func notFound(err error, entity, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "not_found")
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", entity, id, err)
	}
	return nil
}

// ---- events and reports

const eventCols = `id, county_code, name, hazard_kind, started_at, stable_on, note, created_by, created_at`

func scanEvent(r row) (Event, error) {
	var e Event
	err := r.Scan(&e.ID, &e.CountyCode, &e.Name, &e.HazardKind, &e.StartedAt, &e.StableOn, &e.Note, &e.CreatedBy, &e.CreatedAt)
	return e, err
}

func insertEvent(ctx context.Context, q store.Querier, e Event) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_event (`+eventCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		e.ID, e.CountyCode, e.Name, e.HazardKind, e.StartedAt, e.StableOn, e.Note, e.CreatedBy, e.CreatedAt)
	return err
}

func updateEvent(ctx context.Context, q store.Querier, e Event) error {
	_, err := q.ExecContext(ctx, `UPDATE reduction_event SET name = $1, hazard_kind = $2, started_at = $3, stable_on = $4, note = $5 WHERE id = $6`,
		e.Name, e.HazardKind, e.StartedAt, e.StableOn, e.Note, e.ID)
	return err
}

func getEvent(ctx context.Context, q store.Querier, id string) (Event, error) {
	e, err := scanEvent(q.QueryRowContext(ctx, `SELECT `+eventCols+` FROM reduction_event WHERE id = $1`, id))
	return e, notFound(err, "event", id)
}

const reportCols = `id, county_code, event_id, town_code, kind, seq, affected, evacuated, need_aid, dead, missing, collapsed, severe,
	damaged, crop_tenths, loss_fen, zero, explanation, reporter, reported_at, late, note, created_by, created_at`

func scanReport(r row) (Report, error) {
	var x Report
	err := r.Scan(&x.ID, &x.CountyCode, &x.EventID, &x.TownCode, &x.Kind, &x.Seq, &x.Affected, &x.Evacuated, &x.NeedAid, &x.Dead, &x.Missing,
		&x.Collapsed, &x.Severe, &x.Damaged, &x.CropTenths, &x.LossFen, &x.Zero, &x.Explanation, &x.Reporter, &x.ReportedAt, &x.Late,
		&x.Note, &x.CreatedBy, &x.CreatedAt)
	return x, err
}

func reportArgs(x Report) []any {
	return []any{x.ID, x.CountyCode, x.EventID, x.TownCode, x.Kind, x.Seq, x.Affected, x.Evacuated, x.NeedAid, x.Dead, x.Missing,
		x.Collapsed, x.Severe, x.Damaged, x.CropTenths, x.LossFen, x.Zero, x.Explanation, x.Reporter, x.ReportedAt, x.Late, x.Note,
		x.CreatedBy, x.CreatedAt}
}

func insertReport(ctx context.Context, q store.Querier, x Report) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_report (`+reportCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)`,
		reportArgs(x)...)
	if store.IsUniqueViolation(err) {
		return errs.New(errs.Conflict, "reduction.rule.concurrent_report")
	}
	return err
}

// chain returns a town's reports on an event, oldest first.
func chain(ctx context.Context, q store.Querier, eventID, town string) ([]Report, error) {
	return queryReports(ctx, q, `SELECT `+reportCols+` FROM reduction_report WHERE event_id = $1 AND town_code = $2 ORDER BY seq`, eventID, town)
}

func queryReports(ctx context.Context, q store.Querier, query string, args ...any) ([]Report, error) {
	out, err := store.QueryAll(ctx, q, func(r *sql.Rows) (Report, error) { return scanReport(r) }, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return out, nil
}

// ---- officers

const officerCols = `id, county_code, town_code, village_code, name, phone, role, position, registered_on, trained_on, note, created_by, created_at, updated_at`

func scanOfficer(r row) (Officer, error) {
	var o Officer
	err := r.Scan(&o.ID, &o.CountyCode, &o.TownCode, &o.VillageCode, &o.Name, &o.Phone, &o.Role, &o.Position, &o.RegisteredOn, &o.TrainedOn,
		&o.Note, &o.CreatedBy, &o.CreatedAt, &o.UpdatedAt)
	return o, err
}

func officerArgs(o Officer) []any {
	return []any{o.ID, o.CountyCode, o.TownCode, o.VillageCode, o.Name, o.Phone, o.Role, o.Position, o.RegisteredOn, o.TrainedOn, o.Note,
		o.CreatedBy, o.CreatedAt, o.UpdatedAt}
}

func insertOfficer(ctx context.Context, q store.Querier, o Officer) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_officer (`+officerCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`, officerArgs(o)...)
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "reduction.officer_taken", nil)
	}
	return err
}

func updateOfficer(ctx context.Context, q store.Querier, o Officer) error {
	_, err := q.ExecContext(ctx, `UPDATE reduction_officer SET town_code = $1, village_code = $2, name = $3, phone = $4, role = $5, position = $6,
		registered_on = $7, trained_on = $8, note = $9, updated_at = $10 WHERE id = $11`,
		o.TownCode, o.VillageCode, o.Name, o.Phone, o.Role, o.Position, o.RegisteredOn, o.TrainedOn, o.Note, o.UpdatedAt, o.ID)
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "reduction.officer_taken", nil)
	}
	return err
}

func getOfficer(ctx context.Context, q store.Querier, id string) (Officer, error) {
	o, err := scanOfficer(q.QueryRowContext(ctx, `SELECT `+officerCols+` FROM reduction_officer WHERE id = $1`, id))
	return o, notFound(err, "officer", id)
}

func villageOfficers(ctx context.Context, q store.Querier, village string) ([]Officer, error) {
	out, err := store.QueryAll(ctx, q, func(r *sql.Rows) (Officer, error) { return scanOfficer(r) },
		`SELECT `+officerCols+` FROM reduction_officer WHERE village_code = $1 ORDER BY role, name`, village)
	if err != nil {
		return nil, fmt.Errorf("village officers: %w", err)
	}
	return out, nil
}

// ---- communities

const communityCols = `id, county_code, town_code, village_code, name, applied_on, scores, score, stage, failed, result, decisions, note, created_by, created_at, updated_at`

func scanCommunity(r row) (Community, error) {
	var c Community
	var scores, decisions string
	err := r.Scan(&c.ID, &c.CountyCode, &c.TownCode, &c.VillageCode, &c.Name, &c.AppliedOn, &scores, &c.Score, &c.Stage, &c.Failed, &c.Result,
		&decisions, &c.Note, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(scores), &c.Scores); err != nil {
		return c, fmt.Errorf("community %s scores: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(decisions), &c.Decisions); err != nil {
		return c, fmt.Errorf("community %s decisions: %w", c.ID, err)
	}
	return c, nil
}

func communityJSON(c Community) (string, string) {
	if c.Scores == nil {
		c.Scores = map[string]int{}
	}
	if c.Decisions == nil {
		c.Decisions = []StageDecision{}
	}
	s, _ := json.Marshal(c.Scores)
	d, _ := json.Marshal(c.Decisions)
	return string(s), string(d)
}

func insertCommunity(ctx context.Context, q store.Querier, c Community) error {
	s, d := communityJSON(c)
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_community (`+communityCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
		c.ID, c.CountyCode, c.TownCode, c.VillageCode, c.Name, c.AppliedOn, s, c.Score, c.Stage, c.Failed, c.Result, d, c.Note, c.CreatedBy, c.CreatedAt, c.UpdatedAt)
	if store.IsUniqueViolation(err) {
		return errs.Field("village_code", "reduction.community_taken", nil)
	}
	return err
}

func updateCommunity(ctx context.Context, q store.Querier, c Community) error {
	s, d := communityJSON(c)
	_, err := q.ExecContext(ctx, `UPDATE reduction_community SET scores = $1, score = $2, stage = $3, failed = $4, result = $5, decisions = $6,
		note = $7, updated_at = $8 WHERE id = $9`, s, c.Score, c.Stage, c.Failed, c.Result, d, c.Note, c.UpdatedAt, c.ID)
	return err
}

func getCommunity(ctx context.Context, q store.Querier, id string) (Community, error) {
	c, err := scanCommunity(q.QueryRowContext(ctx, `SELECT `+communityCols+` FROM reduction_community WHERE id = $1`, id))
	return c, notFound(err, "community", id)
}

// ---- checkpoints, scans, fire hazards

const checkpointCols = `c.id, c.county_code, c.town_code, c.name, c.place, c.lng, c.lat, c.active_from, c.active_to, c.note, c.created_by, c.created_at,
	COALESCE((SELECT sum(s.scans) FROM reduction_scan s WHERE s.checkpoint_id = c.id), 0)`

func scanCheckpoint(r row) (Checkpoint, error) {
	var c Checkpoint
	err := r.Scan(&c.ID, &c.CountyCode, &c.TownCode, &c.Name, &c.Place, &c.Lng, &c.Lat, &c.ActiveFrom, &c.ActiveTo, &c.Note, &c.CreatedBy, &c.CreatedAt, &c.Scans)
	return c, err
}

func insertCheckpoint(ctx context.Context, q store.Querier, c Checkpoint) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_checkpoint (id, county_code, town_code, name, place, lng, lat, active_from, active_to, note, created_by, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
		c.ID, c.CountyCode, c.TownCode, c.Name, c.Place, c.Lng, c.Lat, c.ActiveFrom, c.ActiveTo, c.Note, c.CreatedBy, c.CreatedAt)
	if store.IsUniqueViolation(err) {
		return errs.Field("name", "reduction.checkpoint_taken", nil)
	}
	return err
}

func getCheckpoint(ctx context.Context, q store.Querier, id string) (Checkpoint, error) {
	c, err := scanCheckpoint(q.QueryRowContext(ctx, `SELECT `+checkpointCols+` FROM reduction_checkpoint c WHERE c.id = $1`, id))
	return c, notFound(err, "checkpoint", id)
}

func scansOf(ctx context.Context, q store.Querier, checkpointID string) ([]ScanCount, error) {
	out, err := store.QueryAll(ctx, q, func(rows *sql.Rows) (ScanCount, error) {
		var s ScanCount
		return s, rows.Scan(&s.ID, &s.CheckpointID, &s.From, &s.To, &s.Scans, &s.CreatedBy, &s.CreatedAt)
	}, `SELECT id, checkpoint_id, period_from, period_to, scans, created_by, created_at FROM reduction_scan
		WHERE checkpoint_id = $1 ORDER BY period_from`, checkpointID)
	if err != nil {
		return nil, fmt.Errorf("scans: %w", err)
	}
	return out, nil
}

func insertScan(ctx context.Context, q store.Querier, s ScanCount) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_scan (id, checkpoint_id, period_from, period_to, scans, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		s.ID, s.CheckpointID, s.From, s.To, s.Scans, s.CreatedBy, s.CreatedAt)
	return err
}

func fireHazardIDs(ctx context.Context, q store.Querier, checkpointID string) ([]string, error) {
	out, err := store.QueryAll(ctx, q, store.ScanString, `SELECT hazard_id FROM reduction_fire_hazard WHERE checkpoint_id = $1 ORDER BY created_at`, checkpointID)
	if err != nil {
		return nil, fmt.Errorf("fire hazards: %w", err)
	}
	return out, nil
}

// ---- trainings and publicity

const trainingCols = `id, county_code, town_code, topic, held_on, ends_on, organiser, audience, attendees, list, hours_tenths, note, created_by, created_at`

func scanTraining(r row) (Training, error) {
	var t Training
	var list string
	err := r.Scan(&t.ID, &t.CountyCode, &t.TownCode, &t.Topic, &t.HeldOn, &t.EndsOn, &t.Organiser, &t.Audience, &t.Attendees, &list, &t.HoursTenth,
		&t.Note, &t.CreatedBy, &t.CreatedAt)
	if list != "" {
		t.List = strings.Split(list, "\n")
	}
	return t, err
}

func trainingArgs(t Training) []any {
	return []any{t.ID, t.CountyCode, t.TownCode, t.Topic, t.HeldOn, t.EndsOn, t.Organiser, t.Audience, t.Attendees, strings.Join(t.List, "\n"),
		t.HoursTenth, t.Note, t.CreatedBy, t.CreatedAt}
}

func insertTraining(ctx context.Context, q store.Querier, t Training) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_training (`+trainingCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`, trainingArgs(t)...)
	return err
}

func getTraining(ctx context.Context, q store.Querier, id string) (Training, error) {
	t, err := scanTraining(q.QueryRowContext(ctx, `SELECT `+trainingCols+` FROM reduction_training WHERE id = $1`, id))
	return t, notFound(err, "training", id)
}

const publicityCols = `id, county_code, town_code, campaign, kind, held_on, title, quantity, winners, note, created_by, created_at`

func scanPublicity(r row) (Publicity, error) {
	var x Publicity
	err := r.Scan(&x.ID, &x.CountyCode, &x.TownCode, &x.Campaign, &x.Kind, &x.HeldOn, &x.Title, &x.Quantity, &x.Winners, &x.Note, &x.CreatedBy, &x.CreatedAt)
	return x, err
}

func publicityArgs(x Publicity) []any {
	return []any{x.ID, x.CountyCode, x.TownCode, x.Campaign, x.Kind, x.HeldOn, x.Title, x.Quantity, x.Winners, x.Note, x.CreatedBy, x.CreatedAt}
}

func insertPublicity(ctx context.Context, q store.Querier, x Publicity) error {
	_, err := q.ExecContext(ctx, `INSERT INTO reduction_publicity (`+publicityCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, publicityArgs(x)...)
	return err
}

func getPublicity(ctx context.Context, q store.Querier, id string) (Publicity, error) {
	x, err := scanPublicity(q.QueryRowContext(ctx, `SELECT `+publicityCols+` FROM reduction_publicity WHERE id = $1`, id))
	return x, notFound(err, "publicity", id)
}

// list runs a SELECT of cols from table with w, ordered, paged (limit ≤ 0:
// all), scanning each row with scan.
func list[T any](ctx context.Context, q store.Querier, cols, from string, w *store.Where, order string, limit, offset int, scan func(row) (T, error)) ([]T, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+from+w.SQL(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", from, err)
	}
	query := `SELECT ` + cols + ` FROM ` + from + w.SQL() + ` ORDER BY ` + order
	if limit > 0 {
		query += ` LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	}
	out, err := store.QueryAll(ctx, q, func(r *sql.Rows) (T, error) { return scan(r) }, query, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", from, err)
	}
	return out, total, nil
}

// communityTally is F-COMM-1's numbers: the applications, their towns,
// those at one of the stages given, and (when asked) their IDs.
type communityTally struct {
	communities, towns, city int64
	all, cityIDs             []string
}

// communityCounts counts the demonstration-community applications of w
// in SQL (and lists their IDs when withIDs).
func (s *Service) communityCounts(ctx context.Context, w *store.Where, stages []string, withIDs bool) (communityTally, error) {
	var c communityTally
	in := make([]string, len(stages))
	for i, st := range stages {
		in[i] = w.Arg(st)
	}
	args := w.Args()
	stageIn := "stage IN (" + strings.Join(in, ", ") + ")"
	if len(stages) == 0 {
		stageIn = "1 = 0"
	}
	if err := s.db.R().QueryRowContext(ctx, `SELECT count(*), count(DISTINCT town_code), count(*) FILTER (WHERE `+stageIn+`)
		FROM reduction_community`+w.SQL(), args...).Scan(&c.communities, &c.towns, &c.city); err != nil {
		return c, fmt.Errorf("F-COMM-1: %w", err)
	}
	if !withIDs {
		return c, nil
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, `+stageIn+` FROM reduction_community`+w.SQL()+` ORDER BY id`, args...)
	if err != nil {
		return c, fmt.Errorf("F-COMM-1 records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var city bool
		if err := rows.Scan(&id, &city); err != nil {
			return c, fmt.Errorf("F-COMM-1 records: %w", err)
		}
		c.all = append(c.all, id)
		if city {
			c.cityIDs = append(c.cityIDs, id)
		}
	}
	return c, rows.Err()
}

// sum adds up a numeric column of the records matching a where and counts
// them, in SQL; with withIDs it lists the IDs summed as well.
func (s *Service) sum(ctx context.Context, table, col string, w *store.Where, withIDs bool) (total, n int64, ids []string, err error) {
	if !withIDs {
		// Counts and sums in SQL: nothing but two numbers leaves the database.
		err = s.db.R().QueryRowContext(ctx, `SELECT COALESCE(CAST(SUM(`+col+`) AS BIGINT), 0), count(*) FROM `+table+w.SQL(), w.Args()...).Scan(&total, &n)
		if err != nil {
			err = fmt.Errorf("sum %s: %w", table, err)
		}
		return total, n, nil, err
	}
	rows, err := s.db.R().QueryContext(ctx, `SELECT id, `+col+` FROM `+table+w.SQL()+` ORDER BY id`, w.Args()...)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("sum %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return 0, 0, nil, fmt.Errorf("sum %s: %w", table, err)
		}
		total += v
		ids = append(ids, id)
	}
	return total, int64(len(ids)), ids, rows.Err()
}
