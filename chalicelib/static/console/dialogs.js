// Modal dialogs on the native <dialog>: showModal() makes the page behind inert, Tab and
// Shift+Tab cycle inside, Escape cancels, and focus returns to what opened the dialog.

import { announce, append, h, uid } from './dom.js';
import { t } from './strings.js';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function trapFocus(dialog, event) {
  if (event.key !== 'Tab') return;
  const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null);
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Opens a modal titled ``title``; ``build(close)`` returns its content. ``onEscape``
 * decides what Escape does (default: close). Returns ``close``.
 */
export function openDialog({ title, build, onEscape, className = '' }) {
  const opener = document.activeElement;
  const titleId = uid('dialog-title');
  const dialog = h('dialog', { class: `dialog ${className}`, 'aria-labelledby': titleId });
  const close = () => {
    dialog.close();
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  };
  append(dialog, [h('h2', { class: 'dialog__title', id: titleId }, title), build(close)]);
  dialog.addEventListener('keydown', (event) => trapFocus(dialog, event));
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    (onEscape || close)();
  });
  document.body.append(dialog);
  dialog.showModal();
  const autofocus = dialog.querySelector('[data-autofocus]') || dialog.querySelector(FOCUSABLE);
  if (autofocus) autofocus.focus();
  return close;
}

/**
 * A question with two answers: resolves true when ``confirmLabel`` is pressed, false on
 * Cancel or Escape. The dialog stacks over one already open (an edit form stays as it was).
 */
export function askDialog({ title, body, confirmLabel }) {
  return new Promise((resolve) => {
    let close = null;
    const answer = (value) => {
      close();
      resolve(value);
    };
    openDialog({
      title,
      onEscape: () => answer(false),
      build: (closeDialog) => {
        close = closeDialog;
        return [
          ...[body].flat(),
          h('div', { class: 'dialog__actions' },
            h('button', { type: 'button', class: 'button button--danger', onclick: () => answer(true) }, confirmLabel),
            h('button', { type: 'button', class: 'button button--secondary', 'data-autofocus': true, onclick: () => answer(false) }, t('common.cancel'))),
        ];
      },
    });
  });
}

/**
 * A confirmation: ``body`` (nodes), a confirm button and Cancel. ``onConfirm()`` may throw
 * a message (string) to show in the dialog instead of closing it.
 */
export function confirmDialog({ title, body, confirmLabel, danger = false, onConfirm }) {
  return openDialog({
    title,
    build: (close) => {
      const alert = h('div', { class: 'dialog__alert', role: 'alert' });
      const confirm = h('button', { type: 'button', class: danger ? 'button button--danger' : 'button' }, confirmLabel);
      confirm.addEventListener('click', async () => {
        confirm.disabled = true;
        alert.replaceChildren();
        try {
          await onConfirm();
          close();
        } catch (message) {
          alert.replaceChildren(h('p', { class: 'error-text' }, String(message)));
          confirm.disabled = false;
        }
      });
      return [
        ...[body].flat(),
        alert,
        h('div', { class: 'dialog__actions' },
          confirm,
          h('button', { type: 'button', class: 'button button--secondary', 'data-autofocus': true, onclick: close }, t('common.cancel'))),
      ];
    },
  });
}

/**
 * The secret, once: masked, with a reveal toggle and Copy. Closing before copying asks
 * "Close anyway?". When it closes, the secret leaves the DOM and this closure.
 */
export function showSecret(secret, name) {
  return new Promise((resolve) => {
    let value = secret;
    let copied = false;
    const inputId = uid('secret');
    const warningId = uid('secret-warning');
    const input = h('input', {
      id: inputId, class: 'input input--mono', type: 'password', readonly: true,
      autocomplete: 'off', spellcheck: 'false', 'aria-describedby': warningId,
    });
    input.value = value;
    const reveal = h('button', { type: 'button', class: 'button button--secondary', 'aria-pressed': 'false' }, t('secret.show'));
    reveal.addEventListener('click', () => {
      const shown = input.type === 'password';
      input.type = shown ? 'text' : 'password';
      reveal.setAttribute('aria-pressed', String(shown));
      reveal.textContent = shown ? t('secret.hide') : t('secret.show');
    });
    const status = h('p', { class: 'hint', role: 'status' });
    const copy = h('button', { type: 'button', class: 'button' }, t('secret.copy'));
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(value);
        copied = true;
        status.textContent = t('secret.copied');
      } catch {
        status.textContent = t('secret.copyFailed');
      }
    });
    const main = h('div', {},
      h('p', {}, t('secret.lead', { name })),
      h('p', { class: 'warning', id: warningId }, h('strong', {}, t('secret.warning'))),
      h('label', { class: 'label', for: inputId }, t('secret.label')),
      h('div', { class: 'secret' }, input, reveal, copy),
      status);
    const ask = h('div', { class: 'dialog__confirm', hidden: true });
    let close;
    const forget = () => {
      input.value = '';
      value = null;
      close();
      resolve();
    };
    const askOrClose = () => {
      if (copied) return forget();
      main.hidden = true;
      actions.hidden = true;
      ask.hidden = false;
      ask.querySelector('button').focus();
      return undefined;
    };
    const back = () => {
      ask.hidden = true;
      main.hidden = false;
      actions.hidden = false;
      copy.focus();
    };
    ask.append(
      h('p', { class: 'warning' }, t('secret.notCopied')),
      h('p', { class: 'dialog__question' }, h('strong', {}, t('secret.closeAnyway'))),
      h('div', { class: 'dialog__actions' },
        h('button', { type: 'button', class: 'button button--danger', onclick: forget }, t('secret.confirmClose')),
        h('button', { type: 'button', class: 'button button--secondary', onclick: back }, t('secret.back'))));
    const actions = h('div', { class: 'dialog__actions' },
      h('button', { type: 'button', class: 'button button--secondary', onclick: askOrClose }, t('common.close')));
    close = openDialog({
      title: t('secret.title'),
      className: 'dialog--secret',
      onEscape: () => (ask.hidden ? askOrClose() : back()),
      build: () => [main, actions, ask],
    });
    copy.focus();
    announce(t('secret.warning'));
  });
}
