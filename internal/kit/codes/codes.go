// Package codes holds code lists: the stored value of a code with its
// Chinese and English names, and the one lookup and label helper every
// module uses for Excel columns, exports and documents (pages take their
// words from the locale files).
package codes

import "strings"

// Code is one value of a code list with its names.
type Code struct {
	Value string
	ZH    string
	EN    string // may be empty: the Chinese name stands in
	// Tag is one more word a list may carry with each code (a colour, a
	// CAP category); empty in most lists.
	Tag string
}

// List is a code list in display order.
type List []Code

// Find returns the code of a stored value.
func (l List) Find(value string) (Code, bool) {
	for _, c := range l {
		if c.Value == value {
			return c, true
		}
	}
	return Code{}, false
}

// Label names a value in a language ("en…" English, else Chinese); an
// unknown value is returned as it is.
func (l List) Label(value, lang string) string {
	c, ok := l.Find(value)
	if !ok {
		return value
	}
	if strings.HasPrefix(lang, "en") && c.EN != "" {
		return c.EN
	}
	return c.ZH
}

// Tag is the tag of a stored value ("" when unknown or untagged).
func (l List) Tag(value string) string {
	c, _ := l.Find(value)
	return c.Tag
}

// Subset keeps the codes whose values are among values, in the list's
// order; unknown values are passed over.
func (l List) Subset(values []string) List {
	out := List{}
	for _, c := range l {
		for _, v := range values {
			if c.Value == v {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// ZH is a value's Chinese name, or the value when unknown.
func (l List) ZH(value string) string { return l.Label(value, "zh") }

// Lookup reads a value from what a person typed: the value itself, its
// Chinese name or its English name (any case), spaces trimmed.
func (l List) Lookup(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, c := range l {
		if c.Value == s || c.ZH == s || (c.EN != "" && strings.EqualFold(c.EN, s)) {
			return c.Value, true
		}
	}
	return "", false
}

// Value is Lookup without the flag: "" when s names no code.
func (l List) Value(s string) string {
	v, _ := l.Lookup(s)
	return v
}

// Values lists the stored values in order.
func (l List) Values() []string {
	out := make([]string, len(l))
	for i, c := range l {
		out[i] = c.Value
	}
	return out
}

// ZHLabels lists the Chinese names in order (Excel drop-downs).
func (l List) ZHLabels() []string {
	out := make([]string, len(l))
	for i, c := range l {
		out[i] = c.ZH
	}
	return out
}

// Pairs builds a list without English names from value, Chinese pairs.
func Pairs(pairs [][2]string) List {
	out := make(List, len(pairs))
	for i, p := range pairs {
		out[i] = Code{Value: p[0], ZH: p[1]}
	}
	return out
}

// Triples builds a list from value, Chinese, English triples.
func Triples(rows [][3]string) List {
	out := make(List, len(rows))
	for i, r := range rows {
		out[i] = Code{Value: r[0], ZH: r[1], EN: r[2]}
	}
	return out
}

// Quads builds a list from value, Chinese, English, tag rows.
func Quads(rows [][4]string) List {
	out := make(List, len(rows))
	for i, r := range rows {
		out[i] = Code{Value: r[0], ZH: r[1], EN: r[2], Tag: r[3]}
	}
	return out
}
