package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// Source is a file a scenario was read from, byte for byte: the scenario
// itself, the contract it names and its platform profile. A live run keeps
// its sources, so its reports and its evidence pack judge it by the very
// files it ran under, whatever happens to them (or to the built-ins of a
// later deskdrill) afterwards.
type Source struct {
	// Role is RoleScenario, RoleContract or RoleProfile.
	Role string
	// Name is as the run named it: a built-in name or a file path.
	Name string
	// Origin is OriginBuiltin, OriginFile or OriginInline (a contract
	// written inside the scenario, here on its own).
	Origin string
	Data   []byte
}

// The roles and origins of a Source.
const (
	RoleScenario = "scenario"
	RoleContract = "contract"
	RoleProfile  = "profile"

	OriginBuiltin = "builtin"
	OriginFile    = "file"
	OriginInline  = "inline"
)

func sourceKey(role, name string) string { return role + "\x00" + name }

// label names the source in error messages, as LoadScenario would.
func (s Source) label() string {
	if s.Origin == OriginBuiltin {
		return s.Role + " " + s.Name
	}
	return s.Name
}

// LoadScenarioSources is LoadScenario that also returns the sources it
// read: the scenario first, then its contract (when it names one or
// writes one inline) and its platform profile (when it names one, or a
// base for its own).
func LoadScenarioSources(nameOrFile string) (*sim.Scenario, []Source, error) {
	if b, err := ScenarioSource(nameOrFile); err == nil {
		r := &refs{}
		sc, err := parseScenario("scenario "+nameOrFile, b, r)
		if err != nil {
			return nil, nil, err
		}
		return sc, sourcesOf(Source{Role: RoleScenario, Name: nameOrFile, Origin: OriginBuiltin, Data: b}, r), nil
	}
	b, err := ReadInput(nameOrFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, &NotFoundError{What: "scenario", Name: nameOrFile, Known: ScenarioNames()}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read scenario: %w", err)
	}
	r := &refs{dir: filepath.Dir(nameOrFile), files: true}
	sc, err := parseScenario(nameOrFile, b, r)
	if err != nil {
		return nil, nil, err
	}
	return sc, sourcesOf(Source{Role: RoleScenario, Name: nameOrFile, Origin: OriginFile, Data: b}, r), nil
}

// sourcesOf lists the scenario and what r read for it, the contract before
// the profile, each role once.
func sourcesOf(scenario Source, r *refs) []Source {
	out := []Source{scenario}
	for _, role := range []string{RoleContract, RoleProfile} {
		for _, u := range r.used {
			if u.Role == role {
				out = append(out, u)
				break
			}
		}
	}
	if !hasRole(out, RoleContract) {
		if c, ok := inlineContract(scenario.Data); ok {
			out = append(out[:1], append([]Source{{Role: RoleContract, Name: "inline", Origin: OriginInline, Data: c}}, out[1:]...)...)
		}
	}
	return out
}

func hasRole(srcs []Source, role string) bool {
	for _, s := range srcs {
		if s.Role == role {
			return true
		}
	}
	return false
}

// inlineContract returns the contract a scenario writes inline, as a
// contract file of its own.
func inlineContract(scenario []byte) ([]byte, bool) {
	var doc yaml.Node
	if yaml.Unmarshal(scenario, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value != "contract" || m.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if enc.Encode(m.Content[i+1]) != nil || enc.Close() != nil {
			return nil, false
		}
		return append([]byte("# written inline in the scenario; taken out as a contract file of its own\n"), b.Bytes()...), true
	}
	return nil, false
}

// ParseScenarioSources parses a scenario from its sources (as
// LoadScenarioSources returned them): the contract and profile it names
// are read from the sources, never from the built-ins or the disk. A name
// the sources lack is resolved as LoadScenario would.
func ParseScenarioSources(srcs []Source) (*sim.Scenario, error) {
	var scenario *Source
	r := &refs{given: map[string]Source{}}
	for i, s := range srcs {
		switch s.Role {
		case RoleScenario:
			scenario = &srcs[i]
		case RoleContract, RoleProfile:
			r.given[sourceKey(s.Role, s.Name)] = s
		}
	}
	if scenario == nil {
		return nil, errors.New("parse scenario: no scenario among the sources")
	}
	if scenario.Origin == OriginFile {
		r.dir, r.files = filepath.Dir(scenario.Name), true
	}
	return parseScenario(scenario.label(), scenario.Data, r)
}
