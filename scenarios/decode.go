package scenarios

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// FieldError is a problem in a file at a position: the file, line and
// column (1-based), the field path ("clauses[1].bands[0].to") and what was
// wrong or expected.
type FieldError struct {
	File   string
	Line   int
	Column int
	Field  string
	Msg    string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrBadInput marks every error caused by what the user gave: the content
// of a file or an argument, or a file named that cannot be opened or read
// (FileError). The CLI maps it to exit 2.
var ErrBadInput = errors.New("bad input")

// Is makes errors.Is(err, ErrBadInput) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrBadInput }

// charColumn turns col, a 1-based byte column in line, into a 1-based
// column in characters, as editors count them. A col outside line (below
// 1 or past its end) is returned as it is.
func charColumn[T string | []byte](line T, col int) int {
	if col < 1 || col-1 > len(line) {
		return col
	}
	return utf8.RuneCountInString(string(line[:col-1])) + 1
}

// nodeDecoder decodes a YAML node into v (addressable) for types whose file
// shape differs from their Go shape. It returns a message-only error; the
// walker adds position and path. A decoder for a composite shape may call
// d.walk for its parts so they get positions and strictness too.
type nodeDecoder func(d *document, n *yaml.Node, path string, v reflect.Value) error

// document is one parsed YAML file with the position of every field path it
// decoded, so that validation errors from sim (which know only a field path)
// can be pointed at a line and column.
type document struct {
	file  string
	root  *yaml.Node
	nodes map[string]*yaml.Node
	hooks map[reflect.Type]nodeDecoder
	errs  []error
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses data as exactly one YAML document.
func parseDocument(file string, data []byte, hooks map[reflect.Type]nodeDecoder) (*document, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: file, Msg: "the file is empty"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: file, Line: extra.Line, Column: extra.Column, Msg: "a second YAML document: a file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxError(file, err)
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return &document{file: file, root: n, nodes: map[string]*yaml.Node{}, hooks: hooks}, nil
}

func syntaxError(file string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		// yaml.v3 reports "did not find expected ..." on the line before
		// the offending token; the user wants the token's line.
		if strings.HasPrefix(m[2], "did not find expected") {
			line++
		}
		return &FieldError{File: file, Line: line, Column: 1, Msg: "YAML syntax: " + m[2]}
	}
	return &FieldError{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

// decode walks the document into v (a pointer), strictly: an unknown field,
// a duplicate field or a wrong type is an error. Every error is collected.
func (d *document) decode(v any) error {
	d.walk(d.root, "", reflect.ValueOf(v).Elem())
	return errors.Join(d.errs...)
}

func (d *document) fail(n *yaml.Node, path, format string, args ...any) {
	e := &FieldError{File: d.file, Field: path, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		}
		return fmt.Sprintf("the text %q", n.Value)
	}
	return "an unexpected node"
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

func (d *document) walk(n *yaml.Node, path string, v reflect.Value) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.nodes[path] = n
	if h, ok := d.hooks[v.Type()]; ok {
		if err := h(d, n, path, v); err != nil {
			d.fail(n, path, "%v", err)
		}
		return
	}
	if v.Kind() == reflect.Pointer {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.walk(n, path, v.Elem())
		return
	}
	if v.Addr().Type().Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			d.fail(n, path, "want a value, got %s", kindName(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.walkStruct(n, path, v)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "want a list, got %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.walk(c, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "want a mapping, got %s", kindName(n))
			return
		}
		if v.Type().Key().Kind() != reflect.String {
			panic("scenarios: map keys must be strings: " + v.Type().String())
		}
		m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if m.MapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key())).IsValid() {
				d.fail(k, p, "given twice")
				continue
			}
			e := reflect.New(v.Type().Elem()).Elem()
			d.walk(val, p, e)
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
		}
		v.Set(m)
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			d.fail(n, path, "want text, got %s", kindName(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "want true or false, got %s", kindName(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.fail(n, path, "want a whole number, got %s", kindName(n))
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var i uint64
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&i) != nil || v.OverflowUint(i) {
			d.fail(n, path, "want a whole number of zero or more, got %s", kindName(n))
			return
		}
		v.SetUint(i)
	case reflect.Float32, reflect.Float64:
		f, err := scalarFloat(n)
		if err != nil {
			d.fail(n, path, "%v", err)
			return
		}
		v.SetFloat(f)
	default:
		panic("scenarios: cannot decode into " + v.Type().String())
	}
}

func scalarFloat(n *yaml.Node) (float64, error) {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") || n.Decode(&f) != nil {
		return 0, fmt.Errorf("want a number, got %s", kindName(n))
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("want a finite number, got %s", n.Value)
	}
	return f, nil
}

