package trainer

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/deskdrill/deskdrill/scenarios"
)

//go:embed exams/*.yaml
var builtin embed.FS

// ErrUnknownExam: no built-in exam has the name.
var ErrUnknownExam = errors.New("unknown exam")

// ExamNames lists the built-in exams, sorted.
func ExamNames() []string {
	ents, _ := fs.ReadDir(builtin, "exams")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(out)
	return out
}

// ExamSource returns a built-in exam's file, or an error wrapping
// ErrUnknownExam.
func ExamSource(name string) ([]byte, error) {
	b, err := builtin.ReadFile(path.Join("exams", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("%w %q (built in: %s)", ErrUnknownExam, name, strings.Join(ExamNames(), ", "))
	}
	return b, nil
}

// Builtin parses the built-in exam name.
func Builtin(name string) (*Exam, error) {
	b, err := ExamSource(name)
	if err != nil {
		return nil, err
	}
	return ParseExam("exam "+name, b)
}

// ParseExam decodes and checks an exam file (file names it in errors):
// strict YAML, every problem at once with its line, column and field
// (scenarios.DecodeStrict), the platform profile resolved. Version is the
// file's SHA-256, so a report card says which exam it was.
func ParseExam(file string, data []byte) (*Exam, error) {
	e := &Exam{}
	if err := scenarios.DecodeStrict(file, data, e, e.Validate); err != nil {
		return nil, err
	}
	// Built-in profiles only: an exam means the same everywhere, and
	// this package reads no files.
	src, err := scenarios.ProfileSource(e.Platform)
	if err != nil {
		return nil, err // Validate said so already
	}
	p, err := scenarios.ParseProfile("profile "+e.Platform, src)
	if err != nil {
		return nil, err
	}
	e.Profile = p
	sum := sha256.Sum256(data)
	e.Version = hex.EncodeToString(sum[:])
	return e, nil
}
