package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// maxInputSize bounds a file read by name. A scenario, contract or profile
// is a few kilobytes; the bound keeps a mistyped path such as /dev/zero from
// reading forever.
const maxInputSize = 4 << 20

// refs resolves the contract and platform profile a scenario names: a
// built-in name first, then (when files is set) a file, relative to dir
// unless absolute. Errors found inside a referenced file are kept in
// external, to be reported after the scenario's own.
type refs struct {
	dir      string
	files    bool
	external []error
	// loading are the profile files being decoded, each based on the
	// next (parseProfileFile): a file among them again is a cycle.
	loading []string
	// given, when set, holds the bytes to read for a name instead of the
	// built-in or the file (ParseScenarioSources); used records every
	// contract and profile read, as a Source.
	given map[string]Source
	used  []Source
}

// FileError is a file named as input that cannot be opened or read: it
// does not exist, is a directory, may not be read, or is too large. Err
// holds the operating system's reason. It matches ErrBadInput: the user
// named the wrong file, which is bad input like a bad file is.
type FileError struct {
	Path string
	Err  error
}

// Error gives the path and the reason ("kpis.csv: permission denied"),
// without the system call that failed.
func (e *FileError) Error() string {
	reason := e.Err
	var pe *fs.PathError
	if errors.As(e.Err, &pe) {
		reason = pe.Err
	}
	return fmt.Sprintf("%s: %v", e.Path, reason)
}

// Unwrap returns the reason, so errors.Is(err, fs.ErrNotExist) works.
func (e *FileError) Unwrap() error { return e.Err }

// Is makes FileError match ErrBadInput.
func (e *FileError) Is(target error) bool { return target == ErrBadInput }

// OpenInput opens a file named as input for reading. Every failure is a
// *FileError; a directory is refused at once (reading it would fail later,
// in the middle of a decoder, with a less helpful message).
func OpenInput(name string) (*os.File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = &fs.PathError{Op: "read", Path: name, Err: syscall.EISDIR}
	}
	if err != nil {
		f.Close()
		return nil, &FileError{Path: name, Err: err}
	}
	return f, nil
}

// ReadInput reads a regular file named as input, of at most maxInputSize
// bytes. Every failure is a *FileError.
func ReadInput(name string) ([]byte, error) {
	st, err := os.Stat(name)
	switch {
	case err != nil:
		return nil, &FileError{Path: name, Err: err}
	case st.IsDir():
		return nil, &FileError{Path: name, Err: syscall.EISDIR}
	case !st.Mode().IsRegular():
		return nil, &FileError{Path: name, Err: errors.New("not a regular file")}
	case st.Size() > maxInputSize:
		return nil, &FileError{Path: name, Err: fmt.Errorf("%d bytes; a deskdrill file has at most %d", st.Size(), maxInputSize)}
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, &FileError{Path: name, Err: err}
	}
	return b, nil
}

func (r *refs) path(name string) string {
	if r.dir == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(r.dir, name)
}

// read reads the file a name refers to, or reports what was looked for.
func (r *refs) read(what, name string, known []string) ([]byte, string, error) {
	nf := &NotFoundError{What: what, Name: name, Known: known}
	if !r.files || strings.TrimSpace(name) == "" {
		return nil, "", nf
	}
	p := r.path(name)
	b, err := ReadInput(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", nf
	}
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", what, err)
	}
	return b, p, nil
}

// contract resolves a contract name or file. A file with errors adds them
// to r.external and returns a summary error.
func (r *refs) contract(name string) (*sim.Contract, error) {
	if g, ok := r.given[sourceKey(RoleContract, name)]; ok {
		r.used = append(r.used, g)
		return ParseContract(g.label(), g.Data)
	}
	if b, err := ContractSource(name); err == nil {
		r.used = append(r.used, Source{Role: RoleContract, Name: name, Origin: OriginBuiltin, Data: b})
		return ParseContract("contract "+name, b)
	}
	b, p, err := r.read("contract", name, ContractNames())
	if err != nil {
		return nil, err
	}
	r.used = append(r.used, Source{Role: RoleContract, Name: name, Origin: OriginFile, Data: b})
	c, err := ParseContract(p, b)
	if err != nil {
		r.external = append(r.external, err)
		return nil, fmt.Errorf("contract file %s has errors (listed after this file's)", p)
	}
	return c, nil
}

// profile resolves a platform profile name or file, like contract.
func (r *refs) profile(name string) (*sim.PlatformProfile, error) {
	if g, ok := r.given[sourceKey(RoleProfile, name)]; ok {
		r.used = append(r.used, g)
		return r.parseProfileFile(g.label(), g.Data)
	}
	if b, err := ProfileSource(name); err == nil {
		r.used = append(r.used, Source{Role: RoleProfile, Name: name, Origin: OriginBuiltin, Data: b})
		return ParseProfile("profile "+name, b)
	}
	b, p, err := r.read("platform profile", name, ProfileNames())
	if err != nil {
		return nil, err
	}
	r.used = append(r.used, Source{Role: RoleProfile, Name: name, Origin: OriginFile, Data: b})
	pr, err := r.parseProfileFile(p, b)
	if err != nil {
		r.external = append(r.external, err)
		return nil, fmt.Errorf("platform profile file %s has errors (listed after this file's)", p)
	}
	return pr, nil
}