type structField struct {
	name  string
	index int
}

func yamlFields(t reflect.Type) []structField {
	var fs []structField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "-" || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs = append(fs, structField{name, i})
	}
	return fs
}

func (d *document) walkStruct(n *yaml.Node, path string, v reflect.Value) {
	fields := yamlFields(v.Type())
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	sort.Strings(names)
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping with fields %s; got %s", strings.Join(names, ", "), kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		idx := -1
		for _, f := range fields {
			if f.name == k.Value {
				idx = f.index
			}
		}
		switch {
		case idx < 0:
			d.fail(k, p, "unknown field %q (known fields here: %s)", k.Value, strings.Join(names, ", "))
		case seen[k.Value]:
			d.fail(k, p, "given twice")
		default:
			seen[k.Value] = true
			d.walk(val, p, v.Field(idx))
		}
	}
}

// locate turns a validation error from sim into positioned FieldErrors: the
// field path is looked up in the decoded nodes, falling back to the nearest
// parent that the file has (a missing field points at its parent).
func (d *document) locate(err error) error {
	if err == nil {
		return nil
	}
	errs := sim.Unjoin(err)
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var fe *sim.FieldError
		if !errors.As(e, &fe) {
			out = append(out, &FieldError{File: d.file, Msg: e.Error()})
			continue
		}
		out = append(out, d.at(fe.Field, fe.Msg))
	}
	return errors.Join(out...)
}

// at builds a FieldError for path, positioned at the path's node or its
// nearest ancestor in the file.
func (d *document) at(path, msg string) *FieldError {
	fe := &FieldError{File: d.file, Field: path, Msg: msg}
	for p := path; ; {
		if n, ok := d.nodes[p]; ok {
			fe.Line, fe.Column = n.Line, n.Column
			return fe
		}
		if p == "" {
			return fe
		}
		p = parentPath(p)
	}
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// beyond locates a validation error (from sim, which runs even after
// decoding errors so that the user sees every problem at once) and drops
// what it says at, under or above a field that failed to decode: such a
// field holds a zero value, and "is required" or "must be above zero" about
// it would only repeat the decoding error.
func (d *document) beyond(decoded []error, err error) []error {
	var out []error
	for _, e := range sim.Unjoin(d.locate(err)) {
		var fe *FieldError
		if errors.As(e, &fe) && (overlaps(decoded, fe.Field) || namesFailed(decoded, fe)) {
			continue
		}
		out = append(out, e)
	}
	return out
}

// namesFailed reports whether fe, at a sibling of a field that failed to
// decode (or under one), speaks of that field by name: "the first band
// must start at the target 0" after target failed repeats the failure.
func namesFailed(decoded []error, fe *FieldError) bool {
	for _, e := range decoded {
		var de *FieldError
		if !errors.As(e, &de) || de.Field == "" {
			continue
		}
		parent := parentPath(de.Field)
		name := strings.TrimLeft(de.Field[len(parent):], ".")
		if name == "" || strings.HasPrefix(name, "[") {
			continue
		}
		if (parent == "" || strings.HasPrefix(fe.Field, parent+".") || strings.HasPrefix(fe.Field, parent+"[")) &&
			strings.Contains(fe.Msg, name) {
			return true
		}
	}
	return false
}

// MaxErrors is the most problems reported for one file; a file with more
// is likely not the kind of file it was taken for.
const MaxErrors = 20

// report joins the errors of d's file in file order, at most MaxErrors.
func (d *document) report(errs []error) error {
	return capErrors(d.file, sim.Unjoin(sortErrors(errors.Join(errs...))))
}

// capErrors joins errs, keeping the first MaxErrors and then saying that
// it stopped.
func capErrors(file string, errs []error) error {
	if len(errs) > MaxErrors {
		errs = append(errs[:MaxErrors:MaxErrors], &FieldError{File: file, Msg: fmt.Sprintf("stopped after %d errors", MaxErrors)})
	}
	return errors.Join(errs...)
}

// sortErrors orders joined FieldErrors by line and column so a user reads
// them top to bottom.
func sortErrors(err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return err
	}
	errs := append([]error(nil), j.Unwrap()...)
	pos := func(e error) (int, int) {
		var fe *FieldError
		if errors.As(e, &fe) {
			return fe.Line, fe.Column
		}
		return 0, 0
	}
	sort.SliceStable(errs, func(a, b int) bool {
		la, ca := pos(errs[a])
		lb, cb := pos(errs[b])
		return la < lb || la == lb && ca < cb
	})
	return errors.Join(errs...)
}
