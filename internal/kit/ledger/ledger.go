// Package ledger connects the Excel kit to the bureau's registers (台账):
// every importable ledger declares its sheet layout, how a row is checked
// and committed, and how its filtered list is exported. The same Run is
// used by the web import (as a background job with a progress bar) and by
// `yingji import KIND FILE`.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"

	"yingji/internal/kit/auth"
	"yingji/internal/kit/errs"
	"yingji/internal/kit/store"
	"yingji/internal/kit/xlsx"
)

// Ledger is one Excel register.
type Ledger struct {
	Kind   string // URL segment and CLI name, e.g. "regions"
	Title  string // message ID of the register's name
	Schema xlsx.Schema
	// Export writes the rows of the list the principal may see, filtered
	// by the list page's query parameters. Nil: not exportable.
	Export func(ctx context.Context, p *auth.Principal, q url.Values, w *xlsx.Writer) error
	// ExportColumns, when set, are written by Export after the Schema's
	// columns (e.g. a record's state): not in the template, and ignored
	// when the file is imported again (unknown headers are ignored).
	ExportColumns []xlsx.Column
	// NewImport starts one import into target (the value chosen for
	// Target; "" when the ledger has none or nothing was chosen). Nil: not
	// importable.
	NewImport func(ctx context.Context, p *auth.Principal, target string) (Import, error)
	// Target, when set, is a choice made once for the whole file (the
	// survey campaign a buildings file goes into): the import page offers
	// it as a drop-down, the CLI takes it as --PARAM.
	Target *Target
}

// Target describes an import's whole-file choice.
type Target struct {
	Param string // form field and CLI flag name, e.g. "campaign"
	Label string // message ID of the choice's name
	// Choices lists what the principal may choose from.
	Choices func(ctx context.Context, p *auth.Principal) ([]Choice, error)
}

// Choice is one value of a Target.
type Choice struct {
	Value string // what NewImport receives (an ID)
	Label string // what the user reads (a name)
}

// Options are an import's settings besides the file.
type Options struct {
	// OnlyValid commits the rows without errors even when some rows have
	// errors (the user asked for it explicitly).
	OnlyValid bool
	// Target is the value of the ledger's Target ("" for none).
	Target string
}

// Import is one import in progress: Check sees every row in file order and
// keeps the valid ones; Commit writes what was kept in one transaction.
type Import interface {
	// Check applies the domain rules to a row (duplicates in the file or
	// in the database, unknown references …). row.Errors holds the kit's
	// own findings; a row with any error must not be committed.
	Check(ctx context.Context, row xlsx.Row) []xlsx.CellError
	// Commit writes the kept rows, all or none, reporting progress.
	Commit(ctx context.Context, progress func(done, total int64)) (int, error)
}

// Kept is what an Import's Check keeps for Commit: the records in file
// order, each with the file row it came from (its Excel row number, header
// counted, as in xlsx.Row.Num).
type Kept[T any] struct {
	Rows []T
	Nums []int
}

// Add keeps x, read from file row num.
func (k *Kept[T]) Add(num int, x T) {
	k.Rows = append(k.Rows, x)
	k.Nums = append(k.Nums, num)
}

