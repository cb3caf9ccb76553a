package warning

import (
	"slices"
	"strings"
	"time"

	"yingji/internal/kit/errs"
)

// GeocodeName is the valueName of a town's region code in <geocode>.
const GeocodeName = "GB/T 2260"

// Sender is the CAP sender of a county's messages: the 14-digit GB/T
// 35965.1 sender code.
func Sender(county string) string { return county + UnitCode }

// ToCAP turns a warning into a CAP 1.2 alert. townName gives the name of
// a town's region code (nil: the code). A warning not yet published is
// written with status Draft.
func ToCAP(w Warning, townName func(string) string) *Alert {
	sent := w.PublishedAt
	status := "Actual"
	id := w.Identifier
	if w.State == StateDraft || w.State == StateApproved || sent.IsZero() {
		status = "Draft"
		if sent.IsZero() {
			sent = w.CreatedAt
		}
		if id == "" {
			id = "draft-" + w.ID
		}
	}
	a := &Alert{Identifier: id, Sender: Sender(w.CountyCode), Sent: FormatCAPTime(sent), Status: status, MsgType: w.MsgType,
		Source: w.Source, Scope: "Public", References: w.References}
	if a.MsgType == "" {
		a.MsgType = MsgAlert
	}
	if (a.MsgType == MsgUpdate || a.MsgType == MsgCancel) && a.References == "" {
		a.MsgType = MsgAlert // a follow-up of a record with no stored reference
	}
	cat := "Other"
	if t, ok := Types.Find(w.Type); ok {
		cat = t.Tag
	}
	sev := "Unknown"
	if l, ok := Levels.Find(w.Level); ok {
		sev = l.Tag
	}
	urgency := "Expected"
	if !w.EffectiveAt.IsZero() && !w.EffectiveAt.After(sent) {
		urgency = "Immediate"
	}
	if w.MsgType == MsgCancel {
		urgency = "Past"
	}
	var area []Area
	if len(w.Towns) > 0 || w.AreaDesc != "" {
		ar := Area{AreaDesc: w.AreaDesc}
		var names []string
		for _, t := range w.Towns {
			ar.Geocode = append(ar.Geocode, NameValue{ValueName: GeocodeName, Value: t})
			n := t
			if townName != nil {
				n = townName(t)
			}
			names = append(names, n)
		}
		if ar.AreaDesc == "" {
			ar.AreaDesc = strings.Join(names, "、")
		}
		area = append(area, ar)
	}
	info := func(lang, event, headline, desc, instr string) Info {
		in := Info{Language: lang, Category: []string{cat}, Event: event, Urgency: urgency, Severity: sev, Certainty: "Likely",
			SenderName: w.Source, Headline: headline, Description: desc, Instruction: instr, Area: area,
			EventCode: []NameValue{{ValueName: "yingji:type", Value: w.Type}},
			Parameter: []NameValue{{ValueName: "yingji:level", Value: w.Level}}}
		if w.Type == "" {
			in.EventCode = nil
		}
		if w.Level == "" {
			in.Parameter = nil
		}
		if w.MsgType == MsgCancel {
			in.ResponseType = []string{"AllClear"}
		}
		if !w.EffectiveAt.IsZero() {
			in.Effective = FormatCAPTime(w.EffectiveAt)
		}
		if !w.ExpiresAt.IsZero() {
			in.Expires = FormatCAPTime(w.ExpiresAt)
		}
		return in
	}
	event := TypeLabel(w.Type, "zh") + LevelLabel(w.Level, "zh") + "预警"
	if w.Type == "" {
		event = "预警"
	}
	a.Info = append(a.Info, info("zh-CN", event, w.Headline, w.Description, w.Instruction))
	if w.HeadlineEN != "" || w.DescriptionEN != "" || w.InstructionEN != "" {
		a.Info = append(a.Info, info("en", TypeLabel(w.Type, "en")+" warning ("+LevelLabel(w.Level, "en")+")", w.HeadlineEN, w.DescriptionEN, w.InstructionEN))
	}
	return a
}

