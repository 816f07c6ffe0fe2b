// Number, money and address formatting (Intl, in the page's language).

let locale = 'en';
let currency = 'USD';
let fiatFmt = null;
let fiatFmt0 = null;

export function setFormat(loc, cur) {
  try {
    locale = Intl.getCanonicalLocales(loc)[0] || 'en';
  } catch {
    locale = 'en';
  }
  // Prices come from the institution in USD and linkd has no exchange rates, so amounts
  // are shown in USD whatever the SDK's displayFiatCurrency (fiatCur) asks: showing a
  // dollar amount with a euro sign would be wrong money on screen.
  currency = 'USD';
  void cur;
  fiatFmt = new Intl.NumberFormat(locale, { style: 'currency', currency });
  fiatFmt0 = new Intl.NumberFormat(locale, { style: 'currency', currency, maximumFractionDigits: 6 });
}

export function fiatCurrency() {
  return currency;
}

// fiat formats a value in the display currency; tiny non-zero values keep their digits.
export function fiat(v) {
  const n = Number(v) || 0;
  if (n !== 0 && Math.abs(n) < 0.01) return fiatFmt0.format(n);
  return fiatFmt.format(n);
}

export function number(v, maxDigits = 8) {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: maxDigits }).format(Number(v) || 0);
}

export function crypto(v, symbol) {
  return `${number(v)} ${symbol}`;
}

// shortAddress keeps the start and the end of an address or hash.
export function shortAddress(a, head = 6, tail = 4) {
  if (typeof a !== 'string') return '';
  return a.length > head + tail + 1 ? `${a.slice(0, head)}…${a.slice(-tail)}` : a;
}

// parseAmount reads a decimal typed by a person: "1.5", "1,5", "1,234.5", "1.234,5".
export function parseAmount(s) {
  let t = String(s || '').trim().replace(/[\s\u00a0'_]/g, '');
  if (t === '' || !/^[0-9.,]+$/.test(t)) return NaN;
  const lastDot = t.lastIndexOf('.');
  const lastComma = t.lastIndexOf(',');
  const dec = Math.max(lastDot, lastComma);
  if (lastDot >= 0 && lastComma >= 0) {
    t = t.slice(0, dec).replace(/[.,]/g, '') + '.' + t.slice(dec + 1);
  } else if (lastComma >= 0) {
    t = (t.split(',').length > 2 ? t.replace(/,/g, '') : t.replace(',', '.'));
  } else if (t.split('.').length > 2) {
    t = t.replace(/\./g, '');
  }
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

// round8 rounds to the 8 decimals amounts are kept in.
export function round8(v) {
  return Math.round(v * 1e8) / 1e8;
}
