package phrases

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// ErrBadInput marks every error caused by the content of a bank file, as
// opposed to a failure to read it. It plays the role of
// scenarios.ErrBadInput, which this package cannot import without a cycle
// once scenarios uses phrases.
var ErrBadInput = errors.New("bad phrase bank")

// FieldError is a problem in a bank file: the file, line and column
// (1-based, 0 when unknown), the field path ("customer.wrong_item.open[2]")
// and what was wrong.
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

// Is makes errors.Is(err, ErrBadInput) true for every FieldError.
func (e *FieldError) Is(target error) bool { return target == ErrBadInput }

const (
	// maxFileSize bounds what Load reads; the built-in banks are ~30 KB.
	maxFileSize = 4 << 20
	// maxNodes bounds the nodes decode visits. Aliases are followed, so
	// without it a long anchored list aliased under every case and intent
	// would be parsed millions of times. A real bank has a few thousand.
	maxNodes = 1 << 18
	// maxErrors bounds the problems reported; past it they are counted.
	maxErrors = 100
)

// Load decodes one locale's bank file from r; name names it in errors.
// The file must be complete: blanks for every slot, generic lines for
// every customer intent, lines for every agent intent, at least one quick
// reply and patterns for every kind of Asks, so that nothing drawn from
// the bank is ever empty. Decoding is strict: an unknown field, case id,
// intent or slot, a field given twice or a wrong type is an error. Every
// problem is reported at once, top to bottom, as *FieldError values
// joined with errors.Join; each matches ErrBadInput.
func Load(r io.Reader, name string) (*Bank, error) {
	l, err := decode(r, name)
	if err != nil {
		return nil, err
	}
	b, err := newBank(l)
	if err != nil {
		// decode compiled the same union; this cannot fail.
		return nil, &FieldError{File: name, Field: "asks", Msg: err.Error()}
	}
	return b, nil
}

func decode(r io.Reader, name string) (*locale, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read phrase bank %s: %w", name, err)
	}
	if len(data) > maxFileSize {
		return nil, &FieldError{File: name, Msg: fmt.Sprintf("larger than %d bytes: a bank file is a few dozen kilobytes", maxFileSize)}
	}
	root, err := parseDocument(name, data)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: name}
	l := d.root(root)
	if len(d.errs) > 0 {
		sort.SliceStable(d.errs, func(a, b int) bool {
			x, y := d.errs[a], d.errs[b]
			return x.Line < y.Line || x.Line == y.Line && x.Column < y.Column
		})
		errs := make([]error, len(d.errs), len(d.errs)+1)
		for i, e := range d.errs {
			errs[i] = e
		}
		if d.dropped > 0 {
			errs = append(errs, &FieldError{File: name, Msg: fmt.Sprintf("and %d more problems", d.dropped)})
		}
		return nil, errors.Join(errs...)
	}
	return l, nil
}

