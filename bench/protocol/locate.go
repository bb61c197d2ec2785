package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// decodeError explains why json.Unmarshal refused data, a frame that
// starts as a JSON object. Only a frame that is not JSON at all is
// bad_json. A JSON object is judged like a frame that decoded: its
// version first, then its type, then the first field (in the frame's
// order) whose value does not fit, by its path ("action.amount"); the
// frame's id, when it is a string, is the ref. It runs only for refused
// frames, so the frames that decode pay nothing for it.
func decodeError(data []byte, from Role, err error) *Error {
	if !json.Valid(data) {
		return Errorf(CodeBadJSON, "", "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	var head struct {
		V    json.RawMessage `json:"v"`
		Type json.RawMessage `json:"type"`
		ID   json.RawMessage `json:"id"`
	}
	// A valid object decodes into raw messages; this cannot fail.
	_ = json.Unmarshal(data, &head)
	var ref string
	if json.Unmarshal(head.ID, &ref) != nil {
		ref = ""
	}
	fail := func(code, field, format string, args ...any) *Error {
		e := Errorf(code, field, format, args...)
		e.Ref = ref
		return e
	}
	var v int
	switch {
	case head.V == nil:
		return fail(CodeVersion, "v", "protocol version 0 is not spoken here; want %d", Version)
	case json.Unmarshal(head.V, &v) != nil:
		return fail(CodeVersion, "v", "want the number %d, got %s", Version, head.V)
	case v != Version:
		return fail(CodeVersion, "v", "protocol version %d is not spoken here; want %d", v, Version)
	}
	var typ string
	switch {
	case head.Type == nil:
		return fail(CodeMissingField, "type", "every frame needs a type")
	case json.Unmarshal(head.Type, &typ) != nil:
		return fail(CodeBadField, "type", "want a string, got %s", head.Type)
	case typ == "":
		return fail(CodeMissingField, "type", "every frame needs a type")
	case !allowed[from][typ]:
		return fail(CodeUnknownType, "type", "%q is not a frame this endpoint accepts (want one of %s)", typ, typeList(from))
	}
	field, text := locate(data, reflect.TypeFor[Frame](), "")
	if field == "" {
		text = strings.TrimPrefix(err.Error(), "json: ")
	}
	return fail(CodeBadField, field, "%s", text)
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// locate returns the path of the first value within raw that does not
// decode into t, and why; an empty path when raw decodes.
func locate(raw []byte, t reflect.Type, path string) (field, why string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	err := json.Unmarshal(raw, reflect.New(t).Interface())
	if err == nil {
		return "", ""
	}
	if !reflect.PointerTo(t).Implements(unmarshalerType) {
		switch t.Kind() {
		case reflect.Struct:
			if f, w := locateObject(raw, t, path); f != "" {
				return f, w
			}
		case reflect.Slice:
			if f, w := locateArray(raw, t, path); f != "" {
				return f, w
			}
		}
	}
	if path == "" {
		return "", ""
	}
	return path, describe(err, t)
}

// locateObject looks for the faulty member of a JSON object decoded into
// struct t, member by member in the object's order.
func locateObject(raw []byte, t reflect.Type, path string) (string, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", "" // not an object: the caller reports the value itself
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", ""
		}
		key, _ := tok.(string)
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return "", ""
		}
		sf, name, ok := jsonField(t, key)
		if !ok {
			continue // unknown members are ignored
		}
		sub := name
		if path != "" {
			sub = path + "." + name
		}
		if f, w := locate(val, sf.Type, sub); f != "" {
			return f, w
		}
	}
	return "", ""
}

// locateArray looks for the faulty element of a JSON array decoded into
// slice t.
func locateArray(raw []byte, t reflect.Type, path string) (string, string) {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return "", ""
	}
	for i, e := range elems {
		if f, w := locate(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); f != "" {
			return f, w
		}
	}
	return "", ""
}

// jsonField finds the field of struct t that encoding/json fills from the
// object member key: an exact match of its name, else a case-insensitive
// one.
func jsonField(t reflect.Type, key string) (reflect.StructField, string, bool) {
	var (
		fold     reflect.StructField
		foldName string
		found    bool
	)
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if name == key {
			return sf, name, true
		}
		if !found && strings.EqualFold(name, key) {
			fold, foldName, found = sf, name, true
		}
	}
	return fold, foldName, found
}

// describe says what a value of type t must be, in the words of a client
// author rather than of Go types.
func describe(err error, t reflect.Type) string {
	if t == reflect.TypeFor[time.Time]() {
		return "want an RFC 3339 time such as \"2026-11-11T00:00:00+08:00\""
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("want %s, got %s", kindName(te.Type), te.Value)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return t.String()
}
