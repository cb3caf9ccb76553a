package audit

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Change is one line of a readable audit summary: a field and its value
// before and after.
type Change struct {
	// Field is the JSON key, dotted for nested objects ("address.town");
	// "" for a summary that is not a before/after object (shown raw).
	Field string
	// Op is OpUpdate (Old → New), OpSet (only New: a created record, or a
	// fact the entry records) or OpUnset (only Old: a deleted record).
	Op       string
	Old, New Value
}

// Change operations.
const (
	OpUpdate = "update"
	OpSet    = "set"
	OpUnset  = "unset"
)

// Value is a field's value made readable.
type Value struct {
	// Text is the value as shown: "true"/"false" for KindBool, the number
	// of items for KindCount, "" for KindEmpty.
	Text string
	Kind string
}

// Value kinds.
const (
	KindText  = "text"
	KindEmpty = "empty" // null, "", [] or {}
	KindBool  = "bool"
	KindCount = "count" // a long list, summarised by its length
	KindCode  = "code"  // an enumeration code ("operating") pages may translate
	KindCodes = "codes" // a short list of codes, Text joined by "、"
)

// Display limits.
const (
	maxText      = 80 // runes of a text value shown before "…"
	maxListItems = 3  // a list longer than this is shown as its length
)

// Changes turns an audit summary (the JSON object {"before": …, "after": …}
// Record writes) into what changed: for an update the fields whose values
// differ, for a create the meaningful fields of after, for a delete those of
// before. Nested objects are flattened to dotted keys; technical fields
// (ids, county, timestamps of the row, secrets, blind indexes, sealed
// values) are left out. The order is the order of the keys in the JSON.
// A summary with neither before nor after (a login) has no changes; one
// that is not such an object comes back as a single change with the raw
// text, so nothing recorded is ever hidden.
func Changes(summary string) []Change {
	top, err := parseOrdered(summary)
	if err != nil || top.kind != 'o' {
		return rawChange(summary)
	}
	before, hasBefore := top.get("before")
	after, hasAfter := top.get("after")
	if !hasBefore && !hasAfter {
		return rawChange(summary)
	}
	bl, al := flatten(before, ""), flatten(after, "")
	var out []Change
	switch {
	case isNull(before) && isNull(after):
		return nil
	case isNull(before):
		out = setChanges(al, OpSet)
	case isNull(after):
		out = setChanges(bl, OpUnset)
	default:
		out = updateChanges(bl, al)
	}
	return out
}

func rawChange(summary string) []Change {
	s := strings.TrimSpace(summary)
	if s == "" {
		return nil
	}
	return []Change{{Op: OpSet, New: Value{Text: s, Kind: KindText}}}
}

// setChanges lists the meaningful leaves of one side: technical fields,
// references to other records and empty values are left out.
func setChanges(leaves []leaf, op string) []Change {
	var out []Change
	for _, l := range leaves {
		if technical(l.key, l.node) || reference(l.key, l.node) || empty(l.node) {
			continue
		}
		if from, to, ok := fromTo(l.node); ok {
			// A requested change {"from": …, "to": …} reads as an update.
			out = append(out, Change{Field: l.key, Op: OpUpdate, Old: valueOf(from), New: valueOf(to)})
			continue
		}
		c := Change{Field: l.key, Op: op}
		if op == OpUnset {
			c.Old = valueOf(l.node)
		} else {
			c.New = valueOf(l.node)
		}
		out = append(out, c)
	}
	return out
}

// updateChanges compares the two sides leaf by leaf, in after's order and
// then before's. When the two sides describe different things (most of
// before's fields are absent from after, e.g. a certificate before a
// renewal and the renewal record), only after's fields are listed.
func updateChanges(bl, al []leaf) []Change {
	bm := map[string]*node{}
	for _, l := range bl {
		bm[l.key] = l.node
	}
	am := map[string]*node{}
	for _, l := range al {
		am[l.key] = l.node
	}
	missing := 0
	for _, l := range bl {
		if _, ok := am[l.key]; !ok {
			missing++
		}
	}
	if len(bl) > 0 && missing*2 > len(bl) && len(al) > 0 {
		return setChanges(al, OpSet)
	}
	var out []Change
	for _, l := range al {
		b, inBefore := bm[l.key]
		if technical(l.key, l.node) || (inBefore && technical(l.key, b)) {
			continue
		}
		if !inBefore {
			// A fact the entry adds (a note, a date): shown as set.
			out = append(out, setChanges([]leaf{l}, OpSet)...)
			continue
		}
		if reference(l.key, l.node) || reference(l.key, b) || same(b, l.node) {
			continue
		}
		out = append(out, Change{Field: l.key, Op: OpUpdate, Old: valueOf(b), New: valueOf(l.node)})
	}
	for _, l := range bl {
		if _, ok := am[l.key]; ok || technical(l.key, l.node) || reference(l.key, l.node) || empty(l.node) {
			continue
		}
		out = append(out, Change{Field: l.key, Op: OpUpdate, Old: valueOf(l.node), New: Value{Kind: KindEmpty}})
	}
	return out
}

