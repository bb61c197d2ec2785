package scenarios

import (
	"embed"
	"path"

	"github.com/deskdrill/deskdrill/sim"
)

//go:embed profiles/*.yaml
var profileFiles embed.FS

// DefaultProfile is the platform profile of a scenario that names none.
const DefaultProfile = "taobao"

// ProfileNames lists the built-in platform profiles, sorted.
func ProfileNames() []string {
	return embeddedNames(profileFiles, "profiles")
}

// ProfileSource returns the YAML of a built-in platform profile.
func ProfileSource(name string) ([]byte, error) {
	b, err := profileFiles.ReadFile(path.Join("profiles", name+".yaml"))
	if err != nil {
		return nil, &NotFoundError{What: "platform profile", Name: name, Known: ProfileNames()}
	}
	return b, nil
}

// ParseProfile decodes and validates a platform profile file. file names it
// in errors. Every problem is reported, each with its line, column and
// field.
func ParseProfile(file string, data []byte) (*sim.PlatformProfile, error) {
	doc, err := parseDocument(file, data, baseHooks())
	if err != nil {
		return nil, err
	}
	var p sim.PlatformProfile
	if err := doc.decode(&p); err != nil {
		return nil, sortErrors(err)
	}
	if err := resolveProfileZone(&p); err != nil {
		return nil, doc.at("timezone", err.Error())
	}
	if err := p.Validate(); err != nil {
		return nil, sortErrors(doc.locate(err))
	}
	return &p, nil
}

// LoadProfile resolves nameOrFile: a built-in profile name first, then a
// file path. Each call returns a new profile the caller may change.
func LoadProfile(nameOrFile string) (*sim.PlatformProfile, error) {
	return (&refs{files: true}).profile(nameOrFile)
}

// resolveProfileZone loads p's time zone when it names one other than the
// default (which sim knows without loading).
func resolveProfileZone(p *sim.PlatformProfile) error {
	if p.TimeZone == "" || p.TimeZone == sim.DefaultTimeZone {
		return nil
	}
	loc, err := loadZone(p.TimeZone)
	if err != nil {
		return err
	}
	p.Location = loc
	return nil
}
