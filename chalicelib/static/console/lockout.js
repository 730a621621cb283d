// Changes that may take the signed-in key's own access away: revoking it, moving it to a
// group without keys:manage, taking keys:manage from its group, or an IP allowlist that
// leaves out the address it calls from. The API refuses each with would_lock_out_caller
// and changes nothing; the console then asks in plain words and, only when the person
// confirms, sends the same change again with Confirm-Self-Lockout: true.

import { api, ApiError } from './api.js';
import { askDialog } from './dialogs.js';
import { h } from './dom.js';
import { t } from './strings.js';

/** Thrown when the person chose to keep their access: nothing was changed. */
export class NotConfirmed extends Error {}

/** ``api(method, path, body)``, asking first when the change would lock the caller out. */
export async function changeAskingFirst(method, path, body) {
  try {
    return await api(method, path, body);
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'would_lock_out_caller') throw error;
  }
  const confirmed = await askDialog({
    title: t('lockout.title'),
    body: [h('p', {}, t('lockout.body')), h('p', {}, t('lockout.undo'))],
    confirmLabel: t('lockout.submit'),
  });
  if (!confirmed) throw new NotConfirmed();
  return api(method, path, body, { 'Confirm-Self-Lockout': 'true' });
}
