package app_test

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

// unknown marks the part of an action code the scan could not work out.
const unknown = "\x00"

// auditSite is one audit.Entry literal and the action codes it can carry.
type auditSite struct {
	Pos    string   // file:line
	Module string   // the package folder under internal/, e.g. bureau/hazard
	Codes  []string // may contain unknown where the scan gave up
}

// scanAuditCodes finds every audit.Entry literal in the non-test Go files
// under internal/ and works out the action codes it can write: string
// constants, local variables and parameters (followed to the calls that
// pass them, within the package), concatenations, conversions, the
// package's own helper functions, map literals indexed, and otherwise the
// constants of the value's named type.
func scanAuditCodes(t *testing.T) []auditSite {
	t.Helper()
	root := filepath.Join(repoRoot, "internal")
	var sites []auditSite
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == filepath.Join("kit", "audit") {
			return nil // the package itself copies e.Action
		}
		s, err := scanPackage(path, filepath.ToSlash(rel))
		sites = append(sites, s...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) == 0 {
		t.Fatal("no audit.Entry literal found")
	}
	return sites
}

// stubImporter gives every import as an empty package: the scan needs the
// package's own declarations only, and type errors are ignored.
type stubImporter map[string]*types.Package

func (s stubImporter) Import(path string) (*types.Package, error) {
	if p, ok := s[path]; ok {
		return p, nil
	}
	p := types.NewPackage(path, filepath.Base(path))
	p.MarkComplete()
	s[path] = p
	return p, nil
}

type pkgScan struct {
	fset  *token.FileSet
	files []*ast.File
	info  *types.Info
	pkg   *types.Package
	funcs map[types.Object]*ast.FuncDecl // declared functions and methods
	owner map[*types.Var]*ast.FuncDecl   // parameter → its function
}

func scanPackage(dir, rel string) ([]auditSite, error) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil
	}
	ps := &pkgScan{fset: fset, files: files, funcs: map[types.Object]*ast.FuncDecl{}, owner: map[*types.Var]*ast.FuncDecl{},
		info: &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}}
	conf := types.Config{Importer: stubImporter{}, Error: func(error) {}}
	ps.pkg, _ = conf.Check(rel, fset, files, ps.info)
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ps.funcs[ps.info.Defs[fd.Name]] = fd
			for _, fl := range fd.Type.Params.List {
				for _, n := range fl.Names {
					if v, ok := ps.info.Defs[n].(*types.Var); ok {
						ps.owner[v] = fd
					}
				}
			}
		}
	}
	var sites []auditSite
	for _, f := range files {
		fn := ""
		ast.Inspect(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok {
				fn = fd.Name.Name
			}
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			var lits []*ast.CompositeLit
			if isAuditEntry(cl.Type) {
				lits = append(lits, cl)
			} else if at, ok := cl.Type.(*ast.ArrayType); ok && isAuditEntry(at.Elt) {
				for _, e := range cl.Elts {
					if c, ok := e.(*ast.CompositeLit); ok && c.Type == nil {
						lits = append(lits, c)
					}
				}
			}
			for _, c := range lits {
				for _, e := range c.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if k, _ := kvKey(kv); !ok || k != "Action" {
						continue
					}
					p := fset.Position(kv.Pos())
					sites = append(sites, auditSite{Pos: fmt.Sprintf("%s:%d (%s.%s)", p.Filename, p.Line, rel, fn), Module: rel,
						Codes: ps.byHand(rel+"."+fn, ps.eval(kv.Value, nil, 0))})
				}
			}
			return true
		})
	}
	return sites, nil
}

// followedByHand names, for the few action codes built from a plain
// string field the scan cannot follow (a form's or a request's value,
// checked by the module's rules), the package constants the unknown part
// takes: module.Function → pattern (… for the unknown part) → constants.
var followedByHand = map[string]map[string][]string{
	"bureau/certificate.Renew":    {"…": {"RenewRenew", "RenewReview"}},
	"bureau/certificate.saveDemo": {"…": {"RenewRenew", "RenewReview"}},
	"bureau/duty.addReportTx":     {"report_…": {"First", "Follow", "Final"}},
	"bureau/duty.DecideSwap":      {"…": {"SwapApproved", "SwapRejected"}},
	"bureau/enforcement.StepTx":   {"enf_…": {"ActApproveFiling", "ActRejectFiling", "ActNotify", "ActDecide", "ActPay", "ActClose", "ActApproveClose"}},
	"bureau/licence.ActTx":        {"licence_…": {"ActAccept", "ActNotAccept", "ActReview", "ActDecide", "ActIssue", "ActPrelim", "ActForward", "ActCityResult"}},
	"bureau/prepare.record":       {"step_…": {"StateConsultation", "StateReview", "StateDeliberation", "StatePublished", "StateFiled", "StateRevising"}},
	"bureau/relief.TakeStep":      {"step_…": {"StepVillage", "StepPublicity", "StepTown", "StepCounty"}},
	"bureau/supplies.MoveTx":      {"move_…": {"MoveIn", "MoveOut", "MoveCount"}},
	"bureau/warning.draftTx":      {"…": {"MsgUpdate", "MsgCancel"}},
}

