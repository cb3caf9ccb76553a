package store

import (
	"reflect"
	"testing"
)

func TestWhere(t *testing.T) {
	var w Where
	if w.SQL() != "" {
		t.Fatal("empty where")
	}
	w.Add("a = ?", 1)
	w.In("b", []string{"x", "y"})
	w.Add("(c LIKE ? OR d LIKE ?)", "%q%", "%q%")
	lim := w.Arg(50)
	if got := w.SQL(); got != " WHERE a = $1 AND b IN ($2, $3) AND (c LIKE $4 OR d LIKE $5)" || lim != "$6" {
		t.Fatalf("sql: %s %s", got, lim)
	}
	if !reflect.DeepEqual(w.Args(), []any{1, "x", "y", "%q%", "%q%", 50}) {
		t.Fatalf("args: %v", w.Args())
	}
	var e Where
	e.In("b", nil)
	if e.SQL() != " WHERE 1 = 0" {
		t.Fatal("empty IN must match nothing")
	}
}
