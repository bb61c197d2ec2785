package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
	"time"
	_ "time/tzdata" // scenario time zones must load on a machine without a tz database

	"github.com/deskdrill/deskdrill/sim"
)

//go:embed builtin/*.yaml
var scenarioFiles embed.FS

// ScenarioNames lists the built-in scenarios, sorted.
func ScenarioNames() []string {
	return embeddedNames(scenarioFiles, "builtin")
}

// ScenarioSource returns the YAML of a built-in scenario.
func ScenarioSource(name string) ([]byte, error) {
	b, err := scenarioFiles.ReadFile(path.Join("builtin", name+".yaml"))
	if err != nil {
		return nil, &NotFoundError{What: "scenario", Name: name, Known: ScenarioNames()}
	}
	return b, nil
}

// LoadScenario resolves nameOrFile: a built-in scenario name first, then a
// file path. A built-in scenario refers only to built-in contracts and
// profiles; a file may also name contract and profile files, relative to
// its own directory.
func LoadScenario(nameOrFile string) (*sim.Scenario, error) {
	if b, err := ScenarioSource(nameOrFile); err == nil {
		return parseScenario("scenario "+nameOrFile, b, &refs{})
	}
	b, err := ReadInput(nameOrFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{What: "scenario", Name: nameOrFile, Known: ScenarioNames()}
	}
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return ParseScenario(nameOrFile, b)
}

// LoadScenarioFile reads and parses a scenario file, never a built-in name:
// validating "double11.yaml" must check that file even if a built-in
// scenario shares its name.
func LoadScenarioFile(file string) (*sim.Scenario, error) {
	b, err := ReadInput(file)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	return ParseScenario(file, b)
}

// ParseScenario decodes, resolves and validates a scenario file. file names
// it in errors and is the directory against which a contract or profile
// given as a relative path is read. Every problem is reported, each a
// *FieldError with its line, column and field path; problems inside a
// referenced contract or profile file follow, with that file's positions.
func ParseScenario(file string, data []byte) (*sim.Scenario, error) {
	return parseScenario(file, data, &refs{dir: filepath.Dir(file), files: true})
}

func parseScenario(file string, data []byte, r *refs) (*sim.Scenario, error) {
	doc, err := parseDocument(file, data, scenarioHooks(r))
	if err != nil {
		return nil, err
	}
	s := sim.NewScenario()
	errs := sim.Unjoin(doc.decode(s))
	failed := func(field string) bool { return overlaps(errs, field) }
	if !failed("timezone") {
		if loc, err := loadZone(s.TimeZone); err != nil {
			errs = append(errs, doc.at("timezone", err.Error()))
		} else {
			s.Location = loc
		}
	}
	if s.Platform == nil && !failed("platform") {
		p, err := r.profile(DefaultProfile)
		if err != nil {
			return nil, fmt.Errorf("load default platform profile: %w", err)
		}
		s.Platform = p
	}
	if name := s.Contract.Name; name != "" {
		if c, err := r.contract(name); err != nil {
			errs = append(errs, doc.at("contract", err.Error()))
		} else {
			s.Contract.Contract = c
		}
	}
	errs = append(errs, doc.beyond(errs, s.Validate())...)
	if len(errs) == 0 && len(r.external) == 0 {
		return s, nil
	}
	all := sim.Unjoin(sortErrors(errors.Join(errs...)))
	for _, e := range r.external {
		all = append(all, sim.Unjoin(e)...)
	}
	return nil, capErrors(doc.file, all)
}

// ambiguousZones are abbreviations people write for a zone that are not
// one (or are a legacy zone of another meaning): each is refused with what
// to write instead. CST is China Standard Time, US Central Standard Time
// and Cuba Standard Time; tzdata's own "CST6CDT" is the US one.
var ambiguousZones = map[string]string{
	"CST":   "CST is ambiguous (China, US Central or Cuba Standard Time): for Beijing time write Asia/Shanghai",
	"BJT":   "BJT is an abbreviation, not a time zone: for Beijing time write Asia/Shanghai",
	"EST":   "EST is an abbreviation (tzdata's EST is a fixed UTC−5 without daylight saving): write an IANA name such as America/New_York",
	"MST":   "MST is an abbreviation (tzdata's MST is a fixed UTC−7): write an IANA name such as America/Denver",
	"HST":   "HST is an abbreviation: write an IANA name such as Pacific/Honolulu",
	"PRC":   "PRC is a legacy alias: write Asia/Shanghai",
	"UTC+8": "UTC+8 is an offset, not a time zone: for Beijing time write Asia/Shanghai",
	"GMT+8": "GMT+8 is an offset, not a time zone: for Beijing time write Asia/Shanghai",
}

// loadZone loads an IANA time zone. "Local" is refused: a scenario must
// mean the same on every machine; so are abbreviations such as CST, which
// name several zones.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q: want an IANA time zone such as Asia/Shanghai", name)
	}
	if why, ok := ambiguousZones[strings.ToUpper(strings.TrimSpace(name))]; ok {
		return nil, fmt.Errorf("%q: %s", name, why)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: want an IANA name such as Asia/Shanghai or Europe/Berlin", name)
	}
	return loc, nil
}

// related reports whether field paths a and b are equal or one lies under
// the other ("store" and "store.paid_orders_per_day"; "" is above all).
func related(a, b string) bool {
	under := func(child, parent string) bool {
		if parent == "" {
			return true
		}
		return strings.HasPrefix(child, parent) && len(child) > len(parent) && (child[len(parent)] == '.' || child[len(parent)] == '[')
	}
	return a == b || under(a, b) || under(b, a)
}

func overlaps(errs []error, field string) bool {
	for _, e := range errs {
		var fe *FieldError
		if errors.As(e, &fe) && related(fe.Field, field) {
			return true
		}
	}
	return false
}
