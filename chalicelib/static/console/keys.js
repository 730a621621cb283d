// The keys pages: the list (filters, usage, actions), the generate form, the edit, rotate
// and revoke dialogs, and a key's detail page with its usage chart and audit events.

import { allGroups, api, ApiError, query } from './api.js';
import { eventsTable } from './audit.js';
import { usageChart } from './chart.js';
import { confirmDialog, openDialog, showSecret } from './dialogs.js';
import { changeAskingFirst, NotConfirmed } from './lockout.js';
import { announce, badge, h, iconButton } from './dom.js';
import { clearErrors, endOfDay, errorSummary, errorsFor, field, input, problemMessage, select, showErrors, textarea } from './forms.js';
import { formatDate, formatTime, t } from './strings.js';

const PAGE_SIZE = 20;
const GRACE_PERIODS = [0, 900, 3600, 21600, 86400];
const list = { status: '', expiry: '', cursors: [null], page: 0 };

/** On sign-out: the next person starts with no filter and on the first page. */
export function forgetKeyFilters() {
  Object.assign(list, { status: '', expiry: '', cursors: [null], page: 0 });
}

function statusBadge(key) {
  return badge(key.status, t(`status.${key.status}`));
}

function expiryBadge(key) {
  return badge(key.expiry_state.replace('_', '-'), t(`expiry.${key.expiry_state}`));
}

function groupName(key) {
  return key.group.name ?? t('key.deletedGroup');
}

function actionsFor(ctx, key, done) {
  if (!ctx.canManage || key.status !== 'active') return null;
  return h('div', { class: 'actions' },
    iconButton('edit', t('key.edit', { name: key.name }), () => openEdit(key, done, ctx.current)),
    key.expiry_state === 'expired' ? null : iconButton('rotate', t('key.rotate', { name: key.name }), () => openRotate(key, done)),
    iconButton('revoke', t('key.revoke', { name: key.name }), () => openRevoke(key, done), true));
}

function when(iso) {
  return h('time', { datetime: iso, title: formatTime(iso) }, formatDate(iso));
}

function row(ctx, key) {
  return h('tr', {},
    h('th', { scope: 'row' },
      h('a', { href: `#/keys/${key.id}` }, key.name),
      h('span', { class: 'mono hint' }, `${key.hint}…`)),
    h('td', {}, statusBadge(key)),
    h('td', {}, expiryBadge(key)),
    h('td', {}, groupName(key)),
    h('td', { class: 'nowrap' }, key.expires_at ? when(key.expires_at) : t('common.never')),
    h('td', {}, h('span', { class: 'cell-main' }, key.created_by.name), h('span', { class: 'hint nowrap' }, when(key.created_at))),
    h('td', { class: 'nowrap' }, key.last_used_at ? when(key.last_used_at) : t('common.never')),
    h('td', {}, actionsFor(ctx, key, () => ctx.reload())));
}

function keysTable(ctx, keys) {
  const headers = ['col.name', 'col.status', 'col.expiry', 'col.group', 'col.expiresAt', 'col.created', 'col.lastUsed', 'col.actions'];
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, t('keys.caption')),
      h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, t(name))))),
      h('tbody', {}, keys.map((key) => row(ctx, key)))));
}

function filters(ctx) {
  const status = select('status', [['', t('keys.allStatuses')], ['active', t('status.active')], ['revoked', t('status.revoked')]], list.status);
  const expiry = select('expiry', [['', t('keys.allExpiry')], ['valid', t('expiry.valid')], ['expiring_soon', t('expiry.expiring_soon')], ['expired', t('expiry.expired')]], list.expiry);
  const apply = () => {
    list.status = status.value;
    list.expiry = expiry.value;
    list.cursors = [null];
    list.page = 0;
    ctx.reload();
  };
  status.addEventListener('change', apply);
  expiry.addEventListener('change', apply);
  return h('form', { class: 'filters', role: 'search', 'aria-label': t('keys.filters') },
    field({ label: t('keys.status'), control: status }),
    field({ label: t('keys.expiry'), control: expiry }));
}

