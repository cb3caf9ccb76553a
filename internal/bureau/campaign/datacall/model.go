// Package datacall runs data calls (数据填报): the county safety office
// defines a periodic form (e.g. the 安全生产大检查 figures), sends it for a
// period to member departments and towns with a deadline, each unit fills
// its own row (pre-filled from Yingji's records where they exist), late
// and missing units are flagged and reminded, and the roll-up gives the
// per-unit breakdown and the totals, checked against their parts.
//
// The rules in this file are pure:
//
//   - A form has at least one field; keys are unique; a field's type is
//     integer, decimal or text; a numeric field may name a numeric parent
//     field (its total): the part may not exceed its total (已整改 ≤
//     一般隐患). Parents form no cycle.
//   - A value is checked against its field's type: an integer field takes
//     whole numbers ≥ 0 (thousands separators allowed), a decimal field up
//     to four decimals ≥ 0; anything else is refused naming the field.
//   - Submitting needs every numeric field; a draft may leave some empty.
//   - A unit is late when it submitted after the deadline, missing when
//     it has not submitted and the deadline has passed.
package datacall

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"yingji/internal/kit/errs"
)

// FieldType is the type of a form field.
type FieldType string

const (
	Integer FieldType = "integer"
	Decimal FieldType = "decimal"
	Text    FieldType = "text"
)

// Types in display order.
var Types = []FieldType{Integer, Decimal, Text}

// Numeric reports a number field.
func (t FieldType) Numeric() bool { return t == Integer || t == Decimal }

// Field is one column of a form.
type Field struct {
	Key    string    `json:"key"`
	Label  string    `json:"label"`
	Type   FieldType `json:"type"`
	Parent string    `json:"parent,omitempty"` // key of the field this one is a part of
	Unit   string    `json:"unit,omitempty"`   // 个, 家次, 万元 …
	Source string    `json:"source,omitempty"` // pre-fill source, see Prefill
}

// Form is a data-call form (填报表样).
type Form struct {
	ID         string  `json:"id"`
	CountyCode string  `json:"county_code"`
	Name       string  `json:"name"`
	Note       string  `json:"note,omitempty"`
	Fields     []Field `json:"fields"`
	CreatedBy  string  `json:"created_by"`
}

// Field returns a field by key.
func (f Form) Field(key string) (Field, bool) {
	for _, x := range f.Fields {
		if x.Key == key {
			return x, true
		}
	}
	return Field{}, false
}

// Numeric returns the form's numeric fields.
func (f Form) Numeric() []Field {
	var out []Field
	for _, x := range f.Fields {
		if x.Type.Numeric() {
			out = append(out, x)
		}
	}
	return out
}

// keyOK accepts keys of letters, digits and _ starting with a letter.
func keyOK(k string) bool {
	if k == "" || len(k) > 40 || !(k[0] >= 'a' && k[0] <= 'z') {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ValidateForm checks a form definition; keys left empty are numbered.
func ValidateForm(f *Form) error {
	var fe errs.FieldErrors
	f.Name, f.Note = strings.TrimSpace(f.Name), strings.TrimSpace(f.Note)
	if f.Name == "" {
		fe = append(fe, errs.Field("name", "field.required", nil))
	} else if utf8.RuneCountInString(f.Name) > 100 {
		fe = append(fe, errs.Field("name", "datacall.too_long", map[string]any{"Max": 100}))
	}
	if len(f.Fields) == 0 {
		fe = append(fe, errs.Field("fields", "datacall.fields_required", nil))
	}
	if len(f.Fields) > 60 {
		fe = append(fe, errs.Field("fields", "datacall.too_many_fields", map[string]any{"Max": 60}))
	}
	keys := map[string]int{}
	for i := range f.Fields {
		x := &f.Fields[i]
		x.Key, x.Label, x.Unit, x.Parent = strings.TrimSpace(x.Key), strings.TrimSpace(x.Label), strings.TrimSpace(x.Unit), strings.TrimSpace(x.Parent)
		if x.Key == "" {
			x.Key = fmt.Sprintf("f%d", i+1)
		}
		name := fmt.Sprintf("field_%d", i+1)
		switch {
		case !keyOK(x.Key):
			fe = append(fe, errs.Field(name, "datacall.key_invalid", map[string]any{"Key": x.Key}))
		case keys[x.Key] > 0:
			fe = append(fe, errs.Field(name, "datacall.key_taken", map[string]any{"Key": x.Key}))
		}
		keys[x.Key] = i + 1
		if x.Label == "" {
			fe = append(fe, errs.Field(name, "datacall.label_required", map[string]any{"N": i + 1}))
		}
		if x.Type == "" {
			x.Type = Integer
		}
		if x.Type != Integer && x.Type != Decimal && x.Type != Text {
			fe = append(fe, errs.Field(name, "datacall.type_invalid", nil))
		}
	}
	for i, x := range f.Fields {
		if x.Parent == "" {
			continue
		}
		name := fmt.Sprintf("field_%d", i+1)
		j := keys[x.Parent]
		switch {
		case j == 0:
			fe = append(fe, errs.Field(name, "datacall.parent_unknown", map[string]any{"Label": x.Label, "Parent": x.Parent}))
		case x.Parent == x.Key:
			fe = append(fe, errs.Field(name, "datacall.parent_self", map[string]any{"Label": x.Label}))
		case !x.Type.Numeric() || !f.Fields[j-1].Type.Numeric():
			fe = append(fe, errs.Field(name, "datacall.parent_not_number", map[string]any{"Label": x.Label}))
		}
	}
	if len(fe) == 0 {
		// No cycles: follow each chain of parents.
		for _, x := range f.Fields {
			seen := map[string]bool{x.Key: true}
			for p := x.Parent; p != ""; {
				if seen[p] {
					fe = append(fe, errs.Field("fields", "datacall.parent_cycle", map[string]any{"Label": x.Label}))
					break
				}
				seen[p] = true
				par, _ := f.Field(p)
				p = par.Parent
			}
			if len(fe) > 0 {
				break
			}
		}
	}
	return fe.Err()
}

// Scale is the fixed-point scale of numbers (four decimals).
const Scale = 10000

// ParseNumber reads a value of a numeric field as typed (1,234 and
// full-width digits allowed) and returns it scaled by Scale, with its
// canonical text. ok is false when it is not a number of the field's
// type.
func ParseNumber(t FieldType, s string) (scaled int64, canonical string, ok bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		case r == ',' || r == '，' || r == ' ':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, "", false
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, "", false
	}
	if t == Integer && hasDot {
		// 12.0 is a whole number; 12.5 is not.
		if strings.Trim(frac, "0") != "" {
			return 0, "", false
		}
		frac, hasDot = "", false
	}
	if len(frac) > 4 || len(whole) > 13 {
		return 0, "", false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "", false
	}
	f := int64(0)
	if frac != "" {
		pad := frac + strings.Repeat("0", 4-len(frac))
		if f, err = strconv.ParseInt(pad, 10, 64); err != nil {
			return 0, "", false
		}
	}
	v := w*Scale + f
	return v, FormatNumber(v), true
}

// FormatNumber writes a scaled number: 3265, 12.5.
func FormatNumber(v int64) string {
	s := strconv.FormatInt(v/Scale, 10)
	if f := v % Scale; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", f), "0")
	}
	return s
}

