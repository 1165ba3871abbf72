package taskdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecskit/ecs/types"
)

// Parse reads a task definition document: the JSON given to
// `aws ecs register-task-definition --cli-input-json`, or the output of
// `aws ecs describe-task-definition`, wrapped as {"taskDefinition": {…},
// "tags": […]} or not.
//
// It is lenient about shape and strict about content. A byte-order mark,
// leading blank lines, nulls (read as absent) and the output-only fields of
// a registered task definition (taskDefinitionArn, revision, status,
// requiresAttributes, compatibilities, registeredAt, registeredBy,
// deregisteredAt, deleteRequestedAt) are accepted; the output-only fields
// are dropped. An unknown key, a value of the wrong JSON type, a missing
// required key or malformed JSON is a ClientException naming the path, such
// as `containerDefinitions[0]: unknown parameter "portBindings"`.
//
// The result is not validated against ECS's rules: pass it to
// Normalize for that.
func Parse(data []byte) (*types.RegisterTaskDefinitionInput, error) {
	root, err := decodeJSONDocument(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if err != nil {
		return nil, err
	}
	doc, ok := root.(map[string]any)
	if !ok {
		return nil, tdErr("", "expected a JSON object, got %s", describeJSON(root))
	}
	var prefix string
	var outerTags any
	if _, wrapped := doc["taskDefinition"]; wrapped {
		if doc, outerTags, err = unwrapDescribeOutput(doc); err != nil {
			return nil, err
		}
		prefix = "taskDefinition"
	}
	clean, err := checkTaskDefinitionObject(doc, prefix)
	if err != nil {
		return nil, err
	}
	if outerTags != nil {
		tags, err := checkJSON(outerTags, reflect.TypeFor[[]types.Tag](), "tags")
		if err != nil {
			return nil, err
		}
		clean["tags"] = tags
	}
	if err := checkBlankValues(clean, prefix); err != nil {
		return nil, err
	}
	b, err := json.Marshal(clean)
	if err != nil {
		return nil, tdErr("", "cannot re-encode the task definition: %v", err)
	}
	var in types.RegisterTaskDefinitionInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, tdErr("", "cannot decode the task definition: %v", err)
	}
	return &in, nil
}

// unwrapDescribeOutput returns the object inside {"taskDefinition": …}
// and the tags beside it.
func unwrapDescribeOutput(doc map[string]any) (td map[string]any, tags any, err error) {
	for _, k := range sortedKeys(doc) {
		if k != "taskDefinition" && k != "tags" {
			return nil, nil, tdErr("", "unknown parameter %q beside \"taskDefinition\"; only \"tags\" may be there", k)
		}
	}
	td, ok := doc["taskDefinition"].(map[string]any)
	if !ok {
		return nil, nil, tdErr("taskDefinition", "expected an object, got %s", describeJSON(doc["taskDefinition"]))
	}
	if _, ok := td["tags"]; ok {
		return nil, nil, tdErr("taskDefinition", `unknown parameter "tags": in describe output the tags sit beside "taskDefinition", not inside it`)
	}
	return td, doc["tags"], nil
}

// outputOnlyFields are the fields of a registered task definition that a
// register request cannot carry; Parse type-checks and drops
// them.
var outputOnlyFields = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
}

