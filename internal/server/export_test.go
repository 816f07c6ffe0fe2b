package server

import "net/http"

// For package server_test.
var ErrOverloaded = errOverloaded

func WriteOverloaded(w http.ResponseWriter, r *http.Request) { overloadedAnswer.write(w, r) }
