package duty

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/calendar"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/ledger"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// The duty desk's Excel imports: the roster (one row per person-shift,
// the layout of the export), the duty log and the incident reports with
// their 首报. Every row goes through the same rule path as the forms
// (PrepareShift, PrepareLog, CheckIncident + NextReport + CheckReport) and
// the whole file is written in one transaction or not at all.

// reasons renders the duty messages in Chinese for the error report.
type reasons map[string]string

func loadReasons() reasons {
	m := reasons{}
	if b, err := Locales.ReadFile("locales/zh.json"); err == nil {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

// of is the Chinese reason of a rule's error.
func (r reasons) of(e *errs.Error) string {
	s := r[e.Message]
	if s == "" {
		return "取值无效"
	}
	for k, v := range e.Args {
		s = strings.ReplaceAll(s, "{{."+k+"}}", fmt.Sprint(v))
	}
	return s
}

// cells turns a rule's error into cell errors: field errors on the
// columns keyOf names (the field's own name otherwise), any other rule
// error on fallback.
func (r reasons) cells(err error, keyOf map[string]string, fallback string) []xlsx.CellError {
	if err == nil {
		return nil
	}
	var out []xlsx.CellError
	for _, fe := range errs.Fields(err) {
		key := keyOf[fe.Field]
		if key == "" {
			key = fe.Field
		}
		out = append(out, xlsx.CellError{Key: key, Reason: r.of(fe)})
	}
	if len(out) == 0 {
		if e, ok := errs.As(err); ok {
			out = append(out, xlsx.CellError{Key: fallback, Reason: r.of(e)})
		} else {
			out = append(out, xlsx.CellError{Key: fallback, Reason: err.Error()})
		}
	}
	return out
}

// codeOf finds the code whose Chinese label is v (or v itself when it is
// a code).
// cellTime reads a date and time cell (2022-06-01 08:30, 2022/6/1 8:30 …)
// as China time.
func cellTime(v string) (time.Time, bool) {
	t, err := xlsx.ParseDate(v, Shanghai)
	return t, err == nil
}

func cellInt(v string) (int, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != float64(int(f)) {
		return 0, false
	}
	return int(f), true
}

// required names the empty cells of the keys. The duty schemas mark no
// column Required: the kit would star its header ("*日期") in the export
// too, and the export's headers are a contract (日期, 发布时间 …).
func required(v map[string]string, keys ...string) []xlsx.CellError {
	var out []xlsx.CellError
	for _, k := range keys {
		if strings.TrimSpace(v[k]) == "" {
			out = append(out, xlsx.CellError{Key: k, Reason: "必填项为空"})
		}
	}
	return out
}

// ---- Roster (排班表) ----

// rosterRow is one person-shift of an import.
type rosterRow struct {
	num    int
	member Assignment
	bad    bool // the row itself had errors
}

// rosterGroup is one shift of an import: the rows of a day and time.
type rosterGroup struct {
	day        string
	start, end time.Time
	rows       []rosterRow
}

type rosterImport struct {
	s        *Service
	p        *auth.Principal
	why      reasons
	st       Settings
	cal      calendar.Calendar
	accounts []Account
	groups   map[string]*rosterGroup
	order    []string
	keep     []Shift
	kept     int
}

func (s *Service) newRosterImport(ctx context.Context, p *auth.Principal) (ledger.Import, error) {
	if !CanWrite(p) {
		return nil, forbidden()
	}
	st, _, _, err := s.Settings(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	im := &rosterImport{s: s, p: p, why: loadReasons(), st: st, cal: cal, groups: map[string]*rosterGroup{}}
	if s.accounts != nil {
		if im.accounts, err = s.accounts(ctx, p.CountyCode); err != nil {
			return nil, err
		}
	}
	return im, nil
}

// resolve finds the county's user a roster row names: by the 用户名
// column when filled, else by the 姓名 cell as a username or a display
// name (a display name two users share must be told apart by username).
func (im *rosterImport) resolve(name, username string) (Account, *xlsx.CellError) {
	if username != "" {
		for _, a := range im.accounts {
			if a.Username == username {
				return a, nil
			}
		}
		return Account{}, &xlsx.CellError{Key: "username", Reason: fmt.Sprintf("本县没有用户名为“%s”的用户", username)}
	}
	for _, a := range im.accounts {
		if a.Username == name {
			return a, nil
		}
	}
	var found []Account
	for _, a := range im.accounts {
		if a.Name == name {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return Account{}, &xlsx.CellError{Key: "name", Reason: fmt.Sprintf("“%s”不是本县的用户：请填写系统中的姓名或用户名", name)}
	}
	return Account{}, &xlsx.CellError{Key: "name", Reason: fmt.Sprintf("本县有 %d 个用户叫“%s”：请在“用户名”列写明是哪一位", len(found), name)}
}

// Check reads a person-shift row: its day and times (the settings' shift
// when the times are left empty), its position and its person.
func (im *rosterImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	out := required(v, "day", "position", "name")
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	day, err := calendar.ParseDay(v["day"])
	if err != nil {
		if t, ok := cellTime(v["day"]); ok {
			day, err = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	}
	if err != nil && v["day"] != "" {
		bad("day", "日期无效，应写作 2022-06-01")
	}
	var start, end time.Time
	switch {
	case v["starts_at"] == "" && v["ends_at"] == "":
		if err == nil {
			start = ShiftStart(day, im.st, 0)
			end = start.Add(time.Duration(max(im.st.Hours, 1)) * time.Hour)
		}
	case v["starts_at"] == "":
		bad("starts_at", "填写了结束时间，也须填写开始时间")
	case v["ends_at"] == "":
		bad("ends_at", "填写了开始时间，也须填写结束时间")
	default:
		var ok1, ok2 bool
		start, ok1 = cellTime(v["starts_at"])
		end, ok2 = cellTime(v["ends_at"])
		if !ok1 {
			bad("starts_at", "时间无效，应写作 2022-06-01 08:30")
		}
		if !ok2 {
			bad("ends_at", "时间无效，应写作 2022-06-02 08:30")
		}
		if ok1 && err == nil && start.In(Shanghai).Format(calendar.DateLayout) != day.Format(calendar.DateLayout) {
			bad("starts_at", "开始时间不在该行的日期")
		}
	}
	pos, ok := positionZH.Lookup(v["position"])
	if !ok && v["position"] != "" {
		bad("position", "岗位须为带班领导或值班员")
	}
	m := Assignment{Position: pos, Name: strings.TrimSpace(v["name"])}
	if m.Name != "" || v["username"] != "" {
		a, ce := im.resolve(m.Name, strings.TrimSpace(v["username"]))
		if ce != nil {
			out = append(out, *ce)
		} else {
			m.UserID = a.UserID
			if m.Name == "" || m.Name == a.Username {
				m.Name = a.Name
			}
		}
	}
	r := rosterRow{num: row.Num, member: m, bad: len(out) > 0 || len(row.Errors) > 0}
	key := "?"
	if !start.IsZero() && !end.IsZero() {
		key = start.UTC().Format(time.RFC3339) + "|" + end.UTC().Format(time.RFC3339)
	} else {
		r.bad = true
	}
	g := im.groups[key]
	if g == nil {
		g = &rosterGroup{start: start, end: end}
		if err == nil {
			g.day = day.Format(calendar.DateLayout)
		}
		im.groups[key] = g
		im.order = append(im.order, key)
	}
	g.rows = append(g.rows, r)
	return out
}

// Finish applies the roster rules to each shift of the file: a day
// without its 带班领导, two leaders, no or too many 值班员, a person twice,
// and shifts overlapping one another or a shift already recorded are
// refused, naming the row.
func (im *rosterImport) Finish(ctx context.Context) []xlsx.CellError {
	var out []xlsx.CellError
	type span struct {
		start, end time.Time
		row        int
	}
	var spans []span
	for _, key := range im.order {
		g := im.groups[key]
		first := g.rows[0].num
		if slices.ContainsFunc(g.rows, func(r rosterRow) bool { return r.bad }) {
			for _, r := range g.rows {
				if !r.bad {
					out = append(out, xlsx.CellError{Row: r.num, Key: "day", Value: g.day, Reason: "同一班次的其他行有错误，本班次未导入"})
				}
			}
			continue
		}
		sh := Shift{Day: g.day, StartsAt: g.start, EndsAt: g.end}
		slot := 1
		for _, r := range g.rows {
			m := r.member
			if m.Position == PosOfficer {
				m.Slot = slot
				slot++
			}
			sh.Members = append(sh.Members, m)
		}
		// refuse names the row a rule refuses the shift for, and the
		// shift's other rows as not imported with it.
		refuse := func(e xlsx.CellError) {
			out = append(out, e)
			for _, r := range g.rows {
				if r.num != e.Row {
					out = append(out, xlsx.CellError{Row: r.num, Key: "day", Value: g.day, Reason: fmt.Sprintf("第 %d 行的班次有错误，本行未导入", e.Row)})
				}
			}
		}
		sh, err := PrepareShift(sh, im.cal)
		if err != nil {
			refuse(im.shiftError(g, err))
			continue
		}
		n, err := overlapping(ctx, im.s.db.R(), im.p.CountyCode, g.start, g.end)
		if err != nil {
			return append(out, xlsx.CellError{Row: first, Key: "day", Reason: "无法检查已有班次：" + err.Error()})
		}
		if n > 0 {
			refuse(xlsx.CellError{Row: first, Key: "starts_at", Value: local(g.start), Reason: "与系统中已有的班次时间重叠"})
			continue
		}
		clash := slices.IndexFunc(spans, func(x span) bool { return x.start.Before(g.end) && x.end.After(g.start) })
		if clash >= 0 {
			refuse(xlsx.CellError{Row: first, Key: "starts_at", Value: local(g.start), Reason: fmt.Sprintf("与第 %d 行的班次时间重叠", spans[clash].row)})
			continue
		}
		spans = append(spans, span{g.start, g.end, first})
		im.keep = append(im.keep, sh)
		im.kept += len(g.rows)
	}
	return out
}

// shiftError names the row a roster rule refuses a shift for.
func (im *rosterImport) shiftError(g *rosterGroup, err error) xlsx.CellError {
	e, ok := errs.As(err)
	if fe := errs.Fields(err); len(fe) > 0 {
		e, ok = fe[0], true
	}
	reason := err.Error()
	if ok {
		reason = im.why.of(e)
	}
	row, key := g.rows[0].num, "position"
	nth := func(pos string, n int) {
		for _, r := range g.rows {
			if r.member.Position == pos {
				if n--; n == 0 {
					row = r.num
					return
				}
			}
		}
	}
	if ok {
		switch e.Message {
		case "duty.shift_no_leader":
			reason = fmt.Sprintf("%s 的班次没有带班领导", g.day)
		case "duty.shift_two_leaders":
			nth(PosLeader, 2)
		case "duty.shift_too_many_officers":
			nth(PosOfficer, 3)
		case "duty.shift_ends_before":
			key = "ends_at"
		case "duty.shift_person_twice":
			key = "name"
			name := fmt.Sprint(e.Args["Name"])
			seen := 0
			for _, r := range g.rows {
				if r.member.Name == name {
					if seen++; seen == 2 {
						row = r.num
					}
				}
			}
		}
	}
	return xlsx.CellError{Row: row, Key: key, Reason: reason}
}

// Commit writes the shifts of the file in one transaction.
func (im *rosterImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range im.keep {
			if err := im.s.createShiftTx(ctx, tx, im.p, &im.keep[i]); err != nil {
				return fmt.Errorf("shift %s: %w", im.keep[i].Day, err)
			}
			progress(int64(i+1), int64(len(im.keep)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return im.kept, nil
}

// ---- Duty log (值班日志) ----

type logImport struct {
	s    *Service
	p    *auth.Principal
	why  reasons
	now  time.Time
	rows []LogEntry
}

// Check replays a row through PrepareLog, the form's rule path.
func (im *logImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	out := required(v, "at", "kind")
	e := LogEntry{Caller: v["caller"], Unit: v["unit"], Place: v["place"], Nature: v["nature"], Action: v["action"], Content: v["content"]}
	if v["at"] != "" {
		t, ok := cellTime(v["at"])
		if !ok {
			out = append(out, xlsx.CellError{Key: "at", Reason: "时间无效，应写作 2022-06-01 09:15"})
		}
		e.At = t
	}
	kind, ok := logKindZH.Lookup(v["kind"])
	if !ok && v["kind"] != "" {
		out = append(out, xlsx.CellError{Key: "kind", Reason: "类别应为：" + strings.Join(logKindZH.ZHLabels(), "、")})
	}
	e.Kind = kind
	if len(out) == 0 {
		out = append(out, im.why.cells(PrepareLog(&e, displayName(im.p), im.now), nil, "kind")...)
	}
	if len(out) == 0 && len(row.Errors) == 0 {
		im.rows = append(im.rows, e)
	}
	return out
}

// Commit writes the entries in one transaction, each into the shift on
// duty at its time (frozen at once when that shift was handed over).
func (im *logImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range im.rows {
			if err := im.s.addLogTx(ctx, tx, im.p, &im.rows[i]); err != nil {
				return err
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(im.rows), nil
}

// ---- Incident reports (突发事件信息报告) ----

type incidentRow struct {
	in    Incident
	first *Report
}

type incidentImport struct {
	s     *Service
	p     *auth.Principal
	why   reasons
	now   time.Time
	st    Settings
	towns map[string]string
	known map[string]bool // received_at|title already recorded
	seen  map[string]int
	rows  []incidentRow
}

var incidentKeys = map[string]string{"received_at": "received_at", "occurred_at": "received_at", "category": "category", "lat": "place"}

var reportKeys = map[string]string{"reported_at": "first_at", "to": "first_to", "via": "first_via", "content": "first_content", "kind": "first_at"}

func (s *Service) townNames(ctx context.Context, county string) map[string]string {
	if s.towns == nil {
		return map[string]string{}
	}
	m, err := s.towns(ctx, county)
	if err != nil || m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Service) newIncidentImport(ctx context.Context, p *auth.Principal) (ledger.Import, error) {
	if !CanWrite(p) {
		return nil, forbidden()
	}
	st, _, _, err := s.Settings(ctx, p.CountyCode)
	if err != nil {
		return nil, err
	}
	im := &incidentImport{s: s, p: p, why: loadReasons(), now: s.now(), st: st, towns: s.townNames(ctx, p.CountyCode),
		known: map[string]bool{}, seen: map[string]int{}}
	err = s.EachIncident(ctx, p, IncidentFilter{}, func(in Incident) error {
		im.known[in.ReceivedAt.UTC().Format(time.RFC3339)+"|"+in.Title] = true
		return nil
	})
	return im, err
}

// Check replays a row through the form's rules: CheckIncident, then —
// when the 首报 columns are filled — the chain rule NextReport and
// CheckReport for the first report.
func (im *incidentImport) Check(_ context.Context, row xlsx.Row) []xlsx.CellError {
	v := row.Values
	out := required(v, "received_at", "title", "source", "category", "level")
	bad := func(key, reason string) { out = append(out, xlsx.CellError{Key: key, Reason: reason}) }
	in := Incident{Title: v["title"], Source: v["source"], Place: v["place"], Summary: v["summary"]}
	if v["received_at"] != "" {
		t, ok := cellTime(v["received_at"])
		if !ok {
			bad("received_at", "时间无效，应写作 2022-06-01 09:15")
		}
		in.ReceivedAt = t
	}
	if v["category"] != "" {
		c, ok := categoryZH.Lookup(v["category"])
		if !ok {
			bad("category", "事件类别应为：自然灾害、事故灾难、公共卫生事件、社会安全事件")
		}
		in.Category = c
	}
	if v["subtype"] != "" {
		sub, ok := subtypeZH.Lookup(v["subtype"])
		if !ok || (in.Category != "" && !ValidCategory(in.Category, sub)) {
			bad("subtype", "事件类型与事件类别不符")
		}
		in.Subtype = sub
	}
	if v["level"] != "" {
		l, ok := levelZH.Lookup(v["level"])
		if !ok {
			bad("level", "事件级别应为：一般、较大、重大、特别重大")
		}
		in.Level = l
	}
	if v["town"] != "" {
		code, ok := "", false
		for c, name := range im.towns { // code or name of a town of the county
			if t := strings.TrimSpace(v["town"]); t == c || t == name {
				code, ok = c, true
				break
			}
		}
		if !ok {
			bad("town", "不是本县的乡镇")
		}
		in.TownCode = code
	}
	for _, k := range []struct {
		key string
		to  *int
	}{{"deaths", &in.Deaths}, {"injuries", &in.Injuries}, {"missing", &in.Missing}} {
		n, ok := cellInt(v[k.key])
		if !ok || n < 0 {
			bad(k.key, "人数须为 0 或正整数")
		}
		*k.to = n
	}
	if len(out) > 0 {
		return out
	}
	if err := CheckIncident(&in, im.now); err != nil {
		return im.why.cells(err, incidentKeys, "title")
	}
	key := in.ReceivedAt.UTC().Format(time.RFC3339) + "|" + in.Title
	if first, dup := im.seen[key]; dup {
		return []xlsx.CellError{{Key: "title", Reason: fmt.Sprintf("与第 %d 行重复（同一接报时间和事件名称）", first)}}
	}
	im.seen[key] = row.Num
	if im.known[key] {
		return []xlsx.CellError{{Key: "title", Reason: "系统中已有同一接报时间和名称的事件"}}
	}
	r := incidentRow{in: in}
	if v["first_at"] != "" || v["first_to"] != "" || v["first_via"] != "" || v["first_content"] != "" {
		rep := Report{Kind: First, To: v["first_to"], Content: v["first_content"], Deaths: in.Deaths, Injuries: in.Injuries, Missing: in.Missing}
		if v["first_at"] != "" {
			t, ok := cellTime(v["first_at"])
			if !ok {
				return []xlsx.CellError{{Key: "first_at", Reason: "时间无效，应写作 2022-06-01 09:40"}}
			}
			rep.ReportedAt = t
		}
		if v["first_via"] != "" {
			via, ok := viaZH.Lookup(v["first_via"])
			if !ok {
				return []xlsx.CellError{{Key: "first_via", Reason: "报送方式应为：" + strings.Join(viaZH.ZHLabels(), "、")}}
			}
			rep.Via = via
		}
		if _, _, err := NextReport(in, nil, First, im.st.Deadlines); err != nil {
			return im.why.cells(err, reportKeys, "first_at")
		}
		if err := CheckReport(&rep, nil, in, im.now); err != nil {
			return im.why.cells(err, reportKeys, "first_at")
		}
		r.first = &rep
	}
	if len(row.Errors) == 0 {
		im.rows = append(im.rows, r)
	}
	return nil
}

// Commit records the incidents and their 首报 in one transaction; the
// deadline and whether it was met are computed from the times.
func (im *incidentImport) Commit(ctx context.Context, progress func(done, total int64)) (int, error) {
	err := im.s.db.InTx(ctx, func(tx *store.Tx) error {
		for i := range im.rows {
			r := &im.rows[i]
			if err := im.s.createIncidentTx(ctx, tx, im.p, &r.in, im.now); err != nil {
				return err
			}
			if r.first != nil {
				if err := im.s.addReportTx(ctx, tx, im.p, r.in.ID, r.first, im.now); err != nil {
					return fmt.Errorf("%s: %w", r.in.Title, err)
				}
			}
			progress(int64(i+1), int64(len(im.rows)))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(im.rows), nil
}

// firstReports are the 首报 of the county's incidents, by incident.
func (s *Service) firstReports(ctx context.Context, county string) (map[string]Report, error) {
	rows, err := s.db.R().QueryContext(ctx, `SELECT incident_id, reported_at, to_whom, via, content FROM duty_report WHERE county_code = $1 AND kind = $2`,
		county, First)
	if err != nil {
		return nil, fmt.Errorf("first reports: %w", err)
	}
	defer rows.Close()
	out := map[string]Report{}
	for rows.Next() {
		var r Report
		if err := rows.Scan(&r.IncidentID, &r.ReportedAt, &r.To, &r.Via, &r.Content); err != nil {
			return nil, err
		}
		out[r.IncidentID] = r
	}
	return out, rows.Err()
}

// usernames maps user IDs of the county's accounts to usernames.
func (s *Service) usernames(ctx context.Context, county string) map[string]string {
	out := map[string]string{}
	if s.accounts == nil {
		return out
	}
	list, err := s.accounts(ctx, county)
	if err != nil {
		return out
	}
	for _, a := range list {
		out[a.UserID] = a.Username
	}
	return out
}