// checkTaskDefinitionObject checks the keys of a task definition object
// against RegisterTaskDefinitionInput and returns it without nulls and
// output-only fields.
func checkTaskDefinitionObject(doc map[string]any, prefix string) (map[string]any, error) {
	tdType := reflect.TypeFor[types.TaskDefinition]()
	rest := make(map[string]any, len(doc))
	for k, v := range doc {
		if !slices.Contains(outputOnlyFields, k) {
			rest[k] = v
			continue
		}
		if f, ok := jsonFieldByName(tdType, k); ok && v != nil {
			if _, err := checkJSON(v, f.Type, joinPath(prefix, k)); err != nil {
				return nil, err
			}
		}
	}
	v, err := checkJSON(rest, reflect.TypeFor[types.RegisterTaskDefinitionInput](), prefix)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// checkBlankValues applies the two checks a Go struct cannot express,
// because it cannot tell an empty string from an absent one: a host volume
// whose sourcePath is "" and a proxy property without a value.
func checkBlankValues(td map[string]any, prefix string) error {
	vols, _ := td["volumes"].([]any)
	for i, v := range vols {
		host, _ := v.(map[string]any)["host"].(map[string]any)
		if p, ok := host["sourcePath"]; ok && p == "" {
			return tdErr(joinPath(prefix, fmt.Sprintf("volumes[%d].host.sourcePath", i)), "host.sourcePath should not be blank.")
		}
	}
	proxy, _ := td["proxyConfiguration"].(map[string]any)
	props, _ := proxy["properties"].([]any)
	for i, p := range props {
		if _, ok := p.(map[string]any)["value"]; !ok {
			return tdErr(joinPath(prefix, fmt.Sprintf("proxyConfiguration.properties[%d].value", i)), "ProxyConfiguration properties value cannot be null.")
		}
	}
	return nil
}

// decodeJSONDocument decodes exactly one JSON value, keeping numbers as
// json.Number, and reports syntax errors with a line and column.
func decodeJSONDocument(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, tdErr("", "the task definition document is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, syntaxErr(data, err)
	}
	end := int(dec.InputOffset())
	if _, err := dec.Token(); err != io.EOF {
		end += len(data[end:]) - len(bytes.TrimLeft(data[end:], " \t\r\n"))
		line, col := lineCol(data, end)
		return nil, tdErr("", "invalid JSON at line %d column %d: unexpected data after the end of the document", line, col)
	}
	return v, nil
}

// syntaxErr turns a decoding error into a ClientException with a position.
func syntaxErr(data []byte, err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, int(se.Offset)-1)
		return tdErr("", "invalid JSON at line %d column %d: %s", line, col, se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := lineCol(data, len(data))
		return tdErr("", "invalid JSON at line %d column %d: unexpected end of the document", line, col)
	}
	return tdErr("", "invalid JSON: %v", err)
}

