package main

import (
	"errors"
	"fmt"

	"github.com/linkd-dev/linkd/internal/store/sqlite"
)

// dbMode says whether a command may create the embedded database.
type dbMode int

const (
	// createDB: serve, migrate and client create make the database if there is none.
	createDB dbMode = iota
	// mustExist: every other command needs an existing one (sqlite.Options.MustExist).
	mustExist
)

// noDatabase turns the embedded store's ErrNoDatabase into the one line the command
// prints: where no database was found, which commands make one, and the flag to check.
func noDatabase(err error, where, flag string) error {
	if errors.Is(err, sqlite.ErrNoDatabase) {
		return fmt.Errorf("no linkd database %s (linkd client create, linkd serve and linkd migrate create one; check %s)", where, flag)
	}
	return err
}

// warnNoOrigin tells the operator, after `linkd client create` without --origin, that the
// Link UI cannot be embedded yet: its frame-ancestors list is empty, so every page that
// opens it with the SDK shows a blank frame (docs/threat-model.md U1).
func warnNoOrigin(e env, clientID string) {
	fmt.Fprintf(e.stderr, "linkd: warning: the client has no --origin, so no web page can embed its Link UI yet (browsers show a blank frame); "+
		"add the origin of the page that calls openLink: linkd client update %s --origin https://app.example\n", clientID)
}
