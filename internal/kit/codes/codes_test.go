package codes

import (
	"reflect"
	"testing"
)

var grades = List{{Value: "general", ZH: "一般", EN: "General"}, {Value: "major", ZH: "重大", EN: "Major"}, {Value: "other", ZH: "其他"}}

func TestLabel(t *testing.T) {
	for _, c := range []struct{ v, lang, want string }{
		{"major", "zh", "重大"}, {"major", "en", "Major"}, {"major", "en-GB", "Major"}, {"major", "", "重大"},
		{"other", "en", "其他"}, {"unknown", "zh", "unknown"}, {"", "en", ""},
	} {
		if got := grades.Label(c.v, c.lang); got != c.want {
			t.Errorf("Label(%q, %q) = %q, want %q", c.v, c.lang, got, c.want)
		}
	}
	if got := grades.ZH("general"); got != "一般" {
		t.Errorf("ZH = %q", got)
	}
}

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"major", "major", true}, {" 重大 ", "major", true}, {"MAJOR", "major", true}, {"General", "general", true},
		{"其他", "other", true}, {"", "", false}, {"  ", "", false}, {"重大隐患", "", false}, {"Major ", "major", true},
	} {
		if v := grades.Value(c.in); v != c.want {
			t.Errorf("Value(%q) = %q, want %q", c.in, v, c.want)
		}
		got, ok := grades.Lookup(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestListsAndFind(t *testing.T) {
	if got := grades.Values(); !reflect.DeepEqual(got, []string{"general", "major", "other"}) {
		t.Errorf("Values = %v", got)
	}
	if got := grades.ZHLabels(); !reflect.DeepEqual(got, []string{"一般", "重大", "其他"}) {
		t.Errorf("ZHLabels = %v", got)
	}
	if _, ok := grades.Find("nope"); ok {
		t.Error("Find of an unknown value succeeded")
	}
	p := Pairs([][2]string{{"a", "甲"}, {"b", "乙"}})
	if p.Label("b", "en") != "乙" || p[0] != (Code{Value: "a", ZH: "甲"}) {
		t.Errorf("Pairs = %+v", p)
	}
	if tr := Triples([][3]string{{"a", "甲", "A"}}); tr.Label("a", "en") != "A" || tr[0] != (Code{Value: "a", ZH: "甲", EN: "A"}) {
		t.Errorf("Triples = %+v", tr)
	}
}

func TestTagsAndSubset(t *testing.T) {
	levels := Quads([][4]string{{"blue", "蓝色", "Blue", "Minor"}, {"red", "红色", "Red", "Extreme"}})
	if levels.Tag("red") != "Extreme" || levels.Tag("grey") != "" || levels.Label("blue", "en") != "Blue" {
		t.Errorf("Quads = %+v", levels)
	}
	if grades.Tag("major") != "" {
		t.Error("an untagged list has a tag")
	}
	if got := grades.Subset([]string{"other", "nope", "general"}).Values(); !reflect.DeepEqual(got, []string{"general", "other"}) {
		t.Errorf("Subset = %v, want list order without unknown values", got)
	}
	if got := grades.Subset(nil); got == nil || len(got) != 0 {
		t.Errorf("Subset(nil) = %#v, want an empty list", got)
	}
}