// Commit writes the kept records with write in one transaction of db, all
// or none, reporting progress every 100 records. An error names the file
// row its record came from ("row 7: …"), not its place among the kept
// records, which skipped and blank rows leave out.
func (k *Kept[T]) Commit(ctx context.Context, db *store.DB, progress func(done, total int64), write func(tx *store.Tx, x T) error) (int, error) {
	total := int64(len(k.Rows))
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for i, x := range k.Rows {
			if err := write(tx, x); err != nil {
				return fmt.Errorf("row %d: %w", k.Nums[i], err)
			}
			if done := int64(i + 1); done%100 == 0 || done == total {
				progress(done, total)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(k.Rows), nil
}

// Finisher is an Import with rules over the whole file (a day of the
// roster needs its 带班领导 among all its rows): Finish runs once after
// every row was checked and returns errors naming their rows (Row and Key
// set; the column letter and header are filled in). The import must not
// commit the rows it names.
type Finisher interface {
	Finish(ctx context.Context) []xlsx.CellError
}

// Result is what an import did.
type Result struct {
	Kind       string           `json:"kind"`
	Rows       int              `json:"rows"`     // data rows in the file
	Imported   int              `json:"imported"` // rows committed
	Skipped    int              `json:"skipped"`  // rows with errors (only-valid mode)
	ErrorCount int              `json:"error_count"`
	Errors     []xlsx.CellError `json:"errors,omitempty"`
	FileError  string           `json:"file_error,omitempty"`
	OnlyValid  bool             `json:"only_valid"`
	Target     string           `json:"target,omitempty"`
	Committed  bool             `json:"committed"`
}

// ErrRowsInvalid is returned (wrapped in errs.Invalid) when a file has bad
// rows and the caller did not ask to import only the valid ones.
var ErrRowsInvalid = errors.New("the file has invalid rows; nothing was imported")

// Run checks a whole file and commits it: all rows, or — with
// opts.OnlyValid — the rows without errors. A file with any bad row and
// !OnlyValid commits nothing. progress receives (done, total) in rows.
func Run(ctx context.Context, l *Ledger, p *auth.Principal, r io.Reader, opts Options, progress func(done, total int64)) (*Result, error) {
	if l.NewImport == nil {
		return nil, errs.New(errs.Invalid, "ledger.not_importable")
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	if opts.Target != "" && l.Target == nil {
		return nil, errs.New(errs.Invalid, "ledger.no_target")
	}
	imp, err := l.NewImport(ctx, p, opts.Target)
	if err != nil {
		return nil, err
	}
	onlyValid := opts.OnlyValid
	res := &Result{Kind: l.Kind, OnlyValid: onlyValid, Target: opts.Target}
	rep, err := xlsx.ParseContext(ctx, r, l.Schema, func(row xlsx.Row) []xlsx.CellError {
		if row.Num%1000 == 0 {
			progress(int64(row.Num), 0)
		}
		return imp.Check(ctx, row)
	})
	var fe *xlsx.FileError
	if errors.As(err, &fe) {
		res.FileError = fe.Msg
		return res, &errs.Error{Kind: errs.Invalid, Message: "ledger.file_error", Args: map[string]any{"Reason": fe.Msg}, Err: err}
	}
	if err != nil {
		return res, fmt.Errorf("read %s: %w", l.Kind, err)
	}
	if fin, ok := imp.(Finisher); ok {
		finish(rep, l.Schema, fin.Finish(ctx))
	}
	res.Rows, res.ErrorCount, res.Errors = rep.Rows, rep.ErrorCount, rep.Errors
	sort.SliceStable(res.Errors, func(i, j int) bool { return res.Errors[i].Row < res.Errors[j].Row })
	if !rep.OK() && !onlyValid {
		return res, &errs.Error{Kind: errs.Invalid, Message: "ledger.rows_invalid", Args: map[string]any{"Count": rep.ErrorCount, "Rows": rep.Rows}, Err: ErrRowsInvalid}
	}
	// The commit is one long write: it waits its turn rather than racing
	// the short writes of everyone else (store.Serial).
	n, err := imp.Commit(store.Serial(ctx), progress)
	if err != nil {
		return res, err
	}
	res.Imported, res.Committed = n, true
	res.Skipped = rep.Rows - rep.Valid
	progress(int64(rep.Rows), int64(rep.Rows))
	return res, nil
}

// finish adds the whole-file errors to the report: a row named there for
// the first time is no longer valid.
func finish(rep *xlsx.Report, s xlsx.Schema, errors []xlsx.CellError) {
	bad := map[int]bool{}
	for _, e := range rep.Errors {
		bad[e.Row] = true
	}
	for _, e := range errors {
		if c, ok := s.Column(e.Key); ok && e.Column == "" {
			e.Column = c.Header
		}
		if e.Col == "" {
			e.Col = rep.Letters[e.Key]
		}
		if !bad[e.Row] {
			bad[e.Row] = true
			rep.Valid--
		}
		rep.ErrorCount++
		if len(rep.Errors) < xlsx.MaxErrors {
			rep.Errors = append(rep.Errors, e)
		}
	}
}

// Registry holds the ledgers by kind.
type Registry struct {
	byKind map[string]*Ledger
	order  []string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byKind: map[string]*Ledger{}} }

// Add registers a ledger.
func (r *Registry) Add(l *Ledger) {
	if _, dup := r.byKind[l.Kind]; dup {
		panic("ledger " + l.Kind + " registered twice")
	}
	r.byKind[l.Kind] = l
	r.order = append(r.order, l.Kind)
}

// Get returns a ledger by kind.
func (r *Registry) Get(kind string) (*Ledger, bool) {
	l, ok := r.byKind[kind]
	return l, ok
}

// Kinds lists the registered kinds in registration order.
func (r *Registry) Kinds() []string { return append([]string(nil), r.order...) }

// ExportSchema is the layout of an export: the Schema's columns, then the
// ExportColumns.
func (l *Ledger) ExportSchema() xlsx.Schema {
	s := l.Schema
	if len(l.ExportColumns) > 0 {
		s.Columns = append(append([]xlsx.Column(nil), l.Schema.Columns...), l.ExportColumns...)
	}
	return s
}