// parseProfileFile decodes a profile file as a scenario's platform mapping
// is decoded: a whole profile, or base (a built-in name or a file) plus the
// fields that differ (scenarios.md), then validates it.
func (r *refs) parseProfileFile(file string, data []byte) (*sim.PlatformProfile, error) {
	if slices.Contains(r.loading, file) {
		return nil, &FieldError{File: file, Field: "base", Msg: fmt.Sprintf("the profiles are based on each other in a circle: %s → %s",
			strings.Join(r.loading, " → "), file)}
	}
	// A base file is found beside the file that names it.
	r.loading = append(r.loading, file)
	dir := r.dir
	if r.files && file != "" {
		r.dir = filepath.Dir(file)
	}
	defer func() { r.loading, r.dir = r.loading[:len(r.loading)-1], dir }()
	doc, err := parseDocument(file, data, baseHooks())
	if err != nil {
		return nil, err
	}
	// A file is a mapping: a bare name or null would make the file a
	// reference to another profile, or nothing.
	if doc.root.Kind != yaml.MappingNode {
		return nil, sortErrors(&FieldError{File: file, Line: doc.root.Line, Column: doc.root.Column,
			Msg: fmt.Sprintf("want a platform profile (a mapping: its fields, or base and the fields that differ), got %s", kindName(doc.root))})
	}
	// platformHook decodes the mapping, base and time zone included.
	var p *sim.PlatformProfile
	if err := r.platformHook(doc, doc.root, "", reflect.ValueOf(&p).Elem()); err != nil {
		doc.fail(doc.root, "", "%v", err)
	}
	if len(doc.errs) > 0 {
		return nil, sortErrors(errors.Join(doc.errs...))
	}
	if err := p.Validate(); err != nil {
		return nil, sortErrors(doc.locate(err))
	}
	return p, nil
}

// decodeContract reads a scenario's contract: a name or file (resolved
// after decoding, see parseScenario) or an inline contract, walked here so
// its fields get positions ("contract.clauses[0].kpi").
func decodeContract(d *document, n *yaml.Node, path string, v reflect.Value) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.TrimSpace(n.Value) != "":
		v.Set(reflect.ValueOf(sim.ContractRef{Name: n.Value}))
		return nil
	case n.Kind == yaml.MappingNode:
		c := new(sim.Contract)
		d.walk(n, path, reflect.ValueOf(c).Elem())
		v.Set(reflect.ValueOf(sim.ContractRef{Contract: c}))
		return nil
	}
	return fmt.Errorf("want a contract name (%s), a file or an inline contract; got %s", strings.Join(ContractNames(), ", "), kindName(n))
}

// platformHook reads a scenario's platform: a profile name or file, or a
// mapping that is either a whole profile or base: NAME plus the fields it
// changes. Sources of changed fields point at the scenario.
func (r *refs) platformHook(d *document, n *yaml.Node, path string, v reflect.Value) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		return nil
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
		p, err := r.profile(n.Value)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(p))
		return nil
	case n.Kind != yaml.MappingNode:
		return fmt.Errorf("want a profile name (%s) or a profile mapping (base: taobao plus changes); got %s", strings.Join(ProfileNames(), ", "), kindName(n))
	}
	p := new(sim.PlatformProfile)
	var baseSources map[string]string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "base" {
			continue
		}
		bn := n.Content[i+1]
		if bn.Kind != yaml.ScalarNode || bn.Tag != "!!str" {
			d.fail(bn, join(path, "base"), "want a profile name (%s), got %s", strings.Join(ProfileNames(), ", "), kindName(bn))
			return nil
		}
		b, err := r.profile(bn.Value)
		if err != nil {
			d.fail(bn, join(path, "base"), "%v", err)
			return nil
		}
		p, baseSources = b, b.Sources
		p.Sources = nil
	}
	d.walkStruct(n, path, reflect.ValueOf(p).Elem())
	if tz := p.TimeZone; tz != "" && (p.Location == nil || p.Location.String() != tz) {
		p.Location = nil
		if err := resolveProfileZone(p); err != nil {
			d.fail(n, join(path, "timezone"), "%v", err)
		}
	}
	if baseSources != nil {
		merged := baseSources
		for k, s := range p.Sources {
			merged[k] = s
		}
		fields := sim.ProfileFields()
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if _, given := p.Sources[k.Value]; !given && slices.Contains(fields, k.Value) {
				merged[k.Value] = fmt.Sprintf("set by %s line %d over %s", d.file, k.Line, p.Base)
			}
		}
		p.Sources = merged
	}
	v.Set(reflect.ValueOf(p))
	return nil
}
