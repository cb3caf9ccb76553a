package audit

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// summaryOf builds a summary the way Record does.
func summaryOf(t *testing.T, before, after any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"before": before, "after": after})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firm is a record as services pass it: struct fields in declaration order.
type firm struct {
	ID         string    `json:"id"`
	CountyCode string    `json:"county_code"`
	Name       string    `json:"name"`
	CreditCode string    `json:"credit_code"`
	TownCode   string    `json:"town_code"`
	SectionID  string    `json:"section_id,omitempty"`
	Status     string    `json:"status"`
	Specials   []string  `json:"specials,omitempty"`
	Verified   bool      `json:"verified"`
	Lat        *float64  `json:"lat,omitempty"`
	Note       string    `json:"note,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func txt(s string) Value  { return Value{Text: s, Kind: KindText} }
func code(s string) Value { return Value{Text: s, Kind: KindCode} }
func boolean(b bool) Value {
	if b {
		return Value{Text: "true", Kind: KindBool}
	}
	return Value{Text: "false", Kind: KindBool}
}
func count(n string) Value { return Value{Text: n, Kind: KindCount} }

var none = Value{Kind: KindEmpty}

func TestChanges(t *testing.T) {
	at := time.Date(2024, 5, 1, 2, 30, 0, 0, time.UTC)
	lat := 30.95
	f := firm{ID: "01J0ABCDEFGHJKMNPQRSTVWXYZ", CountyCode: "341823", Name: "兆丰矿业", CreditCode: "91341823MA2N0X1234",
		TownCode: "341823101", SectionID: "01J0ABCDEFGHJKMNPQRSTVWXY0", Status: "operating", Verified: true, Lat: &lat,
		CreatedAt: at, UpdatedAt: at}
	g := f
	g.Name, g.Status, g.Verified, g.UpdatedAt = "兆丰矿业有限公司", "suspended", false, at.Add(time.Hour)
	codes := []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7"}

	tests := []struct {
		name    string
		summary string
		want    []Change
	}{
		{"login: nothing changed", summaryOf(t, nil, nil), nil},
		{"update of a record: only what differs, in field order", summaryOf(t, f, g), []Change{
			{Field: "name", Op: OpUpdate, Old: txt("兆丰矿业"), New: txt("兆丰矿业有限公司")},
			{Field: "status", Op: OpUpdate, Old: code("operating"), New: code("suspended")},
			{Field: "verified", Op: OpUpdate, Old: boolean(true), New: boolean(false)},
		}},
		{"update as a diff map (removed field is null)", summaryOf(t,
			map[string]any{"risk": "low", "village_code": "341823101201"},
			map[string]any{"risk": "major", "village_code": nil}), []Change{
			{Field: "risk", Op: OpUpdate, Old: code("low"), New: code("major")},
			{Field: "village_code", Op: OpUpdate, Old: txt("341823101201"), New: none},
		}},
		{"create: meaningful fields of after", summaryOf(t, nil, f), []Change{
			{Field: "name", Op: OpSet, New: txt("兆丰矿业")},
			{Field: "credit_code", Op: OpSet, New: txt("91341823MA2N0X1234")},
			{Field: "town_code", Op: OpSet, New: txt("341823101")},
			{Field: "status", Op: OpSet, New: code("operating")},
			{Field: "verified", Op: OpSet, New: boolean(true)},
			{Field: "lat", Op: OpSet, New: txt("30.95")},
		}},
		{"delete: fields of before", summaryOf(t, map[string]any{"name": "旧仓库", "capacity": 12.5}, nil), []Change{
			{Field: "capacity", Op: OpUnset, Old: txt("12.5")},
			{Field: "name", Op: OpUnset, Old: txt("旧仓库")},
		}},
		{"nested objects flatten to dotted keys", summaryOf(t,
			map[string]any{"contact": map[string]any{"name": "张三", "phone": "13800000000"}},
			map[string]any{"contact": map[string]any{"name": "李四", "phone": "13800000000"}}), []Change{
			{Field: "contact.name", Op: OpUpdate, Old: txt("张三"), New: txt("李四")},
		}},
		{"requested change from/to reads as an update", summaryOf(t, nil,
			map[string]any{"name": map[string]string{"from": "甲公司", "to": "乙公司"}}), []Change{
			{Field: "name", Op: OpUpdate, Old: txt("甲公司"), New: txt("乙公司")},
		}},
		{"long list is counted, short list joined", summaryOf(t, nil,
			map[string]any{"codes": codes, "specials": []string{"dust", "ammonia"}}), []Change{
			{Field: "codes", Op: OpSet, New: count("7")},
			{Field: "specials", Op: OpSet, New: Value{Text: "dust、ammonia", Kind: KindCodes}}, // codes, each translated by the page
		}},
		{"list of objects is counted", summaryOf(t, nil,
			map[string]any{"rows": []map[string]int{{"a": 1}, {"a": 2}}}), []Change{
			{Field: "rows", Op: OpSet, New: count("2")},
		}},
		{"sealed, secret and blind-index values are left out", summaryOf(t,
			map[string]any{"phone": "enc1:AAAA", "phone_blind": "x1", "password_hash": "h1", "name": "a"},
			map[string]any{"phone": "enc1:BBBB", "phone_blind": "x2", "password_hash": "h2", "name": "b"}), []Change{
			{Field: "name", Op: OpUpdate, Old: code("a"), New: code("b")},
		}},
		{"sealed value on create is left out", summaryOf(t, nil, map[string]any{"id_number": "enc1:QQ", "person_name": "王五"}), []Change{
			{Field: "person_name", Op: OpSet, New: txt("王五")},
		}},
		{"fact added by the entry is shown as set", summaryOf(t,
			map[string]any{"status": "producing", "date": "2022-01-01"},
			map[string]any{"status": "suspended", "date": "2022-07-01", "note": "停产整顿"}), []Change{
			{Field: "date", Op: OpUpdate, Old: txt("2022-01-01"), New: txt("2022-07-01")},
			{Field: "note", Op: OpSet, New: txt("停产整顿")},
			{Field: "status", Op: OpUpdate, Old: code("producing"), New: code("suspended")},
		}},
		{"different things before and after: only after is listed", summaryOf(t, f,
			map[string]any{"kind": "renew", "new_number": "T2024-1", "old_number": "T2021-9"}), []Change{
			{Field: "kind", Op: OpSet, New: code("renew")},
			{Field: "new_number", Op: OpSet, New: txt("T2024-1")},
			{Field: "old_number", Op: OpSet, New: txt("T2021-9")},
		}},
		{"timestamps in China time, references left out", summaryOf(t, nil,
			map[string]any{"request": "01J0ABCDEFGHJKMNPQRSTVWXYZ", "requested_at": at, "enterprise_id": "x", "reason": "材料齐全",
				"recorded_by": "system", "checked_by": "监管一股"}), []Change{
			{Field: "checked_by", Op: OpSet, New: txt("监管一股")},
			{Field: "reason", Op: OpSet, New: txt("材料齐全")},
			{Field: "requested_at", Op: OpSet, New: txt("2024-05-01 10:30")},
		}},
		{"a number replacing a licence is kept, ids are not", summaryOf(t,
			map[string]any{"status": "active"},
			map[string]any{"status": "replaced", "replaced_by": "（示）LS〔2024〕3号", "licence_id": "01J0ABCDEFGHJKMNPQRSTVWXYZ"}), []Change{
			{Field: "replaced_by", Op: OpSet, New: txt("（示）LS〔2024〕3号")},
			{Field: "status", Op: OpUpdate, Old: code("active"), New: code("replaced")},
		}},
		{"empty values are not listed on create", summaryOf(t, nil, map[string]any{"note": "", "x": nil, "list": []int{}, "lang": "en"}), []Change{
			{Field: "lang", Op: OpSet, New: code("en")},
		}},
		{"equal update lists nothing", summaryOf(t, map[string]any{"a": 1}, map[string]any{"a": 1}), nil},
		{"long text is clipped", summaryOf(t, nil, map[string]any{"note": strings.Repeat("很", 100)}), []Change{
			{Field: "note", Op: OpSet, New: txt(strings.Repeat("很", maxText) + "…")},
		}},
		{"scalar after", summaryOf(t, nil, "重新计算"), []Change{{Field: "", Op: OpSet, New: txt("重新计算")}}},
		{"malformed JSON falls back to the raw text", `{"before":`, []Change{{Op: OpSet, New: txt(`{"before":`)}}},
		{"object without before/after falls back to the raw text", `{"x":1}`, []Change{{Op: OpSet, New: txt(`{"x":1}`)}}},
		{"trailing data falls back to the raw text", `{"before":null,"after":null} x`, []Change{{Op: OpSet, New: txt(`{"before":null,"after":null} x`)}}},
		{"empty summary", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Changes(tc.summary)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Changes(%s)\n got %+v\nwant %+v", tc.summary, got, tc.want)
			}
			// Deterministic: the same summary gives the same list.
			if again := Changes(tc.summary); !reflect.DeepEqual(got, again) {
				t.Errorf("not deterministic: %+v vs %+v", got, again)
			}
		})
	}
}

func TestChangesKeepsJSONKeyOrder(t *testing.T) {
	s := `{"after":{"zeta":"1","alpha":"2","mid":"3"},"before":null}`
	var keys []string
	for _, c := range Changes(s) {
		keys = append(keys, c.Field)
	}
	if strings.Join(keys, ",") != "zeta,alpha,mid" {
		t.Errorf("order: %v", keys)
	}
}

func TestValueMessageIDs(t *testing.T) {
	tests := []struct {
		entity, field string
		v             Value
		want          []string
	}{
		{"enterprise", "status", code("operating"), []string{"enterprise.status.operating", "status.operating"}},
		{"licence_application", "state", code("accepted"), []string{"licence.state.accepted", "licence_application.state.accepted", "state.accepted"}},
		{"certificate", "person_role", code("principal"), []string{"certificate.person_role.principal", "certificate.role.principal", "person_role.principal"}},
		{"certificate", "kind", code("renew"), []string{"certificate.kind.renew", "certificate.renew_kind.renew", "kind.renew"}},
		{"licence", "status", code("replaced"), []string{"licence.status.replaced", "licence.show.replaced", "status.replaced"}},
		{"enterprise", "x.sector", code("chem_trade"), []string{"enterprise.sector.chem_trade", "sector.chem_trade"}},
		{"enterprise", "name", txt("兆丰"), nil},
	}
	for _, tc := range tests {
		if got := tc.v.MessageIDs(tc.entity, tc.field); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %s %v: %v, want %v", tc.entity, tc.field, tc.v, got, tc.want)
		}
	}
}

func TestTitleNamesTheRecord(t *testing.T) {
	for _, c := range []struct{ summary, want string }{
		{`{"before":null,"after":{"hazard":{"id":"01J0NOSUCHRECORD0000000000","place_name":"示例县兆丰矿业有限公司","town_code":"349901104"},"files":0}}`, "示例县兆丰矿业有限公司"},
		{`{"before":{"state":"pending"},"after":{"state":"approved"}}`, ""},
		{`{"before":null,"after":{"name":"籍山镇","code":"349901100"}}`, "籍山镇"},
		{`{"before":null,"after":{"username":"town","display_name":"籍山镇安监员"}}`, "籍山镇安监员"},
		{`{"before":null,"after":{"id_number":"enc1:xyz","name":"enc1:abc"}}`, ""},
		{`not json`, ""},
	} {
		if got := Title(c.summary); got != c.want {
			t.Errorf("Title(%s) = %q, want %q", c.summary, got, c.want)
		}
	}
}
