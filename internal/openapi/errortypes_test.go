package openapi

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/problem"
)

var update = flag.Bool("update", false, "rewrite openapi.json's errorType parts from internal/problem")

// alsoAnswered are the statuses an errorType is answered with besides its own, each
// where a handler sets problem.Error.Status: the Link UI's integrationNotFound is 404
// (internal/linkui/flow.go, as it has always been), POST /api/v1/linktoken's is 400.
var alsoAnswered = map[*problem.Type][]int{problem.IntegrationNotFound: {404}}

// retryAfterStatuses are the statuses whose answers may carry Retry-After (rateLimited,
// tooManyActiveTokens, storeUnavailable, overloaded; RFC 9110 §10.2.3). A 429 also says
// which limit it hit in RateLimit and RateLimit-Policy.
var retryAfterStatuses = []int{429, 503}

// TestErrorTypes: openapi.json's errorType parts are internal/problem's catalogue: the
// ErrorType enum (with x-status, each errorType's HTTP status), PageErrorType, and one
// Error<status> response per status whose errorType enum lists exactly the types
// answered with it. The file is written by hand except these parts, which
// go test ./internal/openapi -run ErrorTypes -update rewrites.
func TestErrorTypes(t *testing.T) {
	doc, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := withErrorTypes(doc)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile("openapi.json", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	var got struct {
		Components struct {
			Schemas struct {
				ErrorType struct {
					Enum   []string       `json:"enum"`
					Status map[string]int `json:"x-status"`
				} `json:"ErrorType"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &got); err != nil {
		t.Fatal(err)
	}
	enum := got.Components.Schemas.ErrorType
	for _, typ := range problem.Types {
		if !slices.Contains(enum.Enum, typ.Name) {
			t.Errorf("ErrorType lacks %s", typ.Name)
		} else if enum.Status[typ.Name] != typ.Status {
			t.Errorf("ErrorType's x-status of %s is %d, internal/problem's %d", typ.Name, enum.Status[typ.Name], typ.Status)
		}
	}
	for _, name := range enum.Enum {
		if problem.ByName(name).Name != name {
			t.Errorf("ErrorType has %s, which internal/problem does not declare", name)
		}
	}
	if !bytes.Equal(doc, want) {
		t.Errorf("openapi.json's errorType parts differ from internal/problem/types.go; go test ./internal/openapi -run ErrorTypes -update rewrites them")
	}
}

// withErrorTypes returns doc with its generated parts (components.schemas.ErrorType and
// PageErrorType, and the Error<status> members of components.responses) rendered from
// internal/problem, and everything else as it is.
func withErrorTypes(doc []byte) ([]byte, error) {
	var err error
	if doc, err = replaceMember(doc, errorTypeSchema(problem.Types, "      "), "components", "schemas", "ErrorType"); err != nil {
		return nil, err
	}
	if doc, err = replaceMember(doc, pageErrorTypeSchema("      "), "components", "schemas", "PageErrorType"); err != nil {
		return nil, err
	}
	resp, err := responsesWithErrors(doc)
	if err != nil {
		return nil, err
	}
	return replaceMember(doc, resp, "components", "responses")
}

// statuses returns, by HTTP status, the errorTypes answered with it, in Types' order.
func statuses() map[int][]string {
	by := map[int][]string{}
	for _, typ := range problem.Types {
		by[typ.Status] = append(by[typ.Status], typ.Name)
		for _, s := range alsoAnswered[typ] {
			by[s] = append(by[s], typ.Name)
		}
	}
	return by
}

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := jsontext.AppendQuote(nil, s)
	return string(b)
}

// quoteAll is names as JSON strings joined by sep.
func quoteAll(names []string, sep string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, sep)
}

// errorTypeSchema renders the ErrorType schema, indented by indent.
func errorTypeSchema(types []*problem.Type, indent string) []byte {
	in := indent + "  "
	var b strings.Builder
	b.WriteString("{\n")
	b.WriteString(in + `"description": "Every errorType an HTTP answer of linkd carries (the README's error table says when each happens). x-status is each one's HTTP status; the Error responses list the types of each status. Generated from internal/problem/types.go.",` + "\n")
	b.WriteString(in + `"type": "string",` + "\n")
	names := make([]string, len(types))
	status := make([]string, len(types))
	for i, typ := range types {
		names[i] = typ.Name
		status[i] = quote(typ.Name) + ": " + strconv.Itoa(typ.Status)
	}
	b.WriteString(in + `"enum": [` + "\n" + in + "  " + quoteAll(names, ",\n"+in+"  ") + "\n" + in + "],\n")
	b.WriteString(in + `"x-status": {` + "\n" + in + "  " + strings.Join(status, ",\n"+in+"  ") + "\n" + in + "}\n")
	b.WriteString(indent + "}")
	return []byte(b.String())
}

// pageErrorTypeSchema renders the PageErrorType schema, indented by indent.
func pageErrorTypeSchema(indent string) []byte {
	names := make([]string, len(problem.PageTypes))
	for i, typ := range problem.PageTypes {
		names[i] = typ.Name
	}
	in := indent + "  "
	return []byte("{\n" +
		in + `"description": "The errorTypes no HTTP answer carries: the Link UI page and linkd's /sdk/link.js report them in the close payload's errorType (onExit's second argument), next to ErrorType's. Generated from internal/problem/types.go.",` + "\n" +
		in + `"type": "string",` + "\n" +
		in + `"enum": [` + quoteAll(names, ", ") + "]\n" +
		indent + "}")
}

// errorResponse renders the Error<status> response of the errorTypes names, on one line.
func errorResponse(status int, names []string) string {
	headers := `"X-Request-Id": {"$ref": "#/components/headers/RequestId"}`
	if status == 405 {
		headers += `, "Allow": {"$ref": "#/components/headers/Allow"}`
	}
	if slices.Contains(retryAfterStatuses, status) {
		headers += `, "Retry-After": {"$ref": "#/components/headers/RetryAfter"}`
	}
	if status == 429 {
		headers += `, "RateLimit": {"$ref": "#/components/headers/RateLimit"}, "RateLimit-Policy": {"$ref": "#/components/headers/RateLimitPolicy"}`
	}
	envStatus := problem.StatusText(status)
	return fmt.Sprintf(`{"description": %s, "headers": {%s}, "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/ErrorEnvelope"}, {"properties": {"status": {"const": %s}, "errorType": {"enum": [%s]}}}]}}}}`,
		quote(fmt.Sprintf("%d %s: %s", status, envStatus, strings.Join(names, ", "))), headers, quote(envStatus), quoteAll(names, ", "))
}

// responsesWithErrors renders components.responses: its hand-written members as they
// are, then one generated Error<status> member per status, in order.
func responsesWithErrors(doc []byte) ([]byte, error) {
	raw, err := memberValue(doc, "components", "responses")
	if err != nil {
		return nil, err
	}
	const indent = "    "
	var members []string
	d := jsontext.NewDecoder(bytes.NewReader(raw))
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		name := tok.String()
		v, err := d.ReadValue()
		if err != nil {
			return nil, err
		}
		if isGenerated(name) {
			continue
		}
		members = append(members, indent+"  "+quote(name)+": "+string(v))
	}
	by := statuses()
	codes := make([]int, 0, len(by))
	for s := range by {
		codes = append(codes, s)
	}
	slices.Sort(codes)
	for _, s := range codes {
		members = append(members, indent+"  "+quote("Error"+strconv.Itoa(s))+": "+errorResponse(s, by[s]))
	}
	return []byte("{\n" + strings.Join(members, ",\n") + "\n" + indent + "}"), nil
}

// isGenerated reports whether a member of components.responses is generated (Error
// followed by a status).
func isGenerated(name string) bool {
	s, ok := strings.CutPrefix(name, "Error")
	_, err := strconv.Atoi(s)
	return ok && err == nil
}

// memberValue returns the raw value at the object member path of doc.
func memberValue(doc []byte, path ...string) ([]byte, error) {
	start, end, err := memberSpan(doc, path...)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(doc[start:end]), nil
}

// replaceMember returns doc with the value at the object member path replaced by v,
// every other byte kept.
func replaceMember(doc, v []byte, path ...string) ([]byte, error) {
	start, end, err := memberSpan(doc, path...)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(doc[:start])
	out = append(out, v...)
	return append(out, doc[end:]...), nil
}

// memberSpan returns where the value at the object member path of doc starts and ends
// (the start is the first byte after the name's colon and whitespace).
func memberSpan(doc []byte, path ...string) (start, end int, err error) {
	d := jsontext.NewDecoder(bytes.NewReader(doc))
	for i, name := range path {
		if tok, err := d.ReadToken(); err != nil || tok.Kind() != '{' {
			return 0, 0, fmt.Errorf("%s: not an object (%v)", strings.Join(path[:i], "."), err)
		}
		for {
			if d.PeekKind() == '}' {
				return 0, 0, errors.New(strings.Join(path[:i+1], ".") + ": no such member")
			}
			tok, err := d.ReadToken()
			if err != nil {
				return 0, 0, err
			}
			if tok.String() == name {
				break
			}
			if err := d.SkipValue(); err != nil {
				return 0, 0, err
			}
		}
	}
	after := int(d.InputOffset())
	if err := d.SkipValue(); err != nil {
		return 0, 0, err
	}
	end = int(d.InputOffset())
	start = after + bytes.IndexFunc(doc[after:], func(r rune) bool { return r != ':' && r != ' ' && r != '\n' && r != '\t' && r != '\r' })
	return start, end, nil
}