// parseDocument parses data as exactly one YAML document and returns its
// top node.
func parseDocument(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &FieldError{File: file, Msg: "the file is empty"}
		}
		return nil, &FieldError{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &FieldError{File: file, Line: extra.Line, Column: extra.Column, Msg: "a second YAML document: a file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, &FieldError{File: file, Msg: "YAML syntax: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	return n, nil
}

// decoder walks the node tree of one file, collecting every problem.
type decoder struct {
	file  string
	errs  []*FieldError
	nodes int
	over  bool // maxNodes was reached; reported once
	// dropped counts the problems past maxErrors.
	dropped int
}

func (d *decoder) fail(n *yaml.Node, field, format string, args ...any) {
	if len(d.errs) >= maxErrors {
		d.dropped++
		return
	}
	e := &FieldError{File: d.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

// resolve follows aliases and spends the node budget; nil means stop.
func (d *decoder) resolve(n *yaml.Node, field string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.nodes++; d.nodes > maxNodes {
		if !d.over {
			d.over = true
			d.fail(n, field, "more than %d values (aliases expand too far?)", maxNodes)
		}
		return nil
	}
	return n
}

func join(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing (null)"
		}
		return fmt.Sprintf("the value %q", n.Value)
	}
	return "an unexpected node"
}

// mapping calls each for every key of the mapping n, in file order, after
// checking that no key is given twice. known, when set, lists the only
// keys allowed. It returns the keys seen and false when n is no mapping.
func (d *decoder) mapping(n *yaml.Node, field string, known []string, each func(key string, k, v *yaml.Node, field string)) (map[string]bool, bool) {
	if n = d.resolve(n, field); n == nil {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		if known != nil {
			d.fail(n, field, "want a mapping with fields %s; got %s", strings.Join(known, ", "), kindName(n))
		} else {
			d.fail(n, field, "want a mapping; got %s", kindName(n))
		}
		return nil, false
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i], field), n.Content[i+1]
		if k == nil {
			return seen, true
		}
		p := join(field, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.fail(k, field, "want a plain key; got %s", kindName(k))
		case known != nil && !slices.Contains(known, k.Value):
			d.fail(k, p, "unknown field %q (known fields here: %s)", k.Value, strings.Join(known, ", "))
		case seen[k.Value]:
			d.fail(k, p, "given twice")
		default:
			seen[k.Value] = true
			each(k.Value, k, v, p)
		}
	}
	return seen, true
}

// text reads a non-blank scalar. Numbers are text here: "666" is a line.
func (d *decoder) text(n *yaml.Node, field string) (string, bool) {
	if n = d.resolve(n, field); n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		d.fail(n, field, "want text; got %s", kindName(n))
		return "", false
	}
	if strings.TrimSpace(n.Value) == "" {
		d.fail(n, field, "must not be blank")
		return "", false
	}
	return n.Value, true
}

// list calls each for every item of the non-empty sequence n.
func (d *decoder) list(n *yaml.Node, field string, each func(item *yaml.Node, field string)) {
	if n = d.resolve(n, field); n == nil {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, field, "want a list; got %s", kindName(n))
		return
	}
	if len(n.Content) == 0 {
		d.fail(n, field, "must not be empty")
		return
	}
	for i, c := range n.Content {
		each(c, fmt.Sprintf("%s[%d]", field, i))
	}
}

// lines reads a non-empty list of lines and parses their slots.
func (d *decoder) lines(n *yaml.Node, field string) []template {
	var out []template
	d.list(n, field, func(item *yaml.Node, field string) {
		s, ok := d.text(item, field)
		if !ok {
			return
		}
		t, err := parseTemplate(s)
		if err != nil {
			d.fail(item, field, "%v", err)
			return
		}
		out = append(out, t)
	})
	return out
}

var topFields = []string{"locale", "blanks", "customer", "agent", "quick_replies", "asks"}

// root decodes the top mapping.
func (d *decoder) root(root *yaml.Node) *locale {
	l := &locale{customer: map[string]map[Intent][]template{}, agent: map[Intent][]template{}}
	seen, ok := d.mapping(root, "", topFields, func(key string, k, v *yaml.Node, field string) {
		switch key {
		case "locale":
			s, ok := d.text(v, field)
			if ok && !slices.Contains(Locales(), Locale(s)) {
				d.fail(v, field, "%q: want one of %v", s, Locales())
				return
			}
			l.id = Locale(s)
		case "blanks":
			d.blanks(v, field, l)
		case "customer":
			d.customer(v, field, l)
		case "agent":
			d.agent(v, field, l)
		case "quick_replies":
			d.quickReplies(v, field, l)
		case "asks":
			d.asks(v, field, l)
		}
	})
	if !ok {
		return nil
	}
	for _, f := range topFields {
		if !seen[f] {
			d.fail(root, f, "is required")
		}
	}
	return l
}

