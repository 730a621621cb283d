// Forms the GOV.UK way: a label, a hint and an error message beside each field, and an
// error summary above the form that links to each failing field. The API's validation
// errors arrive as {field, message}; the console says them in its own words.

import { ApiError } from './api.js';
import { h, uid } from './dom.js';
import { t } from './strings.js';

/** A labelled field; ``control`` is an input, select or textarea given ``name``. */
export function field({ label, hint, control, optional = false }) {
  const id = control.id || uid(control.name);
  control.id = id;
  const hintId = hint ? `${id}-hint` : null;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'form-group', 'data-field': control.name },
    h('label', { class: 'label', for: id }, label, optional ? ` ${t('common.optional')}` : ''),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('p', { class: 'error-message', id: `${id}-error`, hidden: true }),
    control);
}

export const input = (name, attributes = {}) => h('input', { class: 'input', name, type: 'text', ...attributes });
export const textarea = (name, attributes = {}) => h('textarea', { class: 'textarea', name, rows: 3, ...attributes });

export function select(name, options, selected = '') {
  const element = h('select', { class: 'select', name });
  for (const [value, label] of options) {
    element.append(h('option', { value, selected: value === selected }, label));
  }
  return element;
}

/** The error summary slot a form starts with. */
export function errorSummary() {
  return h('div', { class: 'error-summary', tabindex: '-1', hidden: true, 'aria-labelledby': uid('summary') });
}

/** Removes every error shown in ``form``. */
export function clearErrors(form) {
  const summary = form.querySelector('.error-summary');
  summary.hidden = true;
  summary.replaceChildren();
  for (const group of form.querySelectorAll('.form-group--error')) {
    group.classList.remove('form-group--error');
    const control = group.querySelector('input, select, textarea');
    control.removeAttribute('aria-invalid');
    const message = group.querySelector('.error-message');
    message.hidden = true;
    message.replaceChildren();
    const described = (control.getAttribute('aria-describedby') || '').split(' ').filter((id) => id !== message.id);
    if (described.length) control.setAttribute('aria-describedby', described.join(' '));
    else control.removeAttribute('aria-describedby');
  }
}

/** Shows ``errors`` ([{field, message}] in the console's words) and focuses the summary. */
export function showErrors(form, errors) {
  clearErrors(form);
  const summary = form.querySelector('.error-summary');
  const titleId = summary.getAttribute('aria-labelledby');
  const list = h('ul', { class: 'error-summary__list' });
  for (const { field: name, message } of errors) {
    const group = name ? form.querySelector(`[data-field="${name}"]`) : null;
    if (!group) {
      list.append(h('li', {}, message));
      continue;
    }
    const control = group.querySelector('input, select, textarea');
    const slot = group.querySelector('.error-message');
    group.classList.add('form-group--error');
    control.setAttribute('aria-invalid', 'true');
    slot.replaceChildren(h('span', { class: 'visually-hidden' }, `${t('error.prefix')} `), message);
    slot.hidden = false;
    const described = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
    control.setAttribute('aria-describedby', [...described, slot.id].join(' '));
    const link = h('a', { href: `#${control.id}` }, message);
    link.addEventListener('click', (event) => {
      event.preventDefault();
      control.focus();
    });
    list.append(h('li', {}, link));
  }
  summary.replaceChildren(h('h2', { class: 'error-summary__title', id: titleId }, t('error.title')), list);
  summary.hidden = false;
  summary.setAttribute('role', 'alert');
  summary.focus();
}

function line(message) {
  const match = /(?:entry|pattern) (\d+)/.exec(message || '');
  return match ? Number(match[1]) : null;
}

/** The console's words for one of the API's field errors. */
function fieldMessage(name, message, words) {
  const number = line(message);
  if (name === 'ip_allowlist' && number) return t('field.ip_allowlistLine', { line: number });
  if (name === 'routes' && number) return t('field.routesLine', { line: number });
  return t(words[name] || `field.${name}`);
}

/**
 * Turns any error of a form's request into what ``showErrors`` takes. ``words`` maps a
 * field to its catalogue entry where the default ``field.<name>`` is not the right one.
 */
export function errorsFor(error, words = {}, known = {}) {
  if (!(error instanceof ApiError)) return [{ field: null, message: t('error.network') }];
  if (error.code === 'validation_failed' && Array.isArray(error.problem.errors)) {
    const seen = new Map();
    for (const item of error.problem.errors) {
      const name = String(item.field).split('.')[0];
      if (!seen.has(name)) seen.set(name, { field: name, message: fieldMessage(name, item.message, words) });
    }
    return [...seen.values()];
  }
  if (known[error.code]) return [known[error.code]];
  return [{ field: null, message: problemMessage(error) }];
}

/** A sentence for a problem that is not about one field. */
export function problemMessage(error) {
  const codes = {
    network: 'error.network',
    service_unavailable: 'error.unavailable',
    conflict: 'error.conflict',
    key_limit_reached: 'limit.reached',
    group_limit_reached: 'limit.groupsReached',
    last_manager: 'error.lastManager',
    key_revoked: 'key.revoked',
    key_expired: 'key.expired',
    forbidden: 'error.forbidden',
    not_found: 'error.notFound',
  };
  if (codes[error.code]) return t(codes[error.code]);
  return t('error.generic', { status: error.status });
}

/** A date input's value as the end of that day in UTC, or undefined when empty. */
export function endOfDay(value) {
  return value ? `${value}T23:59:59Z` : undefined;
}
