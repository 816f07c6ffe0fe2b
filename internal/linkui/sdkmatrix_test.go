package linkui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/linkd-dev/linkd/internal/readmetable"
)

var update = flag.Bool("update", false, "rewrite the README's table of SDK callbacks and events")

// sdkMatrixHeader starts the README's table of the web SDK's callbacks, event keys and
// messages.
const sdkMatrixHeader = "| web-link-sdk 3.13.0 | kind | linkd |\n|---|---|---|\n"

// sdkCallbacks are the callbacks of Mesh's LinkOptions (utils/types.d.ts), each with the
// messages of the Link UI that make the SDK call it (any event key calls onEvent).
var sdkCallbacks = []struct {
	name     string
	messages []string
}{
	{"onIntegrationConnected", []string{"brokerageAccountAccessToken", "delayedAuthentication"}},
	{"onTransferFinished", []string{"transferFinished"}},
	{"onExit", []string{"done", "close"}},
	{"onEvent", nil},
}

// derivedFrom are the event keys the SDK emits itself, from a message the Link UI posts
// (events.js DERIVED_BY_SDK).
var derivedFrom = map[string][]string{
	"integrationConnected": {"brokerageAccountAccessToken", "delayedAuthentication"},
	"transferCompleted":    {"transferFinished"},
	"pageLoaded":           {"loaded"},
}

// toOnExit are the event keys both SDKs hand to onExit (with the payload as its summary)
// instead of onEvent.
var toOnExit = []string{"done", "close"}

var (
	finishCallRE    = regexp.MustCompile(`\bfinish\(\s*'([^']+)'`)
	callbackNamesRE = regexp.MustCompile(`(?m)^    (on\w+)\??: \(`)
)

// postedTypes are the message types the Link UI's scripts post: post('type', …) and the
// session's end, finish('done' | 'close', …).
func postedTypes(t *testing.T) map[string]bool {
	posted := map[string]bool{}
	for _, src := range webFiles(t, ".js") {
		for _, re := range []*regexp.Regexp{postCallRE, finishCallRE} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				posted[m[1]] = true
			}
		}
	}
	return posted
}

// TestREADMESDKMatrix: the README's table says, for every callback, event key and message
// type of Mesh's web SDK, whether linkd's Link UI makes it happen. It is read from the
// Link UI's scripts (what they post), so a screen that starts posting an event updates
// the table: go test ./internal/linkui -run SDKMatrix -update.
func TestREADMESDKMatrix(t *testing.T) {
	events := webText(t, "events.js")
	keys := jsList(t, events, "LINK_EVENT_TYPE_KEYS")
	types := jsList(t, events, "MESSAGE_TYPES")
	posted := postedTypes(t)
	anyPosted := func(msgs []string) bool { return slices.ContainsFunc(msgs, func(m string) bool { return posted[m] }) }
	emitted := func(key string) bool {
		if from, ok := derivedFrom[key]; ok {
			return anyPosted(from)
		}
		return posted[key]
	}
	var rows []string
	someEvent := slices.ContainsFunc(keys, func(k string) bool { return emitted(k) && !slices.Contains(toOnExit, k) })
	for _, cb := range sdkCallbacks {
		called := someEvent
		if cb.messages != nil {
			called = anyPosted(cb.messages)
		}
		rows = append(rows, fmt.Sprintf("| `%s` | callback | %s |", cb.name, map[bool]string{true: "called", false: "never called"}[called]))
	}
	n := 0
	for _, k := range keys {
		e := emitted(k)
		if e {
			n++
		}
		answer := map[bool]string{true: "emitted", false: "not emitted"}[e]
		if e && slices.Contains(toOnExit, k) {
			answer = "posted; the SDK calls onExit with its payload (not onEvent)"
		}
		rows = append(rows, fmt.Sprintf("| `%s` | event | %s |", k, answer))
	}
	for _, m := range types {
		rows = append(rows, fmt.Sprintf("| `%s` | message | %s |", m, map[bool]string{true: "posted", false: "not posted"}[posted[m]]))
	}
	if n < 20 {
		t.Errorf("only %d event keys found emitted; the patterns no longer match the scripts", n)
	}
	readmetable.Check(t, "../../README.md", sdkMatrixHeader, rows, *update, "go test ./internal/linkui -run SDKMatrix -update")

	// The callbacks listed are Mesh's, when its SDK is installed.
	dts, err := os.ReadFile(filepath.Join("..", "..", "e2e", "node_modules", "@meshconnect", "web-link-sdk", "utils", "types.d.ts"))
	if err != nil {
		t.Logf("SDK not installed (%v); not comparing the callbacks with LinkOptions", err)
		return
	}
	var want, got []string
	for _, m := range callbackNamesRE.FindAllStringSubmatch(string(dts), -1) {
		want = append(want, m[1])
	}
	for _, cb := range sdkCallbacks {
		got = append(got, cb.name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("callbacks %v, but the SDK's LinkOptions has %v", got, want)
	}
}
