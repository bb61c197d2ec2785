package scenarios

import (
	"errors"
	"fmt"

	"github.com/deskdrill/deskdrill/sim"
)

// maxStrictErrors is how many problems DecodeStrict reports: enough to fix
// a file in one pass.
const maxStrictErrors = 20

// DecodeStrict decodes one YAML document (file names it in errors) into v,
// a pointer to a struct with yaml tags, the way scenario and contract
// files are decoded: an unknown field, a field given twice or a value of
// the wrong type is an error at its line and column, durations take the d
// and w units, money is exact. validate, when not nil, runs after decoding
// (also after decoding errors, so that every problem shows at once); the
// *sim.FieldError values it returns (joined) are placed at their field's
// position, and those under a field that failed to decode are dropped.
// Other packages' file formats (the trainer's exams) use it.
//
// Every problem is a *FieldError matching ErrBadInput; at most 20 are
// returned, joined, top to bottom.
func DecodeStrict(file string, data []byte, v any, validate func() error) error {
	doc, err := parseDocument(file, data, baseHooks())
	if err != nil {
		return err
	}
	errs := sim.Unjoin(doc.decode(v))
	if validate != nil {
		decoded := errs
		for _, e := range sim.Unjoin(doc.locate(validate())) {
			var fe *FieldError
			if errors.As(e, &fe) && overlaps(decoded, fe.Field) {
				continue
			}
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	all := sim.Unjoin(sortErrors(errors.Join(errs...)))
	if len(all) > maxStrictErrors {
		all = append(all[:maxStrictErrors], &FieldError{File: file, Msg: fmt.Sprintf("stopped after %d errors", maxStrictErrors)})
	}
	return errors.Join(all...)
}
