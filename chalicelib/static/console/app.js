// The console's shell: configuration, sign-in, navigation and the hash router.
// Pages live in keys.js, groups.js and audit.js; each gets a context (``ctx``) with the
// caller's identity and permissions from GET /v1/me, never a module-level global.

import { ApiError, signedIn } from './api.js';
import { finishSingleSignOn, returningFromIssuer, signInWithKey, signOut, startSingleSignOn } from './auth.js';
import { audit, forgetAuditFilters } from './audit.js';
import { announce, append, h } from './dom.js';
import { errorSummary, field, input, problemMessage, showErrors } from './forms.js';
import { groups } from './groups.js';
import { forgetKeyFilters, generatePage, keyDetail, keyList } from './keys.js';
import { language, t } from './strings.js';

const main = document.getElementById('main');
let config = { product_name: 'Latchkey', logo_url: null, oidc: null };
let me = null;
// Which page is on screen: every navigation and every sign-out takes the next number. A
// page whose answers arrive after the person moved on (or signed out) paints nothing.
let shown = 0;

function setTitle(title) {
  document.title = `${title} – ${config.product_name}`;
}

function page(title, ...children) {
  setTitle(title);
  const heading = h('h1', { class: 'page__title', tabindex: '-1' }, title);
  main.replaceChildren(heading);
  append(main, children);
  return heading;
}

function context(generation) {
  const current = () => generation === shown && me !== null;
  return {
    me,
    canManage: me.permissions.includes('keys:manage'),
    // Both paint only while this page is still the one shown.
    page: (...args) => (current() ? page(...args) : null),
    fail: (error) => { if (current()) fail(error); },
    current,
    main,
    navigate: (hash) => { location.hash = hash; },
    reload: () => route(),
  };
}

/** What every page does with an error it cannot show better: 401 ends the session. */
function fail(error) {
  if (error instanceof ApiError && error.status === 401) {
    leave('signIn.expired');
    return;
  }
  const text = error instanceof ApiError ? problemMessage(error) : t('error.generic', { status: 0 });
  main.append(h('div', { class: 'notice notice--error', role: 'alert' }, text));
}

function referencePage() {
  page(t('ref.title'),
    h('p', { class: 'lead' }, t('ref.lead')),
    referenceLinks(),
    h('p', {}, t('ref.header')));
}

/** Swagger UI and the two schema downloads, as the product pages place them. */
export function referenceLinks() {
  return h('ul', { class: 'reference' },
    h('li', {}, h('a', { href: 'docs' }, t('ref.swagger')), ` – ${t('ref.swaggerHint')}`),
    h('li', {}, h('a', { href: 'openapi.json', download: 'openapi.json' }, t('ref.json')), ` – ${t('ref.jsonHint')}`),
    h('li', {}, h('a', { href: 'openapi.yaml', download: 'openapi.yaml' }, t('ref.yaml')), ` – ${t('ref.yamlHint')}`));
}

