package web

import (
	"context"
	"strings"

	"yingji/internal/kit/audit"
)

// AuditNames tells the audit log and the change histories how to show a
// recorded field in the page's language: which label a field has, which
// messages translate its codes, and which function turns a code that is
// data (a town code, a clause code) into its name. Modules add theirs
// (module.audit in app); the layout's "changes" partial uses them.
type AuditNames struct {
	// Codes maps "<entity>.<field>" (the field's last key) to the prefix
	// of the messages translating its code values: "extension_request.state"
	// → "supervise.state." reads the code "pending" as "supervise.state.pending".
	Codes map[string]string
	// Values maps a field's last key ("town_code", "clause") to a function
	// naming one of its values; ok is false when it knows no name.
	Values map[string]NameFunc
}

// NameFunc names a recorded value (a code that stands for a record).
type NameFunc func(ctx context.Context, lang, value string) (name string, ok bool)

// Add merges more names in; a later module's entry replaces an earlier one.
func (n *AuditNames) Add(more AuditNames) {
	if n.Codes == nil {
		n.Codes = map[string]string{}
	}
	if n.Values == nil {
		n.Values = map[string]NameFunc{}
	}
	for k, v := range more.Codes {
		n.Codes[k] = v
	}
	for k, v := range more.Values {
		n.Values[k] = v
	}
}

// Change is one line of an audit entry as a page shows it: a label and the
// value before and after, in the page's language.
type Change struct {
	Label string
	Op    string // audit.OpUpdate, OpSet or OpUnset
	Old   ShownValue
	New   ShownValue
}

// ShownValue is a value as shown; Muted marks a placeholder ("empty").
type ShownValue struct {
	Text  string
	Muted bool
}

// Changes returns what an audit entry changed, labelled and named in the
// page's language (the "changes" partial shows it).
func (p *Page) Changes(row audit.Row) []Change {
	cs := audit.Changes(row.Summary)
	out := make([]Change, 0, len(cs))
	for _, c := range cs {
		sc := Change{Op: c.Op}
		if c.Field != "" {
			sc.Label = p.FieldLabel(row.Entity, c.Field)
		}
		if c.Op != audit.OpSet {
			sc.Old = p.shown(row.Entity, c.Field, c.Old)
		}
		if c.Op != audit.OpUnset {
			sc.New = p.shown(row.Entity, c.Field, c.New)
		}
		out = append(out, sc)
	}
	return out
}

// FieldLabel is the label of a recorded field of an entity, most specific
// message first: "field.<entity>.<key>" (a hazard's deadline is 整改期限,
// a certificate's 取证期限), "field.<module>.<key>", "field.<dotted key>",
// then "field.<key>"; the key itself when no message names it.
func (p *Page) FieldLabel(entity, field string) string {
	last := lastKey(field)
	module, _, _ := strings.Cut(entity, "_")
	for _, id := range []string{"field." + entity + "." + last, "field." + module + "." + last, "field." + field, "field." + last} {
		if m := p.T(id); m != id {
			return m
		}
	}
	return field
}

func lastKey(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		return field[i+1:]
	}
	return field
}

func (p *Page) shown(entity, field string, v audit.Value) ShownValue {
	switch v.Kind {
	case audit.KindEmpty:
		return ShownValue{Text: p.T("audit.empty"), Muted: true}
	case audit.KindBool:
		if v.Text == "true" {
			return ShownValue{Text: p.T("audit.yes")}
		}
		return ShownValue{Text: p.T("audit.no")}
	case audit.KindCount:
		return ShownValue{Text: p.T("audit.items", "N", v.Text)}
	}
	last := lastKey(field)
	if f := p.ui.Audit.Values[last]; f != nil && v.Text != "" {
		ctx := context.Background()
		if p.Request != nil {
			ctx = p.Request.Context()
		}
		if name, ok := f(ctx, p.Lang, v.Text); ok {
			return ShownValue{Text: name}
		}
	}
	if codes := v.Codes(); len(codes) > 0 {
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = p.codeText(entity, field, c)
		}
		sep := "、"
		if p.Lang == "en" {
			sep = ", "
		}
		return ShownValue{Text: strings.Join(parts, sep)}
	}
	return ShownValue{Text: v.Text}
}

// codeText translates one code of a field: the module's registered
// message prefix first, then audit.CodeMessageIDs; the code itself when no
// message has it.
func (p *Page) codeText(entity, field, code string) string {
	var ids []string
	if prefix, ok := p.ui.Audit.Codes[entity+"."+lastKey(field)]; ok {
		ids = append(ids, prefix+code)
	}
	for _, id := range append(ids, audit.CodeMessageIDs(entity, field, code)...) {
		if m := p.T(id); m != id {
			return m
		}
	}
	return code
}

// Name shows a value of a field the way the audit log does (a town code
// as the town's name, a clause code as the clause), for pages that show a
// stored code: {{$p.Name "clause" $h.Clause}}. The value itself when
// nothing names it.
func (p *Page) Name(field, value string) string {
	if f := p.ui.Audit.Values[field]; f != nil && value != "" {
		ctx := context.Background()
		if p.Request != nil {
			ctx = p.Request.Context()
		}
		if name, ok := f(ctx, p.Lang, value); ok {
			return name
		}
	}
	return value
}