// lineCol returns the 1-based line and column (in characters) of the byte
// at offset.
func lineCol(data []byte, offset int) (line, col int) {
	offset = max(0, min(offset, len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	return line, utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
}

// requiredKeys are the members the ECS API model marks as required, by the
// Go type of the object that holds them.
var requiredKeys = map[reflect.Type][]string{
	reflect.TypeFor[types.RegisterTaskDefinitionInput]():             {"family", "containerDefinitions"},
	reflect.TypeFor[types.ContainerDependency]():                     {"containerName", "condition"},
	reflect.TypeFor[types.Ulimit]():                                  {"name", "softLimit", "hardLimit"},
	reflect.TypeFor[types.Secret]():                                  {"name", "valueFrom"},
	reflect.TypeFor[types.HealthCheck]():                             {"command"},
	reflect.TypeFor[types.EnvironmentFile]():                         {"value", "type"},
	reflect.TypeFor[types.ResourceRequirement]():                     {"type"},
	reflect.TypeFor[types.NvidiaMpsAllocation]():                     {"memory"},
	reflect.TypeFor[types.S3FilesVolumeConfiguration]():              {"fileSystemArn"},
	reflect.TypeFor[types.FirelensConfiguration]():                   {"type"},
	reflect.TypeFor[types.LogConfiguration]():                        {"logDriver"},
	reflect.TypeFor[types.Tmpfs]():                                   {"containerPath", "size"},
	reflect.TypeFor[types.Device]():                                  {"hostPath"},
	reflect.TypeFor[types.HostEntry]():                               {"hostname", "ipAddress"},
	reflect.TypeFor[types.RepositoryCredentials]():                   {"credentialsParameter"},
	reflect.TypeFor[types.ProxyConfiguration]():                      {"containerName"},
	reflect.TypeFor[types.EFSVolumeConfiguration]():                  {"fileSystemId"},
	reflect.TypeFor[types.FSxWindowsFileServerVolumeConfiguration](): {"fileSystemId", "rootDirectory", "authorizationConfig"},
	reflect.TypeFor[types.FSxAuthorizationConfig]():                  {"credentialsParameter", "domain"},
	reflect.TypeFor[types.InferenceAccelerator]():                    {"deviceName", "deviceType"},
	reflect.TypeFor[types.EphemeralStorage]():                        {"sizeInGiB"},
	reflect.TypeFor[types.ContainerRestartPolicy]():                  {"enabled"},
}

// checkJSON checks a decoded JSON value against the Go type t that it will
// be decoded into, and returns it with nulls in objects removed.
func checkJSON(v any, t reflect.Type, path string) (any, error) {
	if t == reflect.TypeFor[types.Time]() {
		b, _ := json.Marshal(v)
		if err := new(types.Time).UnmarshalJSON(b); err != nil {
			return nil, tdErr(path, "expected a timestamp, got %s", describeJSON(v))
		}
		return v, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return checkJSON(v, t.Elem(), path)
	case reflect.String:
		if _, ok := v.(string); !ok {
			return nil, typeErr(path, "a string", v)
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			return nil, typeErr(path, "a boolean", v)
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		return v, checkInteger(v, path)
	case reflect.Slice:
		return checkList(v, t, path)
	case reflect.Map:
		return checkMap(v, t, path)
	case reflect.Struct:
		return checkObject(v, t, path)
	default:
		return nil, tdErr(path, "unsupported field type %s", t)
	}
	return v, nil
}

// checkInteger accepts a JSON number holding an integer that fits the ECS
// API's 32-bit Integer.
func checkInteger(v any, path string) error {
	n, ok := v.(json.Number)
	if !ok {
		return typeErr(path, "a number", v)
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		return tdErr(path, "expected an integer, got number %s", n)
	}
	if i < math.MinInt32 || i > math.MaxInt32 {
		return tdErr(path, "expected a 32-bit integer, got %s", n)
	}
	return nil
}

func checkList(v any, t reflect.Type, path string) (any, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, typeErr(path, "a list", v)
	}
	out := make([]any, len(list))
	for i, e := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		if e == nil {
			return nil, tdErr(p, "null is not allowed in a list")
		}
		c, err := checkJSON(e, t.Elem(), p)
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func checkMap(v any, t reflect.Type, path string) (any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(path, "an object", v)
	}
	out := make(map[string]any, len(obj))
	for _, k := range sortedKeys(obj) {
		if obj[k] == nil {
			continue
		}
		c, err := checkJSON(obj[k], t.Elem(), joinPath(path, k))
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	return out, nil
}

func checkObject(v any, t reflect.Type, path string) (any, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, typeErr(path, "an object", v)
	}
	out := make(map[string]any, len(obj))
	for _, k := range sortedKeys(obj) {
		f, ok := jsonFieldByName(t, k)
		if !ok {
			return nil, unknownKeyErr(t, path, k)
		}
		if obj[k] == nil {
			continue
		}
		c, err := checkJSON(obj[k], f.Type, joinPath(path, k))
		if err != nil {
			return nil, err
		}
		out[k] = c
	}
	for _, k := range requiredKeys[t] {
		if _, ok := out[k]; !ok {
			return nil, tdErr(path, "missing required parameter %q", k)
		}
	}
	return out, nil
}

// unknownKeyErr reports key as unknown, suggesting the field it differs
// from only in case, if there is one.
func unknownKeyErr(t reflect.Type, path, key string) error {
	for i := range t.NumField() {
		if name := jsonName(t.Field(i)); strings.EqualFold(name, key) {
			return tdErr(path, "unknown parameter %q (did you mean %q?)", key, name)
		}
	}
	return tdErr(path, "unknown parameter %q", key)
}

// jsonFieldByName finds the field of struct type t whose JSON name is
// exactly name.
func jsonFieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if f := t.Field(i); jsonName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// jsonName is the JSON key of a struct field ("" for unexported or "-").
func jsonName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return ""
	case "":
		return f.Name
	}
	return name
}

func typeErr(path, want string, got any) error {
	return tdErr(path, "expected %s, got %s", want, describeJSON(got))
}

// describeJSON names a decoded JSON value's type, with short values quoted.
func describeJSON(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		if utf8.RuneCountInString(v) > 40 {
			v = string([]rune(v)[:40]) + "…"
		}
		return fmt.Sprintf("string %q", v)
	case json.Number:
		return "number " + string(v)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// tdErr is a ClientException about the task definition input at field.
func tdErr(field, format string, args ...any) *types.Error {
	e := types.Errorf(types.ClientException, format, args...)
	e.Field = field
	return e
}
