package scenarios

import (
	"fmt"
	"reflect"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// baseHooks returns the decoders for model types whose file shape is not
// their Go shape. The map is new on each call: loaders may add to it.
func baseHooks() map[reflect.Type]nodeDecoder {
	return map[reflect.Type]nodeDecoder{
		reflect.TypeFor[sim.Ratio]():     decodeRatio,
		reflect.TypeFor[time.Duration](): decodeDuration,
		reflect.TypeFor[sim.Clause]():    decodeClause,
	}
}

// decodeClause walks a contract clause and reports, at its key, every
// field the clause's kind does not take. sim's Validate finds such fields
// by their values; here the file says whether a field was written at all,
// so "max_ratio: null" in a banded clause is an error too. Such a field is
// not decoded: whatever its value, it has to go. An unknown kind is left
// to Validate, which lists the kinds.
func decodeClause(d *document, n *yaml.Node, path string, v reflect.Value) error {
	var kind sim.ClauseKind
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k, val := n.Content[i], n.Content[i+1]; k.Value == "kind" && val.Kind == yaml.ScalarNode {
				kind = sim.ClauseKind(val.Value)
				break
			}
		}
	}
	if kind.Fields() == nil {
		d.walkStruct(n, path, v)
		return nil
	}
	known := map[string]bool{}
	for _, f := range yamlFields(v.Type()) {
		known[f.name] = true
	}
	kept := *n
	kept.Content = nil
	misfits := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		switch p := join(path, k.Value); {
		case !known[k.Value] || kind.Takes(k.Value):
			kept.Content = append(kept.Content, k, n.Content[i+1])
		case misfits[k.Value]:
			d.fail(k, p, "given twice")
		default:
			misfits[k.Value] = true
			d.fail(k, p, "%s", kind.NotForKind())
		}
	}
	d.walkStruct(&kept, path, v)
	return nil
}

// decodeRatio reads a share of the fee: 0.3, a range [0.1, 0.3], or
// remaining (the unserved prepaid part).
func decodeRatio(_ *document, n *yaml.Node, _ string, v reflect.Value) error {
	var r sim.Ratio
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Value == "remaining":
		r.Remaining = true
	case n.Kind == yaml.ScalarNode:
		f, err := scalarFloat(n)
		if err != nil {
			return fmt.Errorf("want a ratio such as 0.3, a range [0.1, 0.3] or remaining; %v", err)
		}
		r.Min, r.Max = f, f
	case n.Kind == yaml.SequenceNode && len(n.Content) == 2:
		lo, err := scalarFloat(n.Content[0])
		if err != nil {
			return fmt.Errorf("range: %v", err)
		}
		hi, err := scalarFloat(n.Content[1])
		if err != nil {
			return fmt.Errorf("range: %v", err)
		}
		r.Min, r.Max = lo, hi
	default:
		return fmt.Errorf("want a ratio such as 0.3, a range [0.1, 0.3] or remaining; got %s", kindName(n))
	}
	v.Set(reflect.ValueOf(r))
	return nil
}

func decodeDuration(_ *document, n *yaml.Node, _ string, v reflect.Value) error {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return fmt.Errorf("want a duration such as 90s, 3m, 14d or 2w; got %s", kindName(n))
	}
	d, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	v.SetInt(int64(d))
	return nil
}
