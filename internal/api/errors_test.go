package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/linkd-dev/linkd/internal/auth"
	"github.com/linkd-dev/linkd/internal/problem"
)

// TestWriteError: every kind of error a handler returns, as the envelope, the headers and
// what the middleware is told.
func TestWriteError(t *testing.T) {
	storeErr := errors.New("sqlite: database is locked")
	cases := []struct {
		name      string
		err       error
		status    int
		body      string // the whole answer
		header    string // "Name: value" the answer must carry, if any
		errorType string // recorded on RequestInfo
		fault     error  // recorded on RequestInfo
		cancelled bool   // the caller went away
	}{
		{"problem", problem.InvalidCharacters.New("userId: must not contain control characters"), 400,
			`{"content":null,"status":"badRequest","message":"userId: must not contain control characters","displayMessage":"The request could not be processed.","errorType":"invalidCharacters"}`,
			"", "invalidCharacters", nil, false},
		{"problem with fields", problem.MissingField.Field("userId", "userId: required"), 400,
			`{"content":null,"status":"badRequest","message":"userId: required","displayMessage":"The request could not be processed.","errorType":"missingField","errorData":{"errors":[{"field":"userId","errorType":"missingField","message":"userId: required"}]}}`,
			"", "missingField", nil, false},
		{"problem with data", &problem.Error{Type: problem.InvalidMFACode, Message: "code: wrong", Data: map[string]int{"attemptsLeft": 4}}, 400,
			`{"content":null,"status":"badRequest","message":"code: wrong","displayMessage":"That code isn't correct. Please check it and try again.","errorType":"invalidMfaCode","errorData":{"attemptsLeft":4}}`,
			"", "invalidMfaCode", nil, false},
		{"wrapped problem, own display message", fmt.Errorf("redeem: %w", problem.LinkTokenExpired.Field("code", "code: expired")), 403,
			`{"content":null,"status":"permissionDenied","message":"code: expired","displayMessage":"This link has expired. Please start again from the app.","errorType":"linkTokenExpired","errorData":{"errors":[{"field":"code","errorType":"linkTokenExpired","message":"code: expired"}]}}`,
			"", "linkTokenExpired", nil, false},
		{"status of its own", &problem.Error{Type: problem.IntegrationNotFound, Status: 404, Message: "integrationId: no"}, 404,
			`{"content":null,"status":"notFound","message":"integrationId: no","displayMessage":"The request could not be processed.","errorType":"integrationNotFound"}`,
			"", "integrationNotFound", nil, false},
		{"retry after, rounded up", &problem.Error{Type: problem.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond}, 429,
			`{"content":null,"status":"tooManyRequest","message":"slow down","displayMessage":"Too many requests. Please try again in a moment.","errorType":"rateLimited"}`,
			"Retry-After: 2", "rateLimited", nil, false},
		{"allow", &problem.Error{Type: problem.MethodNotAllowed, Message: "GET /x: method not allowed; allowed: POST", Allow: "POST"}, 405,
			`{"content":null,"status":"badRequest","message":"GET /x: method not allowed; allowed: POST","displayMessage":"The request could not be processed.","errorType":"methodNotAllowed"}`,
			"Allow: POST", "methodNotAllowed", nil, false},
		{"invalid credentials", auth.ErrInvalidCredentials, 401,
			`{"content":null,"status":"permissionDenied","message":"X-Client-Id / X-Client-Secret: missing or not valid","displayMessage":"Authentication failed.","errorType":"invalidCredentials"}`,
			"", "invalidCredentials", nil, false},
		{"client disabled", auth.ErrClientDisabled, 423,
			`{"content":null,"status":"locked","message":"X-Client-Id: this client is disabled","displayMessage":"This service is temporarily unavailable.","errorType":"clientDisabled"}`,
			"", "clientDisabled", nil, false},
		{"body too large", &http.MaxBytesError{Limit: 65536}, 413,
			`{"content":null,"status":"badRequest","message":"request body: larger than the 65536-byte limit","displayMessage":"The request could not be processed.","errorType":"requestTooLarge"}`,
			"", "requestTooLarge", nil, false},
		{"store fault", fmt.Errorf("issue: %w", storeErr), 503,
			`{"content":null,"status":"serverFailure","message":"the service is temporarily unavailable; nothing was changed, retry later","displayMessage":"Something went wrong on our side. Please try again later.","errorType":"storeUnavailable"}`,
			"Retry-After: 1", "storeUnavailable", storeErr, false},
		{"bug", &Bug{Err: storeErr}, 500,
			`{"content":null,"status":"serverFailure","message":"internal error","displayMessage":"Something went wrong on our side. Please try again later.","errorType":"internalError"}`,
			"", "internalError", storeErr, false},
		{"caller gone", context.Canceled, 499,
			`{"content":null,"status":"badRequest","message":"request cancelled","displayMessage":"The request could not be processed.","errorType":"storeUnavailable"}`,
			"", "", nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			info := &RequestInfo{ID: "r1"}
			ctx, cancel := context.WithCancel(WithInfo(context.Background(), info))
			if tc.cancelled {
				cancel()
			}
			defer cancel()
			rec := httptest.NewRecorder()
			WriteError(rec, httptest.NewRequest("POST", "/x", nil).WithContext(ctx), tc.err)
			if rec.Code != tc.status || rec.Body.String() != tc.body+"\n" {
				t.Errorf("answer %d %s\nwant %d %s", rec.Code, rec.Body, tc.status, tc.body)
			}
			if name, value, ok := strings.Cut(tc.header, ": "); ok && rec.Header().Get(name) != value {
				t.Errorf("%s: %q, want %q", name, rec.Header().Get(name), value)
			}
			if tc.header == "" && (rec.Header().Get("Retry-After") != "" || rec.Header().Get("Allow") != "") {
				t.Errorf("unexpected headers %v", rec.Header())
			}
			if info.ErrorType != tc.errorType || !errors.Is(info.Fault, tc.fault) || (tc.fault == nil) != (info.Fault == nil) {
				t.Errorf("RequestInfo %q %v, want %q %v", info.ErrorType, info.Fault, tc.errorType, tc.fault)
			}
		})
	}
}

// TestWriteErrorWithoutMiddleware: a fault answered outside the server's middleware (no
// RequestInfo to record it on) is logged by WriteError itself.
func TestWriteErrorWithoutMiddleware(t *testing.T) {
	var logs bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/x", nil), errors.New("sqlite: disk I/O error"))
	if rec.Code != 503 || !strings.Contains(logs.String(), `msg="request failed" err="sqlite: disk I/O error" errorType=storeUnavailable`) {
		t.Errorf("%d, log %q", rec.Code, logs.String())
	}
	logs.Reset()
	WriteError(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil), problem.RouteNotFound.New("/x: no such endpoint"))
	if logs.Len() != 0 {
		t.Errorf("a client's error was logged: %q", logs.String())
	}
}
