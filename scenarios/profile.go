package scenarios

import (
	"embed"
	"errors"
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

// ParseProfile decodes and validates a platform profile file: a whole
// profile, or base (a built-in profile) plus the fields that differ. file
// names it in errors. Every problem is reported, each with its line,
// column and field.
func ParseProfile(file string, data []byte) (*sim.PlatformProfile, error) {
	return (&refs{}).parseProfileFile(file, data)
}

// LoadProfile resolves nameOrFile: a built-in profile name first, then a
// file path. Each call returns a new profile the caller may change.
//
// A file's problems are returned themselves, each with its line, column
// and field (with no scenario to list them after).
func LoadProfile(nameOrFile string) (*sim.PlatformProfile, error) {
	r := &refs{files: true}
	p, err := r.profile(nameOrFile)
	if err != nil && len(r.external) > 0 {
		return nil, errors.Join(r.external...)
	}
	return p, err
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
