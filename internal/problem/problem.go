// Package problem is the one catalogue of the errorTypes linkd answers and the one error
// type every layer returns for them.
//
// It exists so that a status, a description and an end-user message are written once
// per errorType (types.go, from which the README's table is rendered) and so that request
// validation, the API handlers and the Link UI return the same kind of error, which
// api.WriteError turns into the envelope without knowing where it came from. It imports
// nothing of linkd, so every package can use it.
package problem

import (
	"fmt"
	"net/http"
	"time"
)

// Type is one errorType: its name in the envelope, its HTTP status, when it happens (the
// README's table) and what an end user is shown.
type Type struct {
	// Name is the envelope's errorType.
	Name string
	// Status is the HTTP status of the answer.
	Status int
	// Description says when it happens, for the README's table.
	Description string
	// Display is the envelope's displayMessage, safe to show an end user; "" means the
	// default for Status (DisplayMessage).
	Display string
}

// New returns an error of type t whose message for the developer is format with args
// (fmt.Sprintf).
func (t *Type) New(format string, args ...any) *Error {
	return &Error{Type: t, Message: fmt.Sprintf(format, args...)}
}

// Field returns an error of type t about one field of a request: msg is the message, and
// the field is listed in errorData.
func (t *Type) Field(field, msg string) *Error {
	return &Error{Type: t, Message: msg, Fields: []FieldError{{Field: field, Type: t.Name, Message: msg}}}
}

// ByName returns the declared Type named name (InternalError for an unknown name: a
// programming error).
func ByName(name string) *Type {
	for _, t := range Types {
		if t.Name == name {
			return t
		}
	}
	return InternalError
}

// DisplayMessage is the envelope's displayMessage for an answer of type t with HTTP status
// code: t's own, or a default by status.
func (t *Type) DisplayMessage(code int) string {
	if t.Display != "" {
		return t.Display
	}
	switch {
	case code >= 500:
		return "Something went wrong on our side. Please try again later."
	case code == http.StatusUnauthorized:
		return "Authentication failed."
	}
	return "The request could not be processed."
}

// FieldError is one problem with one field of a request (an element of errorData.errors).
type FieldError struct {
	Field   string `json:"field"`
	Type    string `json:"errorType"`
	Message string `json:"message"`
}

// Error is an error with its own answer: a Type, a message for the developer, and the
// details of the envelope and headers that go with it.
type Error struct {
	Type *Type
	// Message is the envelope's message: for the developer, naming the field.
	Message string
	// Fields, if any, are sent as errorData {"errors": Fields}: every problem of a request
	// at once. The first one's type is Type.
	Fields []FieldError
	// RetryAfter > 0 sends Retry-After (rounded up to seconds).
	RetryAfter time.Duration
	// Allow is sent as the Allow header (405).
	Allow string
	// Status, if not 0, is the HTTP status instead of Type.Status: for the one answer whose
	// status differs from its type's documented one (the Link UI's integrationNotFound is
	// 404, as it has always been).
	Status int
	// Data, if not nil and there are no Fields, is sent as errorData (machine-readable
	// details such as the MFA attempts left).
	Data any
}

func (e *Error) Error() string { return e.Message }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int {
	if e.Status != 0 {
		return e.Status
	}
	return e.Type.Status
}

// ErrorType is the envelope's errorType.
func (e *Error) ErrorType() string { return e.Type.Name }

// Status values of the envelope (node-api's ApiResult.status).
const (
	StatusOK                         = "ok"
	StatusServerFailure              = "serverFailure"
	StatusPermissionDenied           = "permissionDenied"
	StatusBadRequest                 = "badRequest"
	StatusNotFound                   = "notFound"
	StatusConflict                   = "conflict"
	StatusTooManyRequest             = "tooManyRequest"
	StatusLocked                     = "locked"
	StatusUnavailableForLegalReasons = "unavailableForLegalReasons"
)

// StatusText is the envelope's status for an HTTP status code, success or error (it is
// here, not in api, because the README's errorType table shows it).
func StatusText(code int) string {
	switch {
	case code < 300:
		return StatusOK
	case code == http.StatusUnauthorized, code == http.StatusForbidden:
		return StatusPermissionDenied
	case code == http.StatusNotFound:
		return StatusNotFound
	case code == http.StatusConflict:
		return StatusConflict
	case code == http.StatusTooManyRequests:
		return StatusTooManyRequest
	case code == http.StatusLocked:
		return StatusLocked
	case code == http.StatusUnavailableForLegalReasons:
		return StatusUnavailableForLegalReasons
	case code >= 500:
		return StatusServerFailure
	}
	return StatusBadRequest
}
