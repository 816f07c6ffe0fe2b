// dts.mjs is a small reader of @meshconnect/node-api's api.d.ts: the interfaces and
// string-literal unions that describe its answers, so that the e2e scripts check linkd's
// answers against the package's own contract (compat.mjs, afterlink.mjs).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dts = readFileSync(require.resolve('@meshconnect/node-api/cjs/api.d.ts'), 'utf8');

/** unionOf returns the members of `export type NAME = 'a' | 'b' ...;`. */
export function unionOf(name) {
  const m = dts.match(new RegExp(`^export type ${name} = ([^;]+);`, 'm'));
  if (!m) throw new Error(`api.d.ts has no type ${name}`);
  return literals(m[1]);
}

function literals(text) {
  const parts = text.split('|').map((s) => s.trim());
  if (!parts.every((p) => /^'[^']*'$/.test(p))) return null;
  return parts.map((p) => p.slice(1, -1));
}

/** fieldsOf returns the properties of `export interface NAME {...}`: name → type text. */
export function fieldsOf(name) {
  const start = dts.search(new RegExp(`^export interface ${name} \\{`, 'm'));
  if (start < 0) throw new Error(`api.d.ts has no interface ${name}`);
  const body = dts.slice(start, dts.indexOf('\n}', start));
  const fields = {};
  for (const m of body.matchAll(/^ {4}(?:readonly )?(\w+)\??: (.+);$/gm)) fields[m[1]] = m[2];
  return fields;
}

/**
 * typeProblem checks value against a type text of api.d.ts ("string | null",
 * "BrokerType[]", "'evm' | 'solana'", an interface name) and returns what is wrong, or "".
 */
export function typeProblem(value, type, path) {
  const alts = splitTop(type);
  if (alts.includes('null') && value === null) return '';
  if (alts.includes('any')) return '';
  const nonNull = alts.filter((a) => a !== 'null');
  const lits = literals(nonNull.join(' | '));
  if (lits) return lits.includes(value) ? '' : `${path}: ${JSON.stringify(value)} is not one of the ${lits.length} values of ${type.slice(0, 60)}…`;
  const problems = nonNull.map((t) => oneTypeProblem(value, t, path));
  return problems.includes('') ? '' : problems[0];
}

function splitTop(type) {
  const out = [];
  let depth = 0, cur = '';
  for (const ch of type) {
    if (ch === '(' || ch === '{' || ch === '<') depth++;
    if (ch === ')' || ch === '}' || ch === '>') depth--;
    if (ch === '|' && depth === 0) { out.push(cur.trim()); cur = ''; continue; }
    cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function oneTypeProblem(value, t, path) {
  if (t.endsWith('[]')) {
    if (!Array.isArray(value)) return `${path}: want an array (${t}), got ${JSON.stringify(value)}`;
    for (let i = 0; i < value.length; i++) {
      const p = typeProblem(value[i], t.slice(0, -2).replace(/^\((.*)\)$/, '$1'), `${path}[${i}]`);
      if (p) return p;
    }
    return '';
  }
  switch (t) {
    case 'string': case 'number': case 'boolean':
      return typeof value === t ? '' : `${path}: want ${t}, got ${JSON.stringify(value)}`;
  }
  if (new RegExp(`^export type ${t} = `, 'm').test(dts)) {
    const members = unionOf(t);
    if (members) return members.includes(value) ? '' : `${path}: ${JSON.stringify(value)} is not a ${t}`;
  }
  if (new RegExp(`^export interface ${t} \\{`, 'm').test(dts)) return shapeProblems(value, t, path)[0] || '';
  return `${path}: cannot check type ${t}`;
}

/**
 * shapeProblems checks an object against interface NAME: every property the interface
 * declares must be present (linkd answers null where it has nothing, rather than omitting
 * the member), with a value of its declared type. Extra members are allowed.
 */
export function shapeProblems(value, name, path) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: want a ${name} object, got ${JSON.stringify(value)}`];
  const problems = [];
  for (const [field, type] of Object.entries(fieldsOf(name))) {
    if (!(field in value)) { problems.push(`${path}.${field}: missing (${name} declares it)`); continue; }
    const p = typeProblem(value[field], type, `${path}.${field}`);
    if (p) problems.push(p);
  }
  return problems;
}



/** mustEnv returns an environment variable, or prints a failed result and exits. */
export function mustEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.log(JSON.stringify({ ok: false, failures: [`${name} is not set`], results: {} }));
    process.exit(2);
  }
  return v;
}

/**
 * checks returns a list of failures and the checks that add to it: a condition, a shape
 * against api.d.ts, the ApiResult envelope of a 200 answer, and a call that must fail
 * (it returns the axios error's response).
 */
export function checks() {
  const failures = [];
  const check = (cond, what) => {
    if (!cond) failures.push(what);
    return !!cond;
  };
  const checkShape = (value, name, path) => {
    for (const p of shapeProblems(value, name, path)) failures.push(p);
  };
  const checkOkEnvelope = (res, name) => {
    check(res.status === 200, `${name}: HTTP ${res.status}, want 200`);
    check(/^application\/json/.test(res.headers['content-type'] || ''), `${name}: Content-Type ${res.headers['content-type']}, want application/json`);
    const d = res.data;
    check(d && d.status === 'ok', `${name}: status ${d && d.status}, want ok`);
    check(d && d.message === '', `${name}: message ${JSON.stringify(d && d.message)}, want ""`);
    check(d && d.displayMessage === null, `${name}: displayMessage ${JSON.stringify(d && d.displayMessage)}, want null`);
    check(d && d.errorType === null, `${name}: errorType ${JSON.stringify(d && d.errorType)}, want null`);
  };
  const apiError = async (name, call) => {
    try {
      const res = await call();
      failures.push(`${name}: succeeded with HTTP ${res.status}, want an error`);
      return null;
    } catch (err) {
      if (!err.response) {
        failures.push(`${name}: no HTTP answer: ${err.message}`);
        return null;
      }
      return err.response;
    }
  };
  return { failures, check, checkShape, checkOkEnvelope, apiError };
}

/**
 * report runs main, counts an exception as a failure, and prints the result line
 * {"ok", "failures", "results"}; the exit status is 1 if anything failed.
 */
export async function report(main, failures, results) {
  try {
    await main();
  } catch (err) {
    const detail = err.response ? ` (HTTP ${err.response.status} ${JSON.stringify(err.response.data)})` : '';
    failures.push(`unexpected error: ${err.stack || err}${detail}`);
  }
  console.log(JSON.stringify({ ok: failures.length === 0, failures, results }));
  process.exitCode = failures.length === 0 ? 0 : 1;
}