// byHand replaces the unknown part of codes by the constants
// followedByHand names for the function; a name that is no longer a
// constant of the package stays unknown (and fails the test).
func (ps *pkgScan) byHand(fn string, codes []string) []string {
	var out []string
	for _, c := range codes {
		names, ok := followedByHand[fn][strings.ReplaceAll(c, unknown, "…")]
		if !ok || ps.pkg == nil {
			out = append(out, c)
			continue
		}
		for _, n := range names {
			k, ok := ps.pkg.Scope().Lookup(n).(*types.Const)
			if !ok || k.Val().Kind() != constant.String {
				out = append(out, strings.Replace(c, unknown, unknown+n, 1))
				continue
			}
			v := constant.StringVal(k.Val())
			if strings.HasPrefix(n, "Msg") {
				v = strings.ToLower(v) // FollowUp writes strings.ToLower(msgType)
			}
			out = append(out, strings.Replace(c, unknown, v, 1))
		}
	}
	return out
}

func kvKey(kv *ast.KeyValueExpr) (string, bool) {
	if kv == nil {
		return "", false
	}
	id, ok := kv.Key.(*ast.Ident)
	if !ok {
		return "", false
	}
	return id.Name, true
}

func isAuditEntry(e ast.Expr) bool {
	se, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := se.X.(*ast.Ident)
	return ok && x.Name == "audit" && se.Sel.Name == "Entry"
}

// eval returns the strings e can hold; env binds the parameters of a
// helper function being followed to the values passed to it.
func (ps *pkgScan) eval(e ast.Expr, env map[*types.Var][]string, depth int) []string {
	if depth > 8 {
		return []string{unknown}
	}
	e = ast.Unparen(e)
	if tv, ok := ps.info.Types[e]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
		return []string{constant.StringVal(tv.Value)}
	}
	switch x := e.(type) {
	case *ast.BinaryExpr:
		if x.Op == token.ADD {
			var out []string
			for _, l := range ps.eval(x.X, env, depth+1) {
				for _, r := range ps.eval(x.Y, env, depth+1) {
					out = append(out, l+r)
				}
			}
			return out
		}
	case *ast.Ident:
		if v, ok := ps.info.Uses[x].(*types.Var); ok {
			if vals, ok := env[v]; ok {
				return vals
			}
			if fd := ps.owner[v]; fd != nil {
				if out := ps.callArgs(fd, v, depth); out != nil {
					return out
				}
			} else if out := ps.assigned(v, env, depth); out != nil {
				return out
			}
		}
	case *ast.CallExpr:
		if tv, ok := ps.info.Types[x.Fun]; ok && tv.IsType() && len(x.Args) == 1 {
			return ps.eval(x.Args[0], env, depth+1)
		}
		var fnID *ast.Ident
		switch f := x.Fun.(type) {
		case *ast.Ident:
			fnID = f
		case *ast.SelectorExpr:
			fnID = f.Sel
		}
		if fd := ps.funcs[ps.info.Uses[fnID]]; fnID != nil && fd != nil {
			if out := ps.returns(fd, x, env, depth); out != nil {
				return out
			}
		}
	case *ast.IndexExpr:
		if m, ok := x.X.(*ast.CompositeLit); ok {
			var out []string
			for _, el := range m.Elts {
				if kv, ok := el.(*ast.KeyValueExpr); ok {
					out = append(out, ps.eval(kv.Value, env, depth+1)...)
				}
			}
			return out
		}
	}
	return ps.byType(e)
}

// byType lists the package's constants of e's named string type.
func (ps *pkgScan) byType(e ast.Expr) []string {
	tv, ok := ps.info.Types[e]
	if !ok || ps.pkg == nil {
		return []string{unknown}
	}
	named, ok := tv.Type.(*types.Named)
	if !ok || named.Obj().Pkg() != ps.pkg {
		return []string{unknown}
	}
	var out []string
	for _, n := range ps.pkg.Scope().Names() {
		if c, ok := ps.pkg.Scope().Lookup(n).(*types.Const); ok && types.Identical(c.Type(), named) && c.Val().Kind() == constant.String {
			out = append(out, constant.StringVal(c.Val()))
		}
	}
	if len(out) == 0 {
		return []string{unknown}
	}
	return out
}

// callArgs follows parameter v of fd to the arguments its callers pass.
func (ps *pkgScan) callArgs(fd *ast.FuncDecl, v *types.Var, depth int) []string {
	idx, i := -1, 0
	for _, fl := range fd.Type.Params.List {
		for _, n := range fl.Names {
			if ps.info.Defs[n] == v {
				idx = i
			}
			i++
		}
	}
	fn := ps.info.Defs[fd.Name]
	var out []string
	for _, f := range ps.files {
		ast.Inspect(f, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok || idx < 0 || idx >= len(c.Args) {
				return true
			}
			var id *ast.Ident
			switch f := c.Fun.(type) {
			case *ast.Ident:
				id = f
			case *ast.SelectorExpr:
				id = f.Sel
			}
			if id != nil && ps.info.Uses[id] == fn {
				out = append(out, ps.eval(c.Args[idx], nil, depth+1)...)
			}
			return true
		})
	}
	return out
}