// technical reports a field staff have no use for, or must not see.
func technical(key string, n *node) bool {
	k := key
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		k = k[i+1:]
	}
	switch k {
	case "id", "county_code", "created_at", "updated_at", "demo": // demo: a marker on demo records
		return true
	}
	for _, s := range []string{"password", "hash", "secret", "token", "salt"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	if strings.HasSuffix(k, "_blind") || strings.HasSuffix(k, "_masked") {
		return true
	}
	return sealed(n)
}

// sealed reports a value encrypted at rest (crypt's "enc1:" prefix).
func sealed(n *node) bool {
	if n == nil {
		return false
	}
	switch n.kind {
	case 's':
		return strings.HasPrefix(n.text, "enc1:")
	case 'a':
		for _, x := range n.vals {
			if sealed(x) {
				return true
			}
		}
	}
	return false
}

// reference reports a key to another record (…_id), a bare record id as
// a value, or a user id in a …_by field: text that means nothing to a
// reader.
func reference(key string, n *node) bool {
	k := key
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		k = k[i+1:]
	}
	if strings.HasSuffix(k, "_id") {
		return true
	}
	if n == nil || n.kind != 's' {
		return false
	}
	// recorded_by, created_by …: a user's id ("system" for the program).
	return isULID(n.text) || (strings.HasSuffix(k, "_by") && n.text == "system")
}

// isULID reports a 26-character Crockford base32 record id.
func isULID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9', c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U':
		default:
			return false
		}
	}
	return true
}

func isNull(n *node) bool { return n == nil || n.kind == 'z' }

func empty(n *node) bool {
	if isNull(n) {
		return true
	}
	switch n.kind {
	case 's':
		return n.text == ""
	case 'a', 'o':
		return len(n.vals) == 0
	}
	return false
}

// same reports equal values; null and "" are the same to a reader.
func same(a, b *node) bool {
	if empty(a) && empty(b) {
		return true
	}
	return canonical(a) == canonical(b)
}

// fromTo recognises a requested change {"from": x, "to": y}.
func fromTo(n *node) (from, to *node, ok bool) {
	if n == nil || n.kind != 'o' || len(n.keys) != 2 {
		return nil, nil, false
	}
	from, okf := n.get("from")
	to, okt := n.get("to")
	if !okf || !okt || from.kind == 'o' || to.kind == 'o' {
		return nil, nil, false
	}
	return from, to, true
}

// valueOf makes a leaf readable.
func valueOf(n *node) Value {
	if empty(n) {
		return Value{Kind: KindEmpty}
	}
	switch n.kind {
	case 'b':
		return Value{Text: n.text, Kind: KindBool}
	case 'n':
		return Value{Text: n.text, Kind: KindText}
	case 's':
		if t, ok := timestamp(n.text); ok {
			return Value{Text: t, Kind: KindText}
		}
		if isCode(n.text) {
			return Value{Text: n.text, Kind: KindCode}
		}
		return Value{Text: clip(n.text), Kind: KindText}
	case 'a':
		scalars := true
		for _, x := range n.vals {
			if x.kind == 'o' || x.kind == 'a' {
				scalars = false
			}
		}
		if !scalars || len(n.vals) > maxListItems {
			return Value{Text: strconv.Itoa(len(n.vals)), Kind: KindCount}
		}
		parts := make([]string, 0, len(n.vals))
		codes := true
		for _, x := range n.vals {
			v := valueOf(x)
			if v.Kind == KindEmpty {
				continue
			}
			codes = codes && v.Kind == KindCode
			parts = append(parts, v.Text)
		}
		if codes && len(parts) > 0 {
			return Value{Text: strings.Join(parts, "、"), Kind: KindCodes}
		}
		return Value{Text: clip(strings.Join(parts, "、")), Kind: KindText}
	case 'o':
		if from, to, ok := fromTo(n); ok {
			return Value{Text: clip(valueOf(from).Text + " → " + valueOf(to).Text), Kind: KindText}
		}
		return Value{Text: clip(canonical(n)), Kind: KindText}
	}
	return Value{Text: clip(n.text), Kind: KindText}
}

// timestamp shows an RFC 3339 time (not a bare date) in China time.
func timestamp(s string) (string, bool) {
	if len(s) < 20 || s[10] != 'T' {
		return "", false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", false
	}
	return t.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"), true
}

// isCode reports an enumeration code: lower-case ASCII letters, digits and
// underscores, starting with a letter.
func isCode(s string) bool {
	if s == "" || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	r := []rune(s)
	return string(r[:maxText]) + "…"
}

// titleKeys are the fields that name a record, most telling first.
var titleKeys = []string{"name", "enterprise_name", "place_name", "display_name", "username", "number", "title", "period", "code"}

