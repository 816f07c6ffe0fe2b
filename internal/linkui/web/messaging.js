// Messaging with the embedding page, locked to one origin.
//
// The page talks to its parent only when it is framed by an origin the client registered
// (config.origins). Every message targets that exact origin; incoming messages are
// accepted only from the parent window and that origin.
import { ALLOWED_TYPES } from './events.js';

let target = null; // the parent's exact origin, once it is known to be allowed

// isOrigin reports whether s is a serialized http(s) origin (scheme://host[:port]).
function isOrigin(s) {
  if (typeof s !== 'string' || s === '' || s === 'null') return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
  } catch {
    return false;
  }
}

// framed reports whether the page runs inside another page.
export function framed() {
  try {
    return window.parent !== window;
  } catch {
    return true;
  }
}

// parentOrigin is the origin of the embedding page as the browser reports it:
// location.ancestorOrigins where available, else the origin of document.referrer.
export function parentOrigin() {
  const ao = window.location.ancestorOrigins;
  if (ao && ao.length > 0) return ao[0];
  if (document.referrer) {
    try {
      return new URL(document.referrer).origin;
    } catch {
      return '';
    }
  }
  return '';
}

// lock decides whether the parent may be talked to: its origin must be exactly one of
// allowed. It returns the origin, or null (and then nothing is ever posted).
export function lock(allowed) {
  const o = parentOrigin();
  if (!isOrigin(o) || !Array.isArray(allowed) || !allowed.includes(o)) return null;
  target = o;
  return o;
}

// connected reports whether messages go anywhere.
export function connected() {
  return target !== null;
}

// post sends {type, payload} to the parent. Types outside ALLOWED_TYPES are refused.
export function post(type, payload) {
  if (!ALLOWED_TYPES.has(type)) {
    console.error(`linkd: refusing to post unknown message type ${type}`);
    return false;
  }
  if (target === null || !isOrigin(target)) return false;
  const msg = payload === undefined ? { type } : { type, payload: plain(payload) };
  window.parent.postMessage(msg, target);
  return true;
}

// plain drops undefined members and anything not JSON (functions, DOM nodes) so that the
// payload is exactly what its JSON shows.
function plain(v) {
  return JSON.parse(JSON.stringify(v));
}

// listen calls handlers[type](payload) for messages from the parent.
export function listen(handlers) {
  window.addEventListener('message', (e) => {
    if (target === null || e.source !== window.parent || e.origin !== target) return;
    const d = e.data;
    if (!d || typeof d !== 'object' || typeof d.type !== 'string') return;
    const fn = Object.prototype.hasOwnProperty.call(handlers, d.type) ? handlers[d.type] : null;
    if (fn) fn(d.payload);
  });
}
