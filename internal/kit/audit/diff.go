package audit

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Diff returns the fields of a record that changed between before and
// after, each side keyed by its JSON name: what an update's audit entry
// records as its before and after. Fields named in ignore (e.g.
// "updated_at") are left out; a field only before has (an omitempty
// field emptied) counts as changed to nil. Values compare by their
// printed form.
func Diff(before, after any, ignore ...string) (map[string]any, map[string]any) {
	bm, am := fields(before), fields(after)
	b, a := map[string]any{}, map[string]any{}
	for k, v := range am {
		if slices.Contains(ignore, k) {
			continue
		}
		if fmt.Sprint(bm[k]) != fmt.Sprint(v) {
			b[k], a[k] = bm[k], v
		}
	}
	for k, v := range bm {
		if _, ok := am[k]; !ok && !slices.Contains(ignore, k) {
			b[k], a[k] = v, nil
		}
	}
	return b, a
}

// Same reports whether two records have the same JSON form (nothing to
// record).
func Same(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func fields(v any) map[string]any {
	var m map[string]any
	x, _ := json.Marshal(v)
	_ = json.Unmarshal(x, &m)
	return m
}
