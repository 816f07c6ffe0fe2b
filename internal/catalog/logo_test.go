package catalog

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// parseSVG checks that b is one well-formed XML document whose root is an
// <svg> and returns the text of its <title>.
func parseSVG(t *testing.T, name string, b []byte) string {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(b)))
	var root, title string
	inTitle := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed: %v\n%s", name, err, b)
			return ""
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			inTitle = tok.Name.Local == "title"
		case xml.EndElement:
			inTitle = false
		case xml.CharData:
			if inTitle {
				title += string(tok)
			}
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", name, root)
	}
	return title
}

func TestLogosWellFormed(t *testing.T) {
	c := mustLoad(t)
	var names []string
	for _, in := range c.Integrations() {
		for _, v := range integrationVariants {
			names = append(names, in.Slug+v.suffix()+".svg")
		}
	}
	for _, n := range c.Networks() {
		for _, v := range basicVariants {
			names = append(names, "network-"+n.Slug+v.suffix()+".svg")
		}
		for _, tok := range n.Tokens {
			names = append(names, "token-"+strings.ToLower(tok.Symbol)+".svg", "token-"+strings.ToLower(tok.Symbol)+"-dark.svg")
		}
	}
	for _, name := range names {
		b, ok := c.LogoSVG(name)
		if !ok {
			t.Errorf("LogoSVG(%q) missing", name)
			continue
		}
		if parseSVG(t, name, b) == "" {
			t.Errorf("%s: no <title>", name)
		}
	}
	if len(c.logos) != len(dedupe(names)) {
		t.Errorf("%d logos generated, %d reachable from the catalog", len(c.logos), len(dedupe(names)))
	}
}

func dedupe(s []string) map[string]bool {
	m := make(map[string]bool)
	for _, x := range s {
		m[x] = true
	}
	return m
}

func TestLogoNames(t *testing.T) {
	c := mustLoad(t)
	tests := []struct {
		name string
		want bool
	}{
		{"coinbase.svg", true},
		{"coinbase-dark.svg", true},
		{"coinbase-white.svg", true},
		{"coinbase-black.svg", true},
		{"metamask.svg", true},
		{"sandbox.svg", true},
		{"network-ethereum.svg", true},
		{"network-avalanchec-dark.svg", true},
		{"token-usdc.svg", true},
		{"token-cbbtc.svg", true},
		{"Coinbase.svg", false},
		{"coinbase", false},
		{"nope.svg", false},
		{"../data/integrations.json", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, ok := c.LogoSVG(tc.name)
			if ok != tc.want {
				t.Fatalf("LogoSVG(%q) ok = %v, want %v", tc.name, ok, tc.want)
			}
			if ok && !strings.HasPrefix(string(b), "<svg ") {
				t.Errorf("LogoSVG(%q) does not start with <svg", tc.name)
			}
		})
	}
	b, _ := c.LogoSVG("coinbase.svg")
	b[1] = 'X'
	if again, _ := c.LogoSVG("coinbase.svg"); again[1] != 's' {
		t.Error("modifying a returned logo changed the catalog")
	}
}

func TestMonogramEscapes(t *testing.T) {
	tests := []struct {
		name string
		m    monogram
	}{
		{"ampersand", monogram{title: "AT&T", text: "A&"}},
		{"markup", monogram{title: `<script>"x"</script>`, text: "<"}},
		{"quotes", monogram{title: `Bob's "Bank"`, text: `"'`, round: true}},
		{"long symbol", monogram{title: "PayPal USD", text: "PYUSD", round: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, v := range integrationVariants {
				svg := tc.m.svg(v, "#0052FF", "#598FFF")
				if got := parseSVG(t, tc.name, svg); got != tc.m.title {
					t.Errorf("variant %d: title %q, want %q", v, got, tc.m.title)
				}
			}
		})
	}
}

func TestColors(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"white text on Coinbase blue", textColor("#0052FF"), "#FFFFFF"},
		{"dark text on Binance yellow", textColor("#F0B90B"), "#0A0B0D"},
		{"dark text on a light tint", textColor("#578BFA"), "#0A0B0D"},
		{"hover is darker", hoverColor("#0052FF"), "#004BEB"},
		{"hover of black", hoverColor("#000000"), "#000000"},
		{"dark variant tints dark colors", darkVariant("#0052FF"), "#598FFF"},
		{"dark variant keeps light colors", darkVariant("#F0B90B"), "#F0B90B"},
		{"dark variant of black", darkVariant("#000000"), "#595959"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}