// CheckValues checks a unit's values against the form: types, required
// numbers when submitting, and parts not above their totals. It returns
// the canonical values (unknown keys dropped).
func CheckValues(f Form, in map[string]string, submit bool) (map[string]string, error) {
	out := map[string]string{}
	scaled := map[string]int64{}
	var fe errs.FieldErrors
	for _, x := range f.Fields {
		v := strings.TrimSpace(in[x.Key])
		if x.Type == Text {
			if utf8.RuneCountInString(v) > 500 {
				fe = append(fe, errs.Field(x.Key, "datacall.text_too_long", map[string]any{"Label": x.Label, "Max": 500}))
			}
			if v != "" {
				out[x.Key] = v
			}
			continue
		}
		if v == "" {
			if submit {
				fe = append(fe, errs.Field(x.Key, "datacall.value_required", map[string]any{"Label": x.Label}))
			}
			continue
		}
		n, c, ok := ParseNumber(x.Type, v)
		if !ok {
			id := "datacall.not_integer"
			if x.Type == Decimal {
				id = "datacall.not_decimal"
			}
			fe = append(fe, errs.Field(x.Key, id, map[string]any{"Label": x.Label, "Value": v}))
			continue
		}
		out[x.Key], scaled[x.Key] = c, n
	}
	for _, x := range f.Fields {
		if x.Parent == "" {
			continue
		}
		part, ok1 := scaled[x.Key]
		total, ok2 := scaled[x.Parent]
		if ok1 && ok2 && part > total {
			par, _ := f.Field(x.Parent)
			fe = append(fe, errs.Field(x.Key, "datacall.part_exceeds", map[string]any{"Part": x.Label, "PartValue": FormatNumber(part),
				"Total": par.Label, "TotalValue": FormatNumber(total)}))
		}
	}
	return out, fe.Err()
}

// States of a unit's response.
const (
	Pending   = "pending"   // 未填报
	Draft     = "draft"     // 草稿
	Submitted = "submitted" // 已提交
	Returned  = "returned"  // 已退回
)

// Late reports a response submitted after the deadline.
func Late(state, submittedOn, deadline string) bool {
	return state == Submitted && submittedOn > deadline
}

// Missing reports a unit that has not submitted when the deadline has
// passed (today after it).
func Missing(state, deadline, today string) bool {
	return state != Submitted && today > deadline
}

// Sum adds canonical values of a field.
func Sum(values []string) int64 {
	var t int64
	for _, v := range values {
		if n, _, ok := ParseNumber(Decimal, v); ok {
			t += n
		}
	}
	return t
}

// PartCheck is the check of a total against one of its parts in a roll-up.
type PartCheck struct {
	Part       string `json:"part"`  // label
	Total      string `json:"total"` // label
	PartValue  string `json:"part_value"`
	TotalValue string `json:"total_value"`
	OK         bool   `json:"ok"`
}

// CheckTotals checks the roll-up's totals: each part's total not above
// its parent's total.
func CheckTotals(f Form, totals map[string]int64) []PartCheck {
	var out []PartCheck
	for _, x := range f.Fields {
		if x.Parent == "" {
			continue
		}
		par, _ := f.Field(x.Parent)
		out = append(out, PartCheck{Part: x.Label, Total: par.Label, PartValue: FormatNumber(totals[x.Key]),
			TotalValue: FormatNumber(totals[x.Parent]), OK: totals[x.Key] <= totals[x.Parent]})
	}
	return out
}