// assigned lists what the local variable v is given.
func (ps *pkgScan) assigned(v *types.Var, env map[*types.Var][]string, depth int) []string {
	var out []string
	for _, f := range ps.files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch a := n.(type) {
			case *ast.AssignStmt:
				if len(a.Lhs) != len(a.Rhs) {
					return true
				}
				for i, l := range a.Lhs {
					if id, ok := l.(*ast.Ident); ok && (ps.info.Defs[id] == v || ps.info.Uses[id] == v) {
						out = append(out, ps.eval(a.Rhs[i], env, depth+1)...)
					}
				}
			case *ast.ValueSpec:
				for i, id := range a.Names {
					if ps.info.Defs[id] == v && i < len(a.Values) {
						out = append(out, ps.eval(a.Values[i], env, depth+1)...)
					}
				}
			}
			return true
		})
	}
	return out
}

// returns evaluates what the package's helper fd returns for call c.
func (ps *pkgScan) returns(fd *ast.FuncDecl, c *ast.CallExpr, env map[*types.Var][]string, depth int) []string {
	if fd.Body == nil {
		return nil
	}
	bound := map[*types.Var][]string{}
	i := 0
	for _, fl := range fd.Type.Params.List {
		for _, n := range fl.Names {
			if v, ok := ps.info.Defs[n].(*types.Var); ok && i < len(c.Args) {
				bound[v] = ps.eval(c.Args[i], env, depth+1)
			}
			i++
		}
	}
	var out []string
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 1 {
			out = append(out, ps.eval(r.Results[0], bound, depth+1)...)
		}
		return true
	})
	return out
}

// TestAuditCodesScanned lists what the scan finds, so that a code it
// cannot work out is a failure to fix (name the value's type or use a
// constant) rather than a label nobody checks.
func TestAuditCodesScanned(t *testing.T) {
	for _, s := range scanAuditCodes(t) {
		for _, c := range s.Codes {
			if strings.Contains(c, unknown) {
				t.Errorf("%s: cannot work out the audit action code (%q)", s.Pos, strings.ReplaceAll(c, unknown, "…"))
			}
		}
	}
}

// auditCodesByModule maps each action code to the modules that write it.
func auditCodesByModule(sites []auditSite) map[string][]string {
	seen := map[string]map[string]bool{}
	for _, s := range sites {
		for _, c := range s.Codes {
			if strings.Contains(c, unknown) {
				continue
			}
			if seen[c] == nil {
				seen[c] = map[string]bool{}
			}
			seen[c][s.Module] = true
		}
	}
	out := map[string][]string{}
	for c, ms := range seen {
		for m := range ms {
			out[c] = append(out[c], m)
		}
		sort.Strings(out[c])
	}
	return out
}

// sharedAuditCodes are the action codes more than one module writes, with
// the modules whose step each names in the same word (nil: any module,
// for the acts every record has). Any other code belongs to one module,
// so that the audit log never shows one module's step in another
// module's word (a certificate's 核验 as 复查, a warning's 催签 as 督促).
var sharedAuditCodes = map[string][]string{
	"create":    nil, // 新建
	"update":    nil, // 修改
	"import":    nil, // 导入 (an Excel ledger)
	"denied":    nil, // 越权尝试
	"demo_load": nil, // 载入演示数据
	// 批准: an extension, a plan, a dispatch, a warning (审批通过)
	"approve": {"bureau/hazard/supervise", "bureau/inspection", "bureau/supplies", "bureau/warning"},
	// 督促: hazard deadlines, incomplete plans and supplies
	"remind": {"bureau/hazard/supervise", "bureau/prepare"},
}

// retiredAuditCodes are codes older rows carry that no module writes any
// more; the audit log still names them.
var retiredAuditCodes = []string{
	"step_judge", "step_assess", "step_appraise", "step_remediate", "step_close", // housing steps before housing_*
	"approve_filing", "notify", "pay", "decide", // enforcement steps before enf_*
	"clear", "close", "publish", "issue", "revoke", "verify",
}

// TestAuditCodesOneWordEach checks that no action code is shared by
// modules unless it is one of the generic acts above.
func TestAuditCodesOneWordEach(t *testing.T) {
	for code, modules := range auditCodesByModule(scanAuditCodes(t)) {
		if len(modules) < 2 {
			continue
		}
		same, ok := sharedAuditCodes[code]
		for _, m := range modules {
			if !ok || same != nil && !slices.Contains(same, m) {
				t.Errorf("action code %q is written by %v: give %s's step its own code and label", code, modules, m)
			}
		}
	}
}