function pagination(ctx, nextCursor) {
  const go = (page) => {
    list.page = page;
    ctx.reload();
  };
  const previous = list.page > 0 ? h('button', { type: 'button', class: 'button button--secondary', onclick: () => go(list.page - 1) }, t('common.previous')) : null;
  let next = null;
  if (nextCursor) {
    next = h('button', { type: 'button', class: 'button button--secondary', onclick: () => {
      list.cursors[list.page + 1] = nextCursor;
      go(list.page + 1);
    } }, t('common.next'));
  }
  return previous || next ? h('nav', { class: 'pagination', 'aria-label': t('common.pages') }, previous, next) : null;
}

function header(ctx, usage) {
  const atLimit = usage.used >= usage.limit;
  const reasonId = 'limit-reason';
  const generate = ctx.canManage ? h('button', {
    type: 'button', class: 'button', disabled: atLimit, 'aria-describedby': atLimit ? reasonId : null,
    onclick: () => ctx.navigate('#/keys/new'),
  }, t('keys.generate')) : null;
  return [
    h('div', { class: 'page__bar' },
      h('p', { class: 'usage' },
        h('span', { class: 'visually-hidden' }, `${t('keys.usageLabel')}: `),
        h('strong', { id: 'key-usage' }, t('keys.usage', usage))),
      generate),
    ctx.canManage && atLimit ? h('p', { class: 'notice notice--warning', id: reasonId }, t('keys.limitReached', usage)) : null,
  ];
}

/** ``#/keys``: the tenant's keys, newest first. */
export async function keyList(ctx) {
  const answer = await api('GET', `v1/keys${query({ status: list.status, expiry: list.expiry, limit: PAGE_SIZE, cursor: list.cursors[list.page] })}`);
  const filtered = list.status || list.expiry;
  ctx.page(t('keys.title'),
    h('p', { class: 'lead' }, t('keys.lead')),
    header(ctx, answer.key_usage),
    h('nav', { class: 'reference-bar', 'aria-label': t('nav.reference') },
      h('a', { href: 'docs' }, t('ref.swagger')),
      h('a', { href: 'openapi.json', download: 'openapi.json' }, t('ref.json')),
      h('a', { href: 'openapi.yaml', download: 'openapi.yaml' }, t('ref.yaml'))),
    filters(ctx),
    answer.keys.length ? keysTable(ctx, answer.keys) : h('p', { class: 'empty' }, filtered ? t('keys.empty') : t('keys.emptyAll')),
    pagination(ctx, answer.next_cursor));
}

function groupOptions(groups) {
  return [['', t('form.groupChoose')], ...groups.map((group) => [group.id, group.name])];
}

/** The fields generate and edit share. */
function keyFields(groups, key = null) {
  const controls = {
    name: input('name', { value: key?.name ?? '', autocomplete: 'off' }),
    description: textarea('description'),
    group_id: select('group_id', groupOptions(groups), key?.group.id ?? ''),
    ip_allowlist: textarea('ip_allowlist', { class: 'textarea input--mono', spellcheck: 'false' }),
  };
  controls.description.value = key?.description ?? '';
  controls.ip_allowlist.value = (key?.ip_allowlist ?? []).join('\n');
  return controls;
}

const WORDS = { name: 'field.name' };
const KNOWN = {
  not_found: { field: 'group_id', message: t('field.group_id') },
  key_limit_reached: { field: null, message: t('limit.reached') },
};

