package ecsapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
)

// decode reads a request body into v. An empty body is an empty request;
// anything but one JSON object (or null) is a SerializationException.
func decode(body []byte, v any) error {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil
	}
	if b[0] != '{' && !bytes.Equal(b, []byte("null")) {
		return serializationError("Start of structure or map expected.")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return serializationError(describeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return serializationError("Unexpected data after the request object.")
	}
	return nil
}

func serializationError(msg string) error {
	return &apiError{code: codeSerialization, message: msg, status: http.StatusBadRequest}
}

// describeJSONError words a decoding error in JSON terms, without Go type
// names.
func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := "Expected " + jsonKind(te.Type) + ", got " + te.Value
		if te.Field != "" {
			msg += " at '" + te.Field + "'"
		}
		return msg + "."
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "Malformed JSON: " + se.Error() + "."
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "Malformed JSON: unexpected end of input."
	}
	return "Invalid request: " + err.Error()
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a structure"
	default:
		return "a value"
	}
}
