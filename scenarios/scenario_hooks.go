package scenarios

import (
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// scenarioHooks returns the node decoders of a scenario file: the base
// ones plus distributions, personas and the contract and platform
// references, which r resolves.
func scenarioHooks(r *refs) map[reflect.Type]nodeDecoder {
	h := baseHooks()
	h[reflect.TypeFor[sim.Dist]()] = decodeDist
	h[reflect.TypeFor[sim.Persona]()] = decodePersona
	h[reflect.TypeFor[sim.RosterRules]()] = decodeRosterRules
	h[reflect.TypeFor[sim.ContractRef]()] = decodeContract
	h[reflect.TypeFor[*sim.PlatformProfile]()] = r.platformHook
	return h
}

// decodeDist reads a distribution: a mapping (kind, mean, cv, min, max)
// or a bare duration, short for a constant. It always starts from an
// empty Dist: a file's distribution replaces a default one whole, so a
// default's cv never leaks into an exponential.
func decodeDist(d *document, n *yaml.Node, path string, v reflect.Value) error {
	var x sim.Dist
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return fmt.Errorf("want a distribution such as {kind: lognormal, mean: 3m, cv: 0.6} or a duration (a constant); got %s", kindName(n))
		}
		dur, err := ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("want a distribution such as {kind: lognormal, mean: 3m, cv: 0.6} or a duration (a constant): %v", err)
		}
		x = sim.Constant(dur)
	case yaml.MappingNode:
		d.walkStruct(n, path, reflect.ValueOf(&x).Elem())
	default:
		return fmt.Errorf("want a distribution such as {kind: lognormal, mean: 3m, cv: 0.6} or a duration (a constant); got %s", kindName(n))
	}
	v.Set(reflect.ValueOf(x))
	return nil
}

// decodePersona reads a persona starting from sim.DefaultPersona, so a
// persona in a file gives only what differs.
func decodePersona(d *document, n *yaml.Node, path string, v reflect.Value) error {
	p := sim.DefaultPersona()
	d.walkStruct(n, path, reflect.ValueOf(&p).Elem())
	v.Set(reflect.ValueOf(p))
	return nil
}

// decodeRosterRules reads roster rules starting from
// sim.DefaultRosterRules, so a file gives only what differs; a list it
// gives (shifts, starts, breaks) replaces the default's whole.
func decodeRosterRules(d *document, n *yaml.Node, path string, v reflect.Value) error {
	r := sim.DefaultRosterRules()
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("want a mapping of shifts, starts, breaks and shrinkage; got %s", kindName(n))
	}
	d.walkStruct(n, path, reflect.ValueOf(&r).Elem())
	v.Set(reflect.ValueOf(r))
	return nil
}