/** ``#/keys/new``: the generate form; the secret modal follows. */
export async function generatePage(ctx) {
  if (!ctx.canManage) return ctx.navigate('#/keys');
  const groups = await allGroups();
  const c = keyFields(groups);
  const expires = input('expires_at', { type: 'date' });
  const form = h('form', { class: 'form form--page', novalidate: true }, errorSummary(),
    h('fieldset', { class: 'fieldset' },
      h('legend', { class: 'fieldset__legend' }, t('generate.section')),
      field({ label: t('form.name'), hint: t('form.nameHint'), control: c.name }),
      field({ label: t('form.description'), hint: t('form.descriptionHint'), control: c.description, optional: true }),
      field({ label: t('form.group'), hint: t('form.groupHint'), control: c.group_id }),
      field({ label: t('form.expiry'), hint: t('form.expiryHint'), control: expires, optional: true }),
      field({ label: t('form.allowlist'), hint: t('form.allowlistHint'), control: c.ip_allowlist, optional: true })),
    h('div', { class: 'form__actions' },
      h('button', { type: 'submit', class: 'button' }, t('generate.submit')),
      h('a', { class: 'button button--secondary', href: '#/keys' }, t('common.cancel'))));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const body = { name: c.name.value, description: c.description.value, group_id: c.group_id.value };
    if (expires.value) body.expires_at = endOfDay(expires.value);
    if (c.ip_allowlist.value.trim()) body.ip_allowlist = c.ip_allowlist.value;
    let made;
    try {
      made = await api('POST', 'v1/keys', body);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return ctx.fail(error);
      return showErrors(form, errorsFor(error, WORDS, KNOWN));
    }
    form.reset();
    await showSecret(made.secret, made.key.name);
    made = null;
    ctx.navigate('#/keys');
    return undefined;
  });
  ctx.page(t('generate.title'), h('p', { class: 'lead' }, t('generate.lead')), form);
}

/** Sends only what changed, so the audit trail records only real edits. */
function changes(key, c) {
  const sent = {};
  if (c.name.value !== key.name) sent.name = c.name.value;
  if (c.description.value !== key.description) sent.description = c.description.value;
  if (c.group_id.value !== key.group.id) sent.group_id = c.group_id.value;
  const allowlist = c.ip_allowlist.value.trim();
  if (allowlist !== key.ip_allowlist.join('\n')) sent.ip_allowlist = allowlist;
  return sent;
}

/** The edit dialog (pencil): name, description, group, IP allowlist; expiry read only.
 * ``current`` says whether the page that asked is still shown once the groups arrive. */
export async function openEdit(key, done, current = () => true) {
  const groups = await allGroups();
  if (!current()) return;
  const c = keyFields(groups, key);
  openDialog({
    title: t('edit.title'),
    build: (close) => {
      const form = h('form', { class: 'form', novalidate: true }, errorSummary(),
        field({ label: t('form.name'), hint: t('form.nameHint'), control: c.name }),
        field({ label: t('form.description'), hint: t('form.descriptionHint'), control: c.description, optional: true }),
        field({ label: t('form.group'), hint: t('form.groupHint'), control: c.group_id }),
        field({ label: t('form.allowlist'), hint: t('form.allowlistHint'), control: c.ip_allowlist, optional: true }),
        h('div', { class: 'readonly' },
          h('p', { class: 'label' }, t('form.expiryReadOnly')),
          h('p', {}, key.expires_at ? formatTime(key.expires_at) : t('common.never')),
          h('p', { class: 'hint' }, t('form.expiryRotate'))),
        h('div', { class: 'dialog__actions' },
          h('button', { type: 'submit', class: 'button' }, t('common.save')),
          h('button', { type: 'button', class: 'button button--secondary', onclick: close }, t('common.cancel'))));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        try {
          await changeAskingFirst('PATCH', `v1/keys/${key.id}`, changes(key, c));
        } catch (error) {
          if (error instanceof NotConfirmed) return undefined; // the form stays as it was
          return showErrors(form, errorsFor(error, WORDS, KNOWN));
        }
        close();
        announce(t('edit.saved', { name: c.name.value }));
        done();
        return undefined;
      });
      return form;
    },
  });
}

function rotationWarning(seconds) {
  return seconds === 0 ? t('rotate.now') : t('rotate.later', { period: t(`grace.${seconds}`) });
}

