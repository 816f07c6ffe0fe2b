// The page's parameters. The link token's URL is <public>/link/<clientId>#c=<code>; the
// SDK appends "?lng=…&fiatCur=…&th=…&rt=embedded" to the end of that string, so they land
// inside the fragment: "#c=CODE?lng=en&th=dark". Parameters are read from the fragment
// (both sides of its first "?") and from the query string.

export function parseLocation(loc = window.location) {
  const hash = loc.hash.startsWith('#') ? loc.hash.slice(1) : loc.hash;
  const q = hash.indexOf('?');
  const head = new URLSearchParams(q >= 0 ? hash.slice(0, q) : hash);
  const tail = new URLSearchParams(q >= 0 ? hash.slice(q + 1) : '');
  const all = new URLSearchParams(loc.search);
  for (const src of [head, tail]) {
    for (const [k, v] of src) {
      if (k !== 'c') all.set(k, v);
    }
  }
  const code = head.get('c') || tail.get('c') || '';
  const theme = (all.get('th') || all.get('theme') || '').toLowerCase();
  return {
    code,
    lng: all.get('lng') || all.get('language') || '',
    fiatCur: (all.get('fiatCur') || '').toUpperCase(),
    theme: ['light', 'dark', 'system'].includes(theme) ? theme : 'light',
    embedded: all.get('rt') === 'embedded' || all.get('renderType') === 'embedded',
    // fragmentWithoutCode is the fragment to leave in the address bar: every parameter
    // but the code.
    fragmentWithoutCode: (() => {
      const f = new URLSearchParams();
      for (const src of [head, tail]) for (const [k, v] of src) if (k !== 'c') f.set(k, v);
      const s = f.toString();
      return s ? '#' + s : '';
    })(),
  };
}

// forgetCode removes the code from the address bar (and from the history entry), keeping
// the other parameters.
export function forgetCode(p, loc = window.location) {
  try {
    window.history.replaceState(window.history.state, '', loc.pathname + loc.search + p.fragmentWithoutCode);
  } catch {
    // A sandboxed or detached document: nothing to clean.
  }
}
