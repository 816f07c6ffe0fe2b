package linkui

import (
	"errors"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/linkd-dev/linkd/internal/api"
	"github.com/linkd-dev/linkd/internal/linktoken"
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
		return api.NewProblem(http.StatusBadRequest, linktoken.ErrInvalidType, "%s: unexpected or wrongly typed member", string(sem.JSONPointer)[1:])
	}
	return api.NewProblem(http.StatusBadRequest, linktoken.ErrInvalidJSON, "request body: not a valid JSON object")
}
