// Package textlimit is the one table of text length limits, by field key,
// shared by forms and JSON bodies (internal/kit/web) and Excel imports
// (internal/kit/xlsx), so the three refuse the same over-long value with the
// same limit in the message.
//
// A field key is the name a value has in all three places: the form field,
// the JSON key and the Excel column key (e.g. "name", "credit_code",
// "address"). A key not in the table gets Fallback. A module that needs
// another limit for one of its fields says so where the field is declared:
// Column.MaxLen for an Excel column, the `maxlen:"N"` struct tag for a JSON
// field, or a Limits value of its own (Limits.For falls back to this table).
package textlimit

import "strings"

// Limits of the table, in characters (runes).
const (
	// Fallback bounds any text value whose key the table does not name.
	Fallback = 20000
	// Name is a person's, an enterprise's or a thing's name.
	Name = 100
	// Code is a short code, number or phone.
	Code = 30
	// DocNumber is a document or certificate number (文号、证书编号).
	DocNumber = 50
	// Place is an address, a place or a title.
	Place = 200
	// Text is a description, measure, note or reason.
	Text = 2000
)

// Limits maps field keys to their limit in characters.
type Limits map[string]int

// shared is the table; read-only after package initialisation.
var shared = Limits{
	// names
	"name": Name, "enterprise_name": Name, "person_name": Name, "principal_name": Name,
	"safety_name": Name, "display_name": Name, "head_name": Name, "leader": Name,
	"keeper": Name, "reporter": Name, "responsible": Name, "plan_person": Name,
	"signer": Name, "signed_by": Name, "party_name": Name, "member_name": Name,
	"issuer_name": Name, "item_name": Name, "warehouse_name": Name, "unit_name": Name,
	"town": Name, "village": Name, "town_name": Name, "village_name": Name, "substitute_name": Name, "partner": Name,
	"organiser": Name, "agency": Name, "position": Name, "account_holder": Name,
	"checked_by": Name, "assessed_by": Name, "given_by": Name, "caller": Name,
	// short codes and phones
	"phone": Code, "principal_phone": Code, "safety_phone": Code, "credit_code": Code,
	"id_number": Code,
	// document and certificate numbers
	"cert_no": DocNumber, "doc_number": DocNumber, "approval_ref": DocNumber,
	"dispatch_ref": DocNumber, "prev_number": DocNumber, "account_no": DocNumber,
	// addresses, places, titles
	"address": Place, "place": Place, "place_name": Place, "title": Place,
	"headline": Place, "topic": Place, "spec": Place, "dyke_section": Place,
	// descriptions, measures, notes, reasons
	"description": Text, "measures": Text, "measure": Text, "note": Text,
	"reason": Text, "findings": Text, "summary": Text, "opinion": Text,
	"cause": Text, "resolution": Text, "instruction": Text, "explanation": Text,
	"evaluation": Text, "done_note": Text, "overdue_reason": Text, "legal_basis": Text,
	"plan_measures": Text, "plan_emergency": Text, "area_desc": Text,
}

// For returns the limit of a field key from the shared table, or Fallback.
// A dotted or indexed key ("items.name", "name[]", "rows[3].note") is looked
// up by its last segment.
func For(key string) int {
	if n, ok := shared[Base(key)]; ok {
		return n
	}
	return Fallback
}

// For returns the limit of a field key from l, else from the shared table.
func (l Limits) For(key string) int {
	if n, ok := l[key]; ok && n > 0 {
		return n
	}
	if n, ok := l[Base(key)]; ok && n > 0 {
		return n
	}
	return For(key)
}

// Base is the last segment of a dotted or indexed key, without "[]" or an
// index: "items.name" → "name", "rows[3].note" → "note", "name[]" → "name".
func Base(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		key = key[i+1:]
	}
	if i := strings.IndexByte(key, '['); i >= 0 {
		key = key[:i]
	}
	return key
}

// Table returns a copy of the shared table (for the pages' maxlength
// attributes).
func Table() Limits {
	out := make(Limits, len(shared))
	for k, v := range shared {
		out[k] = v
	}
	return out
}

// Known reports whether the shared table names the key (its last segment).
func Known(key string) bool {
	_, ok := shared[Base(key)]
	return ok
}