// FromCAP turns an imported CAP alert into a draft warning (not yet
// checked: the caller runs ValidateImported). towns maps the county's
// town codes to names, to find the area in <geocode> or <areaDesc>.
func FromCAP(a *Alert, towns map[string]string) Warning {
	w := Warning{MsgType: a.MsgType, References: a.References, Source: a.Sender, State: StateDraft,
		ImportedFrom: a.Sender + "," + a.Identifier + "," + a.Sent}
	if w.MsgType != MsgUpdate && w.MsgType != MsgCancel {
		w.MsgType = MsgAlert
	}
	if len(a.Info) == 0 {
		return w
	}
	zh, en := -1, -1
	for i, in := range a.Info {
		lang := strings.ToLower(strings.TrimSpace(in.Language))
		if strings.HasPrefix(lang, "zh") && zh < 0 {
			zh = i
		}
		if (lang == "" || strings.HasPrefix(lang, "en")) && en < 0 {
			en = i
		}
	}
	main := zh
	if main < 0 {
		main = 0
	}
	in := a.Info[main]
	if s := strings.TrimSpace(in.SenderName); s != "" {
		w.Source = s
	} else if s := strings.TrimSpace(a.Source); s != "" {
		w.Source = s
	}
	// Type: our own event code, else a signal named in the event or headline.
	for _, ec := range in.EventCode {
		if ec.ValueName == "yingji:type" {
			if c, ok := TypeOf(ec.Value); ok {
				w.Type = c
			}
		}
	}
	text := in.Event + " " + in.Headline
	if w.Type == "" {
		for _, t := range Types {
			if t.Value != "other" && (strings.Contains(text, t.ZH) || strings.Contains(strings.ToLower(text), strings.ToLower(t.EN))) {
				w.Type = t.Value
				break
			}
		}
	}
	if w.Type == "" {
		w.Type = "other"
	}
	for _, p := range in.Parameter {
		if p.ValueName == "yingji:level" {
			if c, ok := LevelOf(p.Value); ok {
				w.Level = c
			}
		}
	}
	if w.Level == "" {
		for i := len(Levels) - 1; i >= 0; i-- {
			if strings.Contains(text, strings.TrimSuffix(Levels[i].ZH, "色")+"色") {
				w.Level = Levels[i].Value
				break
			}
		}
	}
	if w.Level == "" {
		for _, l := range Levels {
			if l.Tag == in.Severity {
				w.Level = l.Value
			}
		}
	}
	if w.Level == "" { // Unknown severity: the lowest level, for the approver to raise
		w.Level = Levels[0].Value
	}
	sent, _ := ParseCAPTime(a.Sent)
	w.EffectiveAt = sent
	if t, err := ParseCAPTime(in.Effective); err == nil {
		w.EffectiveAt = t
	} else if t, err := ParseCAPTime(in.Onset); err == nil {
		w.EffectiveAt = t
	}
	if t, err := ParseCAPTime(in.Expires); err == nil {
		w.ExpiresAt = t
	}
	w.EffectiveAt, w.ExpiresAt = w.EffectiveAt.UTC(), w.ExpiresAt.UTC()
	w.Headline, w.Description, w.Instruction = strings.TrimSpace(in.Headline), strings.TrimSpace(in.Description), strings.TrimSpace(in.Instruction)
	if en >= 0 && en != main {
		e := a.Info[en]
		w.HeadlineEN, w.DescriptionEN, w.InstructionEN = strings.TrimSpace(e.Headline), strings.TrimSpace(e.Description), strings.TrimSpace(e.Instruction)
	}
	var descs []string
	for _, ar := range in.Area {
		descs = append(descs, strings.TrimSpace(ar.AreaDesc))
		for _, g := range ar.Geocode {
			if _, ok := towns[g.Value]; ok && !slices.Contains(w.Towns, g.Value) {
				w.Towns = append(w.Towns, g.Value)
			}
		}
		for code, name := range towns {
			if name != "" && strings.Contains(ar.AreaDesc, name) && !slices.Contains(w.Towns, code) {
				w.Towns = append(w.Towns, code)
			}
		}
	}
	slices.Sort(w.Towns)
	w.AreaDesc = strings.Join(descs, "；")
	if len([]rune(w.AreaDesc)) > maxShort {
		w.AreaDesc = string([]rune(w.AreaDesc)[:maxShort])
	}
	if len([]rune(w.Source)) > maxShort {
		w.Source = string([]rune(w.Source)[:maxShort])
	}
	if len([]rune(w.Headline)) > maxShort {
		w.Headline = string([]rune(w.Headline)[:maxShort])
	}
	return w
}

// ValidateImported checks a draft made from a CAP message: the rules of
// Validate, except that an imported draft may still lack its area or
// expiry, or be out of date (the approval checks them all: a message from
// outside is kept as it came, for the duty officer to complete).
func ValidateImported(w *Warning, now time.Time, knownTown func(string) bool) error {
	err := Validate(w, now, knownTown)
	var keep errs.FieldErrors
	for _, fe := range errs.Fields(err) {
		switch fe.Message {
		case "warning.area_required", "warning.expires_required", "warning.already_expired", "warning.effective_required":
			continue
		}
		keep = append(keep, fe)
	}
	return keep.Err()
}
