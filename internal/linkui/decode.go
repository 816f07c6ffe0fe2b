package linkui

import (
	"errors"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/problem"
)

// decodeStrict decodes a Link UI API body. Unknown members are errors here (the page is
// ours, so an unknown member is a bug worth surfacing), as are duplicates.
func decodeStrict(body []byte, v any) error {
	err := json.Unmarshal(body, v, json.RejectUnknownMembers(true), jsontext.AllowDuplicateNames(false))
	if err == nil {
		return nil
	}
	var sem *json.SemanticError
	if errors.As(err, &sem) && sem.JSONPointer != "" {
		return problem.InvalidType.New("%s: unexpected or wrongly typed member", string(sem.JSONPointer)[1:])
	}
	return problem.InvalidJSON.New("request body: not a valid JSON object")
}