const ROUTES = [
  [/^#?\/?(keys)?$/, (ctx) => keyList(ctx)],
  [/^#\/keys\/new$/, (ctx) => generatePage(ctx)],
  [/^#\/keys\/([A-Za-z0-9_-]+)$/, (ctx, id) => keyDetail(ctx, id)],
  [/^#\/groups$/, (ctx) => groups(ctx)],
  [/^#\/audit$/, (ctx) => audit(ctx)],
  [/^#\/reference$/, () => referencePage()],
];

function currentSection() {
  const hash = location.hash;
  if (hash.startsWith('#/groups')) return 'groups';
  if (hash.startsWith('#/audit')) return 'audit';
  if (hash.startsWith('#/reference')) return 'reference';
  return 'keys';
}

function renderNav() {
  const nav = document.getElementById('nav');
  const section = currentSection();
  const link = (name, hash) => h('li', {}, h('a', {
    class: 'nav__link', href: hash, 'aria-current': section === name ? 'page' : null,
  }, t(`nav.${name}`)));
  nav.setAttribute('aria-label', t('nav.label'));
  nav.replaceChildren(h('ul', { class: 'nav__list' },
    link('keys', '#/keys'), link('groups', '#/groups'), link('audit', '#/audit'), link('reference', '#/reference')));
  nav.hidden = false;
  const account = document.getElementById('account');
  account.replaceChildren();
  append(account, [
    h('span', { class: 'account__name' }, t('account.as', { name: me.actor.name })),
    me.permissions.includes('keys:manage') ? null : h('span', { class: 'badge badge--neutral' }, t('account.readOnly')),
    h('button', { type: 'button', class: 'button button--secondary button--small', onclick: () => leave('signIn.signedOut') }, t('account.signOut'))]);
}

async function route() {
  if (!signedIn() || !me) return;
  const hash = location.hash;
  if (hash && !hash.startsWith('#/')) return; // the skip link's #main
  renderNav();
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(hash);
    if (match) {
      shown += 1;
      const generation = shown;
      main.replaceChildren(h('p', { class: 'hint' }, t('common.loading')));
      try {
        await render(context(generation), match[1]);
      } catch (error) {
        if (generation !== shown) return;
        main.replaceChildren();
        fail(error);
      }
      if (generation === shown) main.querySelector('h1')?.focus();
      return;
    }
  }
  location.hash = '#/keys';
}

function leave(reason) {
  signOut();
  me = null;
  shown += 1; // whatever is still loading belongs to the person who left
  forgetKeyFilters();
  forgetAuditFilters();
  document.getElementById('nav').hidden = true;
  document.getElementById('nav').replaceChildren();
  document.getElementById('account').replaceChildren();
  history.replaceState(null, '', location.pathname);
  signInPage(reason);
}

async function enter(identity) {
  me = identity;
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', `${location.pathname}#/keys`);
  await route();
}

function signInPage(notice) {
  const key = input('key', { type: 'password', autocomplete: 'off', spellcheck: 'false', class: 'input input--mono' });
  const form = h('form', { class: 'form', novalidate: true }, errorSummary(),
    field({ label: t('signIn.key'), hint: t('signIn.keyHint'), control: key }),
    h('button', { type: 'submit', class: 'button' }, t('signIn.submit')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!value) return showErrors(form, [{ field: 'key', message: t('signIn.keyMissing') }]);
    try {
      const identity = await signInWithKey(value);
      key.value = '';
      await enter(identity);
    } catch (error) {
      const message = error instanceof ApiError && error.status === 403 ? t('signIn.forbidden') : t('signIn.keyRefused');
      showErrors(form, [{ field: 'key', message: error.code === 'network' ? t('error.network') : message }]);
    }
    return undefined;
  });
  const sso = config.oidc ? h('section', { class: 'panel', 'aria-labelledby': 'sso-title' },
    h('h2', { class: 'panel__title', id: 'sso-title' }, t('signIn.sso')),
    h('p', { class: 'hint' }, t('signIn.ssoHint')),
    h('button', { type: 'button', class: 'button', onclick: () => startSingleSignOn(config.oidc).catch(() => signInPage('signIn.ssoFailed')) }, t('signIn.sso'))) : null;
  page(t('signIn.title'),
    notice ? h('div', { class: notice === 'signIn.signedOut' ? 'notice' : 'notice notice--error', role: 'status' }, t(notice)) : null,
    h('p', { class: 'lead' }, t('signIn.lead')),
    h('div', { class: 'sign-in' }, sso,
      h('section', { class: 'panel', 'aria-labelledby': 'key-title' },
        h('h2', { class: 'panel__title', id: 'key-title' }, config.oidc ? t('signIn.or') : t('signIn.key')),
        form)));
  if (notice) announce(t(notice));
}

function brand() {
  document.documentElement.lang = language;
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('brand-name').textContent = config.product_name;
  const logo = document.getElementById('brand-logo');
  if (config.logo_url) {
    logo.src = config.logo_url;
    logo.hidden = false;
  }
}

async function start() {
  try {
    const response = await fetch('console/config.json', { credentials: 'omit' });
    if (response.ok) config = await response.json();
  } catch {
    // The defaults still offer the key sign-in.
  }
  brand();
  window.addEventListener('hashchange', route);
  if (config.oidc && returningFromIssuer()) {
    try {
      return await enter(await finishSingleSignOn(config.oidc));
    } catch {
      return signInPage('signIn.ssoFailed');
    }
  }
  return signInPage(null);
}

start();
