// Signing in: an admin key pasted into a form, or OpenID Connect's authorization code flow
// with PKCE against the configured issuer. The ID token is what the API accepts.
// Only the PKCE verifier, state and nonce cross the redirect, in sessionStorage, and are
// removed as soon as the code is exchanged; no token or key is ever stored. The ID token
// must carry this sign-in's nonce: a token minted for another sign-in (injected into the
// redirect, or replayed) is refused before the page uses it.

import { api, setCredential } from './api.js';

const PENDING = 'latchkey.console.pkce';

function base64url(bytes) {
  let text = '';
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(length) {
  return base64url(crypto.getRandomValues(new Uint8Array(length)));
}

async function discover(issuer) {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`, { credentials: 'omit' });
  if (!response.ok) throw new Error('discovery failed');
  return response.json();
}

/** The ``nonce`` claim of a JWT, or null. Its signature is the API's to check, on every
 * call; the page only needs to know the token was minted for this sign-in. */
function nonceOf(token) {
  try {
    const payload = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')));
    return typeof claims.nonce === 'string' ? claims.nonce : null;
  } catch {
    return null;
  }
}

function redirectUri() {
  return `${location.origin}${location.pathname}`;
}

/** Signs in with a key: kept only if ``GET /v1/me`` accepts it. */
export async function signInWithKey(value) {
  setCredential({ type: 'key', value });
  try {
    return await api('GET', 'v1/me');
  } catch (error) {
    setCredential(null);
    throw error;
  }
}

/** Leaves for the issuer's sign-in page. */
export async function startSingleSignOn(oidc) {
  const metadata = await discover(oidc.issuer);
  const verifier = random(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const state = random(16);
  const nonce = random(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, nonce, hash: location.hash }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: base64url(digest),
    code_challenge_method: 'S256',
  });
  location.assign(`${metadata.authorization_endpoint}?${params}`);
}

/** True when this page load is the issuer's redirect back (with a code or an error). */
export function returningFromIssuer() {
  const params = new URLSearchParams(location.search);
  return params.has('state') && (params.has('code') || params.has('error'));
}

/** Exchanges the code for an ID token and signs in with it; returns ``GET /v1/me``. */
export async function finishSingleSignOn(oidc) {
  const params = new URLSearchParams(location.search);
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
  sessionStorage.removeItem(PENDING);
  // The code leaves the address bar (and the history) at once.
  history.replaceState(null, '', `${location.pathname}${pending?.hash || ''}`);
  if (!pending || params.get('state') !== pending.state || !params.get('code')) {
    throw new Error('sign-in did not complete');
  }
  const metadata = await discover(oidc.issuer);
  const response = await fetch(metadata.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code'),
      redirect_uri: redirectUri(),
      client_id: oidc.client_id,
      code_verifier: pending.verifier,
    }),
    credentials: 'omit',
  });
  if (!response.ok) throw new Error('code exchange failed');
  const tokens = await response.json();
  if (!pending.nonce || nonceOf(tokens.id_token) !== pending.nonce) throw new Error('sign-in did not complete');
  setCredential({ type: 'bearer', value: tokens.id_token });
  try {
    return await api('GET', 'v1/me');
  } catch (error) {
    setCredential(null);
    throw error;
  }
}

export function signOut() {
  setCredential(null);
  sessionStorage.removeItem(PENDING);
}