func (d *decoder) blanks(n *yaml.Node, field string, l *locale) {
	seen, ok := d.mapping(n, field, slotNames[:], func(key string, k, v *yaml.Node, field string) {
		s, ok := d.text(v, field)
		if !ok {
			return
		}
		if strings.ContainsAny(s, "{}") {
			d.fail(v, field, "a blank is the word itself, without slots or braces")
			return
		}
		sl, _ := slotNamed(key)
		l.blanks[sl] = s
	})
	if !ok {
		return
	}
	for _, name := range slotNames {
		if !seen[name] {
			d.fail(n, join(field, name), "is required: the word used when a line's {%s} has no value", name)
		}
	}
}

func intentNames(is []Intent) []string {
	out := make([]string, len(is))
	for i, x := range is {
		out[i] = string(x)
	}
	return out
}

func (d *decoder) customer(n *yaml.Node, field string, l *locale) {
	cases := append([]string{Generic}, sim.CaseIDs()...)
	intents := intentNames(CustomerIntents())
	seen, ok := d.mapping(n, field, nil, func(id string, k, v *yaml.Node, field string) {
		if !slices.Contains(cases, id) {
			d.fail(k, field, "unknown case %q (known: %s)", id, strings.Join(cases, ", "))
			return
		}
		byIntent := map[Intent][]template{}
		l.customer[id] = byIntent
		given, ok := d.mapping(v, field, intents, func(intent string, k, v *yaml.Node, field string) {
			byIntent[Intent(intent)] = d.lines(v, field)
		})
		if ok && id == Generic {
			for _, b := range customerBase {
				if !given[string(b)] {
					d.fail(v, join(field, string(b)), "is required: the generic lines back every case")
				}
			}
		}
	})
	if ok && !seen[Generic] {
		d.fail(n, join(field, Generic), "is required: the lines of every intent, for cases without their own")
	}
}

func (d *decoder) agent(n *yaml.Node, field string, l *locale) {
	intents := intentNames(AgentIntents())
	seen, ok := d.mapping(n, field, intents, func(intent string, k, v *yaml.Node, field string) {
		l.agent[Intent(intent)] = d.lines(v, field)
	})
	if !ok {
		return
	}
	for _, i := range intents {
		if !seen[i] {
			d.fail(n, join(field, i), "is required")
		}
	}
}

func (d *decoder) quickReplies(n *yaml.Node, field string, l *locale) {
	fields := []string{"title", "text"}
	d.list(n, field, func(item *yaml.Node, field string) {
		var q QuickReply
		seen, ok := d.mapping(item, field, fields, func(key string, k, v *yaml.Node, field string) {
			s, ok := d.text(v, field)
			if !ok {
				return
			}
			if key == "title" {
				q.Title = s
				return
			}
			if strings.ContainsAny(s, "{}") {
				d.fail(v, field, "a quick reply is sent as written: no slots or braces")
				return
			}
			q.Text = s
		})
		if !ok {
			return
		}
		for _, f := range fields {
			if !seen[f] {
				d.fail(item, join(field, f), "is required")
			}
		}
		l.quick = append(l.quick, q)
	})
}

func (d *decoder) asks(n *yaml.Node, field string, l *locale) {
	seen, ok := d.mapping(n, field, askNames[:], func(key string, k, v *yaml.Node, field string) {
		kind := askKind(slices.Index(askNames[:], key))
		d.list(v, field, func(item *yaml.Node, field string) {
			s, ok := d.text(item, field)
			if !ok {
				return
			}
			if _, err := regexp.Compile("(?i)" + s); err != nil {
				d.fail(item, field, "pattern %q: %v", s, err)
				return
			}
			l.asks[kind] = append(l.asks[kind], s)
		})
	})
	if !ok {
		return
	}
	for _, name := range askNames {
		if !seen[name] {
			d.fail(n, join(field, name), "is required: patterns that recognise it in an agent's message")
		}
	}
	// Each pattern compiles on its own; their union may still be too
	// large for the regexp package, and newAsker must not panic.
	if len(d.errs) == 0 {
		if _, err := compileAsker([]*locale{l}); err != nil {
			d.fail(n, field, "%v", err)
		}
	}
}
