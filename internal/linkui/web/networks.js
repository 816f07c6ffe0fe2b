// Network names for the screens, from the session (GET /link/api/session and the
// redemption answer carry the catalog's networks), and the wallet's own addresses, from
// the chosen integration's catalog entry (walletAddresses).
import { state } from './core.js';

export function networks() {
  return (state.session && state.session.networks) || [];
}

export function networkById(id) {
  const k = String(id || '').toLowerCase();
  return networks().find((n) => n.id === k) || null;
}

// walletAddress is the chosen wallet's own address on a network type, if it has one.
export function walletAddress(integration, networkType) {
  return (integration && integration.walletAddresses && integration.walletAddresses[networkType]) || null;
}