/** The rotate confirmation: grace period, optional new expiry, then the secret modal. */
export function openRotate(key, done) {
  const grace = select('grace_period_seconds', GRACE_PERIODS.map((s) => [String(s), t(`grace.${s}`)]), '0');
  const expires = input('expires_at', { type: 'date' });
  const warning = h('p', { class: 'warning', role: 'status' }, h('strong', {}, rotationWarning(0)));
  grace.addEventListener('change', () => {
    warning.replaceChildren(h('strong', {}, rotationWarning(Number(grace.value))));
  });
  openDialog({
    title: t('rotate.title', { name: key.name }),
    build: (close) => {
      const form = h('form', { class: 'form', novalidate: true }, errorSummary(), warning,
        h('p', {}, t('rotate.keep')),
        field({ label: t('rotate.grace'), hint: t('rotate.graceHint'), control: grace }),
        field({ label: t('rotate.expiry'), hint: t('rotate.expiryHint'), control: expires, optional: true }),
        h('div', { class: 'dialog__actions' },
          h('button', { type: 'submit', class: 'button button--danger' }, t('rotate.submit')),
          h('button', { type: 'button', class: 'button button--secondary', onclick: close }, t('common.cancel'))));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = { grace_period_seconds: Number(grace.value) };
        if (expires.value) body.expires_at = endOfDay(expires.value);
        let made;
        try {
          made = await api('POST', `v1/keys/${key.id}/rotate`, body);
        } catch (error) {
          return showErrors(form, errorsFor(error, WORDS, KNOWN));
        }
        close();
        await showSecret(made.secret, made.key.name);
        made = null;
        done();
        return undefined;
      });
      return form;
    },
  });
}

/** The revoke confirmation, in the product pages' words. */
export function openRevoke(key, done) {
  confirmDialog({
    title: t('revoke.title'),
    body: h('p', {}, t('revoke.body', { name: key.name })),
    confirmLabel: t('revoke.submit'),
    danger: true,
    onConfirm: async () => {
      try {
        await changeAskingFirst('POST', `v1/keys/${key.id}/revoke`);
      } catch (error) {
        throw error instanceof NotConfirmed ? t('lockout.kept') : problemMessage(error);
      }
      announce(t('revoke.done', { name: key.name }));
      done();
    },
  });
}

function detailFields(key) {
  const rows = [
    ['detail.id', h('code', {}, key.id)],
    ['detail.hint', h('code', {}, `${key.hint}…`)],
    ['col.status', statusBadge(key)],
    ['col.expiry', expiryBadge(key)],
    ['col.group', groupName(key)],
    ['detail.description', key.description || t('common.none')],
    ['detail.allowlist', key.ip_allowlist.length ? h('ul', { class: 'plain mono' }, key.ip_allowlist.map((entry) => h('li', {}, entry))) : t('common.any')],
    ['col.expiresAt', key.expires_at ? formatTime(key.expires_at) : t('common.never')],
    ['detail.tokens', t(key.tokens_latchkey_only ? 'detail.tokensLatchkeyOnly' : 'detail.tokensAnyVerifier')],
    ['detail.createdBy', key.created_by.name],
    ['detail.createdAt', formatTime(key.created_at)],
    ['detail.updatedAt', formatTime(key.updated_at)],
    ['col.lastUsed', key.last_used_at ? formatTime(key.last_used_at) : t('common.never')],
    key.rotated_at ? ['detail.rotatedAt', formatTime(key.rotated_at)] : null,
    key.previous_secret_valid_until ? ['detail.previousValid', formatTime(key.previous_secret_valid_until)] : null,
    key.revoked_at ? ['detail.revokedAt', formatTime(key.revoked_at)] : null,
    key.revoked_by ? ['detail.revokedBy', key.revoked_by.name] : null,
  ].filter(Boolean);
  return h('dl', { class: 'summary-list' }, rows.map(([label, value]) => h('div', { class: 'summary-list__row' },
    h('dt', {}, t(label)), h('dd', {}, value))));
}

/** ``#/keys/{id}``: the key's fields, its daily usage and its audit events. */
export async function keyDetail(ctx, id) {
  const [key, usage, events] = await Promise.all([
    api('GET', `v1/keys/${id}`),
    api('GET', `v1/keys/${id}/usage`),
    api('GET', `v1/audit-events${query({ key_id: id, limit: 50 })}`),
  ]);
  ctx.page(key.name,
    h('p', {}, h('a', { href: '#/keys', class: 'back-link' }, t('detail.back'))),
    actionsFor(ctx, key, () => ctx.reload()),
    h('section', { 'aria-labelledby': 'fields-title' }, h('h2', { id: 'fields-title' }, t('detail.fields')), detailFields(key)),
    h('section', { 'aria-labelledby': 'usage-title' }, h('h2', { id: 'usage-title' }, t('detail.usage')), usageChart(usage)),
    h('section', { 'aria-labelledby': 'events-title' }, h('h2', { id: 'events-title' }, t('detail.events')), eventsTable(events.events, false)));
}
