package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

//go:embed contracts/*.yaml
var contractFiles embed.FS

// ErrNotFound is returned for a contract or scenario name that is neither
// built in nor a readable file.
var ErrNotFound = errors.New("not found")

// NotFoundError names what was looked for and what exists.
type NotFoundError struct {
	What  string // "contract" or "scenario"
	Name  string
	Known []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s named %q: not built in (built-in: %s) and no such file", e.What, e.Name, strings.Join(e.Known, ", "))
}

// Is makes NotFoundError match ErrNotFound and ErrBadInput.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound || target == ErrBadInput }

// ParseContract decodes and validates a contract file. file names it in
// errors. Every problem is reported (up to MaxErrors), each a *FieldError
// with its line, column and field, in file order.
func ParseContract(file string, data []byte) (*sim.Contract, error) {
	doc, err := parseDocument(file, data, baseHooks())
	if err != nil {
		return nil, err
	}
	var c sim.Contract
	errs := sim.Unjoin(doc.decode(&c))
	errs = append(errs, doc.beyond(errs, c.Validate())...)
	if len(errs) > 0 {
		return nil, doc.report(errs)
	}
	return &c, nil
}

// ContractNames lists the built-in contract templates, sorted.
func ContractNames() []string {
	return embeddedNames(contractFiles, "contracts")
}

func embeddedNames(fsys embed.FS, dir string) []string {
	ents, _ := fs.ReadDir(fsys, dir)
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// ContractSource returns the YAML of a built-in template.
func ContractSource(name string) ([]byte, error) {
	b, err := contractFiles.ReadFile(path.Join("contracts", name+".yaml"))
	if err != nil {
		return nil, &NotFoundError{What: "contract", Name: name, Known: ContractNames()}
	}
	return b, nil
}

// LoadContract resolves nameOrFile: a built-in template name first, then a
// file path.
func LoadContract(nameOrFile string) (*sim.Contract, error) {
	if b, err := ContractSource(nameOrFile); err == nil {
		return ParseContract("contract "+nameOrFile, b)
	}
	b, err := ReadInput(nameOrFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{What: "contract", Name: nameOrFile, Known: ContractNames()}
	}
	if err != nil {
		return nil, fmt.Errorf("read contract: %w", err)
	}
	return ParseContract(nameOrFile, b)
}
