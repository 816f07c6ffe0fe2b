package catalog

import (
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// LogoPathPrefix is the URL path under which the HTTP layer serves LogoSVG
// files; the wire models' logo URLs point there.
const LogoPathPrefix = "/static/logos/"

// Logos are generated monograms (a rounded square, or a circle for tokens, in
// the brand color with the initials in a contrasting color), not the
// institutions' artwork: linkd neither hot-links third-party hosts nor ships
// trademarked images.

// variant is one rendering of a monogram.
type variant int

const (
	variantLight variant = iota // brand color, for light backgrounds
	variantDark                 // dark-theme color, for dark backgrounds
	variantWhite                // monochrome white, letters cut out
	variantBlack                // monochrome black, letters cut out
)

// integrationVariants fill every URL of Mesh's IntegrationLogo; networks and
// tokens only need light and dark.
var (
	integrationVariants = []variant{variantLight, variantDark, variantWhite, variantBlack}
	basicVariants       = []variant{variantLight, variantDark}
)

// suffix is the file-name suffix of the variant, before ".svg".
func (v variant) suffix() string {
	switch v {
	case variantDark:
		return "-dark"
	case variantWhite:
		return "-white"
	case variantBlack:
		return "-black"
	}
	return ""
}

// monogram describes one generated logo.
type monogram struct {
	title string // accessible name: <title> and aria-label
	text  string // the letters drawn (initials, or a token symbol)
	round bool   // a circle instead of a rounded square
}

// fontStack is the system font stack: no web font to fetch or license.
const fontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

// svg renders the monogram. Every string from the data is XML-escaped, so a
// name such as "AT&T" yields well-formed SVG.
func (m monogram) svg(v variant, color, darkColor string) []byte {
	const size = 64
	radius := 14
	if m.round {
		radius = size / 2
	}
	title := xmlEscape(m.title)
	text := xmlEscape(m.text)
	// Shrink the type as the text grows so that 5-letter symbols ("PYUSD") fit.
	fontSize := map[int]int{1: 30, 2: 26, 3: 21, 4: 17}[utf8.RuneCountInString(m.text)]
	if fontSize == 0 {
		fontSize = 14
	}
	shape := fmt.Sprintf(`<rect width="%d" height="%d" rx="%d"`, size, size, radius)
	letters := func(fill string) string {
		return fmt.Sprintf(`<text x="%d" y="%d" dy="0.35em" text-anchor="middle" font-family="%s" font-size="%d" font-weight="600" fill="%s">%s</text>`,
			size/2, size/2, fontStack, fontSize, fill, text)
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`,
		size, size, size, size, title, title)
	switch v {
	case variantLight, variantDark:
		fill := color
		if v == variantDark {
			fill = darkColor
		}
		fmt.Fprintf(&b, `%s fill="%s"/>%s`, shape, fill, letters(textColor(fill)))
	case variantWhite, variantBlack:
		ink := "#FFFFFF"
		if v == variantBlack {
			ink = "#000000"
		}
		fmt.Fprintf(&b, `<defs><mask id="m"><rect width="%d" height="%d" fill="#FFFFFF"/>%s</mask></defs>%s fill="%s" mask="url(#m)"/>`,
			size, size, letters("#000000"), shape, ink)
	}
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // writes to a strings.Builder cannot fail
	return b.String()
}

// Colors are "#RRGGBB" inside linkd. The style colors follow what Mesh serves
// for Coinbase (primary 0052FF, hover 014CEC, dark-theme 578BFA with
// near-black text): a slightly darker hover, a lighter tint of dark brand
// colors for the dark theme, and white or near-black text, whichever
// contrasts more.

type rgb struct{ r, g, b float64 }

func parseColor(hex string) rgb {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32) // validated at load
	return rgb{float64(v >> 16 & 0xFF), float64(v >> 8 & 0xFF), float64(v & 0xFF)}
}

func (c rgb) String() string {
	to := func(x float64) int { return int(math.Round(math.Max(0, math.Min(255, x)))) }
	return fmt.Sprintf("#%02X%02X%02X", to(c.r), to(c.g), to(c.b))
}

// mix moves c towards o by the fraction t.
func (c rgb) mix(o rgb, t float64) rgb {
	return rgb{c.r + (o.r-c.r)*t, c.g + (o.g-c.g)*t, c.b + (o.b-c.b)*t}
}

// luminance is the WCAG relative luminance.
func (c rgb) luminance() float64 {
	lin := func(x float64) float64 {
		x /= 255
		if x <= 0.03928 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

var (
	white    = rgb{255, 255, 255}
	black    = rgb{0, 0, 0}
	darkText = rgb{0x0A, 0x0B, 0x0D} // Mesh's dark-theme button text
)

func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// textColor is the color of text on the background bg.
func textColor(bg string) string {
	c := parseColor(bg)
	if contrast(white, c) >= contrast(darkText, c) {
		return white.String()
	}
	return darkText.String()
}

// hoverColor is the button color under the pointer: 8% darker.
func hoverColor(c string) string {
	return parseColor(c).mix(black, 0.08).String()
}

// darkVariant is the default dark-theme color of a brand color: dark brand
// colors would vanish on a dark background, so they are tinted towards white.
func darkVariant(c string) string {
	col := parseColor(c)
	if col.luminance() >= 0.18 {
		return c
	}
	return col.mix(white, 0.35).String()
}
