package apirecord

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Generate returns the API record of the module rooted at root: the sorted
// lines describing every exported identifier of its importable packages.
func Generate(root string) ([]string, error) {
	var lines []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if rel != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" ||
			name == "internal" || name == "examples" || name == "cmd") {
			return filepath.SkipDir
		}
		pkg, err := packageLines(path, rel)
		if err != nil {
			return err
		}
		lines = append(lines, pkg...)
		return nil
	})
	slices.Sort(lines)
	return slices.Compact(lines), err
}

// Counts returns the number of exported identifiers per package in a
// record: top-level names (functions, types, constants, variables) and
// methods, not fields.
func Counts(lines []string) map[string]int {
	out := map[string]int{}
	for _, l := range lines {
		pkg, rest, _ := strings.Cut(strings.TrimPrefix(l, "pkg "), ", ")
		if strings.HasPrefix(rest, "type ") && strings.Count(rest, ", ") > 0 {
			continue // a field or interface method line
		}
		out[pkg]++
	}
	return out
}

// packageLines parses the non-test Go files of dir (one package) and
// returns its lines; a directory without Go files, or of a command
// (package main), has none.
func packageLines(dir, rel string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if ignored(f) || f.Name.Name == "main" {
			continue
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil
	}
	pkgName := rel
	if rel == "." {
		pkgName = files[0].Name.Name
	}
	w := &writer{fset: fset, pkg: "pkg " + pkgName + ", "}
	for _, f := range files {
		for _, d := range f.Decls {
			w.decl(d)
		}
	}
	return w.lines, nil
}

// ignored reports a file excluded from every build (//go:build ignore).
func ignored(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if constraint.IsGoBuild(c.Text) {
				expr, err := constraint.Parse(c.Text)
				if err == nil && !expr.Eval(func(tag string) bool { return tag != "ignore" }) {
					return true
				}
			}
		}
	}
	return false
}

type writer struct {
	fset  *token.FileSet
	pkg   string
	lines []string
}

func (w *writer) add(format string, args ...any) {
	w.lines = append(w.lines, w.pkg+fmt.Sprintf(format, args...))
}

// expr prints an expression on one line.
func (w *writer) expr(e ast.Expr) string {
	var b bytes.Buffer
	printer.Fprint(&b, w.fset, e)
	return strings.Join(strings.Fields(b.String()), " ")
}

func (w *writer) decl(d ast.Decl) {
	switch d := d.(type) {
	case *ast.FuncDecl:
		w.fn(d)
	case *ast.GenDecl:
		var typ ast.Expr // a constant spec without a type repeats the previous one's
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.TypeSpec:
				w.typ(s)
			case *ast.ValueSpec:
				if s.Type != nil || len(s.Values) > 0 {
					typ = s.Type
				}
				w.value(d.Tok, s, typ)
			}
		}
	}
}

func (w *writer) fn(d *ast.FuncDecl) {
	if !d.Name.IsExported() {
		return
	}
	sig := d.Name.Name + w.signature(d.Type)
	if d.Recv == nil {
		w.add("func %s", sig)
		return
	}
	recv := d.Recv.List[0].Type
	base := recv
	if s, ok := base.(*ast.StarExpr); ok {
		base = s.X
	}
	switch b := base.(type) {
	case *ast.IndexExpr:
		base = b.X
	case *ast.IndexListExpr:
		base = b.X
	}
	if id, ok := base.(*ast.Ident); !ok || !id.IsExported() {
		return // a method of an unexported type is not part of the API
	}
	w.add("method (%s) %s", w.expr(recv), sig)
}

// signature prints a function type's parameters and results without names.
func (w *writer) signature(t *ast.FuncType) string {
	var b strings.Builder
	if t.TypeParams != nil {
		b.WriteString("[" + w.fields(t.TypeParams, true) + "]")
	}
	b.WriteString("(" + w.fields(t.Params, false) + ")")
	if t.Results != nil && len(t.Results.List) > 0 {
		res := w.fields(t.Results, false)
		if len(t.Results.List) == 1 && len(t.Results.List[0].Names) <= 1 {
			b.WriteString(" " + res)
		} else {
			b.WriteString(" (" + res + ")")
		}
	}
	return b.String()
}

// fields prints a field list's types, once per name; type parameters keep
// their names (they appear in the signature).
func (w *writer) fields(fl *ast.FieldList, names bool) string {
	var out []string
	for _, f := range fl.List {
		typ := w.expr(f.Type)
		n := max(len(f.Names), 1)
		if names {
			for _, id := range f.Names {
				out = append(out, id.Name+" "+typ)
			}
			continue
		}
		for range n {
			out = append(out, typ)
		}
	}
	return strings.Join(out, ", ")
}

func (w *writer) typ(s *ast.TypeSpec) {
	if !s.Name.IsExported() {
		return
	}
	name := s.Name.Name
	if s.TypeParams != nil {
		name += "[" + w.fields(s.TypeParams, true) + "]"
	}
	if s.Assign.IsValid() {
		w.add("type %s = %s", name, w.expr(s.Type))
		return
	}
	switch t := s.Type.(type) {
	case *ast.StructType:
		w.add("type %s struct", name)
		for _, f := range t.Fields.List {
			typ := w.expr(f.Type)
			if len(f.Names) == 0 {
				if embeddedExported(f.Type) {
					w.add("type %s struct, embedded %s", name, typ)
				}
				continue
			}
			for _, id := range f.Names {
				if id.IsExported() {
					w.add("type %s struct, %s %s", name, id.Name, typ)
				}
			}
		}
	case *ast.InterfaceType:
		w.add("type %s interface", name)
		for _, m := range t.Methods.List {
			if len(m.Names) == 0 {
				w.add("type %s interface, embedded %s", name, w.expr(m.Type))
				continue
			}
			for _, id := range m.Names {
				if ft, ok := m.Type.(*ast.FuncType); ok {
					w.add("type %s interface, %s%s", name, id.Name, w.signature(ft))
				}
			}
		}
	default:
		w.add("type %s %s", name, w.expr(s.Type))
	}
}

// embeddedExported reports whether an embedded field's type name is
// exported (its promoted fields and methods are then part of the API).
func embeddedExported(t ast.Expr) bool {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	switch t := t.(type) {
	case *ast.Ident:
		return t.IsExported()
	case *ast.SelectorExpr:
		return t.Sel.IsExported()
	}
	return false
}

func (w *writer) value(tok token.Token, s *ast.ValueSpec, typ ast.Expr) {
	for i, id := range s.Names {
		if !id.IsExported() {
			continue
		}
		line := tok.String() + " " + id.Name
		if typ != nil {
			line += " " + w.expr(typ)
		}
		// A constant's value is part of its API; iota and a var's
		// initialiser are not worth recording.
		if tok == token.CONST && i < len(s.Values) {
			if v := w.expr(s.Values[i]); !strings.Contains(v, "iota") {
				line += " = " + v
			}
		}
		w.add("%s", line)
	}
}