// Title is the name of the record an audit entry is about, read from its
// summary (the record's name, the enterprise's, the user's display name,
// a document number …), so that the log shows 示例县兆丰矿业有限公司
// rather than a record id; "" when the entry names nothing.
func Title(summary string) string {
	top, err := parseOrdered(summary)
	if err != nil || top.kind != 'o' {
		return ""
	}
	after, _ := top.get("after")
	before, _ := top.get("before")
	leaves := append(flatten(after, ""), flatten(before, "")...)
	for _, want := range titleKeys {
		for _, l := range leaves {
			k := l.key
			if i := strings.LastIndexByte(k, '.'); i >= 0 {
				k = k[i+1:]
			}
			if k == want && l.node != nil && l.node.kind == 's' && l.node.text != "" && !sealed(l.node) && !isULID(l.node.text) {
				return clip(l.node.text)
			}
		}
	}
	return ""
}

// MessageIDs are the message IDs that may translate a code value of field
// in an entity's audit entry, most specific first: "<module>.<field>.<code>"
// (module: the entity up to its first "_", so licence_application looks in
// licence), "<entity>.<field>.<code>", then "<field>.<code>" (e.g.
// sector.chem_trade). Only KindCode values have any.
func (v Value) MessageIDs(entity, field string) []string {
	if v.Kind != KindCode {
		return nil
	}
	return CodeMessageIDs(entity, field, v.Text)
}

// Codes returns the codes of a KindCodes value (one for a KindCode).
func (v Value) Codes() []string {
	switch v.Kind {
	case KindCode:
		return []string{v.Text}
	case KindCodes:
		return strings.Split(v.Text, "、")
	}
	return nil
}

// CodeMessageIDs are the message IDs that may translate code in field of
// an entity's audit entry (see Value.MessageIDs).
func CodeMessageIDs(entity, field, code string) []string {
	v := Value{Text: code, Kind: KindCode}
	f := field
	if i := strings.LastIndexByte(f, '.'); i >= 0 {
		f = f[i+1:]
	}
	module, _, _ := strings.Cut(entity, "_")
	var out []string
	if module != "" {
		out = append(out, module+"."+f+"."+v.Text)
		// Some modules name a field's value messages differently.
		switch module + "." + f {
		case "certificate.person_role":
			out = append(out, "certificate.role."+v.Text)
		case "certificate.kind": // a renewal's kind: renew | review
			out = append(out, "certificate.renew_kind."+v.Text)
		case "licence.status":
			out = append(out, "licence.show."+v.Text)
		}
	}
	if entity != module {
		out = append(out, entity+"."+f+"."+v.Text)
	}
	return append(out, f+"."+v.Text)
}

// node is a parsed JSON value that keeps the order of object keys.
type node struct {
	kind byte     // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys []string // object keys, parallel to vals
	vals []*node  // object values or array items
	text string   // string, number or bool text
}

func (n *node) get(key string) (*node, bool) {
	if n == nil || n.kind != 'o' {
		return nil, false
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i], true
		}
	}
	return nil, false
}

// leaf is one flattened value with its dotted key.
type leaf struct {
	key  string
	node *node
}

// flatten lists the leaves of n: non-empty objects are opened (except a
// from/to pair, which is one value), everything else is a leaf.
func flatten(n *node, prefix string) []leaf {
	if n == nil || n.kind != 'o' || len(n.keys) == 0 {
		if prefix == "" && isNull(n) {
			return nil
		}
		return []leaf{{prefix, n}}
	}
	if _, _, ok := fromTo(n); ok && prefix != "" {
		return []leaf{{prefix, n}}
	}
	var out []leaf
	for i, k := range n.keys {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		out = append(out, flatten(n.vals[i], key)...)
	}
	return out
}

// canonical is n as compact JSON in its own key order.
func canonical(n *node) string {
	var b strings.Builder
	writeCanonical(&b, n)
	return b.String()
}

func writeCanonical(b *strings.Builder, n *node) {
	if n == nil {
		b.WriteString("null")
		return
	}
	switch n.kind {
	case 'z':
		b.WriteString("null")
	case 's':
		q, _ := json.Marshal(n.text)
		b.Write(q)
	case 'n', 'b':
		b.WriteString(n.text)
	case 'a':
		b.WriteByte('[')
		for i, x := range n.vals {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCanonical(b, x)
		}
		b.WriteByte(']')
	case 'o':
		b.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			q, _ := json.Marshal(k)
			b.Write(q)
			b.WriteByte(':')
			writeCanonical(b, n.vals[i])
		}
		b.WriteByte('}')
	}
}

// parseOrdered parses one JSON value, keeping object key order.
func parseOrdered(s string) (*node, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("audit summary: trailing data")
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: 'o'}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("audit summary: bad key")
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k)
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		case '[':
			n := &node{kind: 'a'}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return n, nil
		}
		return nil, errors.New("audit summary: unexpected delimiter")
	case string:
		return &node{kind: 's', text: t}, nil
	case json.Number:
		return &node{kind: 'n', text: t.String()}, nil
	case bool:
		return &node{kind: 'b', text: strconv.FormatBool(t)}, nil
	case nil:
		return &node{kind: 'z'}, nil
	}
	return nil, errors.New("audit summary: unexpected token")
}
