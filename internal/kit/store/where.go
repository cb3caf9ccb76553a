package store

import (
	"strconv"
	"strings"
)

// Where builds a WHERE clause with numbered $N placeholders. Conditions
// are written with ? for each argument, e.g. w.Add("town_code = ?", code).
type Where struct {
	conds []string
	args  []any
}

// Add appends a condition; each ? becomes the next $N.
func (w *Where) Add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			w.args = append(w.args, args[i])
			i++
			b.WriteString("$" + strconv.Itoa(len(w.args)))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// In appends "col IN (…)"; an empty list matches nothing.
func (w *Where) In(col string, values []string) {
	if len(values) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	ph := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		ph[i], args[i] = "?", v
	}
	w.Add(col+" IN ("+strings.Join(ph, ", ")+")", args...)
}

// Arg adds an argument without a condition and returns its placeholder
// (for LIMIT, OFFSET and the like).
func (w *Where) Arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// SQL returns " WHERE …" or "" when there is no condition.
func (w *Where) SQL() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// Args returns the arguments in placeholder order.
func (w *Where) Args() []any { return w.args }
