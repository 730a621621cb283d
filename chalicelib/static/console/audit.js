// The audit trail page (``#/audit``) with the API's filters, and the events table that a
// key's detail page shows too.

import { api, query } from './api.js';
import { h } from './dom.js';
import { errorSummary, errorsFor, field, input, select, showErrors } from './forms.js';
import { formatTime, t } from './strings.js';

const ACTIONS = [
  'key.created', 'key.updated', 'key.rotated', 'key.revoked', 'key.flagged_expiring',
  'key.flagged_expired', 'key.warning_released', 'group.created', 'group.updated',
  'group.deleted', 'tenant.created', 'tenant.limit_changed',
];
const PAGE_SIZE = 25;
const filters = { key_id: '', action: '', from: '', to: '', cursors: [null], page: 0 };

export function forgetAuditFilters() {
  Object.assign(filters, { key_id: '', action: '', from: '', to: '', cursors: [null], page: 0 });
}

function changesText(changes) {
  return Object.entries(changes || {}).map(([name, { before, after }]) => `${name}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`);
}

/** A table of audit events; ``withTarget`` adds the target column (the trail page). */
export function eventsTable(events, withTarget = true) {
  if (!events.length) return h('p', { class: 'empty' }, t('audit.empty'));
  const headers = ['audit.time', 'audit.action', 'audit.actor', withTarget ? 'audit.target' : null, 'audit.source', 'audit.changes'].filter(Boolean);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, t('audit.caption')),
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, t(name))))),
    h('tbody', {}, events.map((event) => h('tr', {},
      h('td', {}, formatTime(event.time)),
      h('td', {}, t(`action.${event.action}`)),
      h('td', {}, event.actor.name),
      withTarget ? h('td', {}, h('code', {}, event.target.id)) : null,
      h('td', {}, event.source_ip || '–'),
      h('td', {}, h('ul', { class: 'plain changes' }, changesText(event.changes).map((line) => h('li', {}, line)))))))));
}

/** ``#/audit``: the tenant's trail, newest first. */
export async function audit(ctx) {
  const controls = {
    key_id: input('key_id', { value: filters.key_id, class: 'input input--mono' }),
    action: select('action', [['', t('audit.allActions')], ...ACTIONS.map((a) => [a, t(`action.${a}`)])], filters.action),
    from: input('from', { type: 'date', value: filters.from }),
    to: input('to', { type: 'date', value: filters.to }),
  };
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('audit.title'), novalidate: true },
    errorSummary(),
    field({ label: t('audit.target'), control: controls.key_id }),
    field({ label: t('audit.action'), control: controls.action }),
    field({ label: t('audit.from'), control: controls.from }),
    field({ label: t('audit.to'), control: controls.to }),
    h('div', { class: 'filters__actions' }, h('button', { type: 'submit', class: 'button button--secondary' }, t('common.apply'))));
  const results = h('div', {});
  const load = async () => {
    const answer = await api('GET', `v1/audit-events${query({
      key_id: filters.key_id.trim(), action: filters.action,
      from: filters.from && `${filters.from}T00:00:00Z`, to: filters.to && `${filters.to}T23:59:59Z`,
      limit: PAGE_SIZE, cursor: filters.cursors[filters.page],
    })}`);
    const pager = [];
    if (filters.page > 0) pager.push(h('button', { type: 'button', class: 'button button--secondary', onclick: () => { filters.page -= 1; load().catch(ctx.fail); } }, t('common.previous')));
    if (answer.next_cursor) {
      pager.push(h('button', { type: 'button', class: 'button button--secondary', onclick: () => {
        filters.cursors[filters.page + 1] = answer.next_cursor;
        filters.page += 1;
        load().catch(ctx.fail);
      } }, t('common.next')));
    }
    results.replaceChildren(eventsTable(answer.events), pager.length ? h('nav', { class: 'pagination', 'aria-label': t('common.pages') }, pager) : '');
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    Object.assign(filters, { key_id: controls.key_id.value, action: controls.action.value, from: controls.from.value, to: controls.to.value, cursors: [null], page: 0 });
    try {
      await load();
    } catch (error) {
      if (error.status === 401) ctx.fail(error);
      else showErrors(form, errorsFor(error, { body: 'field.from', from: 'field.from', to: 'field.from' }));
    }
  });
  ctx.page(t('audit.title'), h('p', { class: 'lead' }, t('audit.lead')), form, results);
  await load();
}
