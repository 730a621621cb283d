// ``#/groups``: authorization groups, their permissions and route patterns; create, edit
// and delete (a group that active keys use cannot be deleted: the API's 409 explained).

import { allGroups, api, ApiError } from './api.js';
import { confirmDialog, openDialog } from './dialogs.js';
import { announce, h } from './dom.js';
import { errorSummary, errorsFor, field, input, problemMessage, showErrors, textarea } from './forms.js';
import { changeAskingFirst, NotConfirmed } from './lockout.js';
import { t } from './strings.js';

const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);
const WORDS = { name: 'field.groupName' };

function openForm(group, done) {
  const c = {
    name: input('name', { value: group?.name ?? '', autocomplete: 'off' }),
    description: textarea('description'),
    permissions: textarea('permissions', { class: 'textarea input--mono', spellcheck: 'false' }),
    routes: textarea('routes', { class: 'textarea input--mono', spellcheck: 'false' }),
  };
  c.description.value = group?.description ?? '';
  c.permissions.value = (group?.permissions ?? []).join('\n');
  c.routes.value = (group?.routes ?? ['* /*']).join('\n');
  openDialog({
    title: group ? t('groups.editTitle') : t('groups.createTitle'),
    build: (close) => {
      const form = h('form', { class: 'form', novalidate: true }, errorSummary(),
        field({ label: t('groups.name'), hint: t('groups.nameHint'), control: c.name }),
        field({ label: t('form.description'), hint: t('form.descriptionHint'), control: c.description, optional: true }),
        field({ label: t('groups.permissions'), hint: t('groups.permissionsHint'), control: c.permissions, optional: true }),
        field({ label: t('groups.routes'), hint: t('groups.routesHint'), control: c.routes }),
        h('div', { class: 'dialog__actions' },
          h('button', { type: 'submit', class: 'button' }, t('common.save')),
          h('button', { type: 'button', class: 'button button--secondary', onclick: close }, t('common.cancel'))));
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const body = {
          name: c.name.value,
          description: c.description.value,
          permissions: lines(c.permissions.value),
          routes: lines(c.routes.value),
        };
        try {
          if (group) await changeAskingFirst('PATCH', `v1/groups/${group.id}`, body);
          else await api('POST', 'v1/groups', body);
        } catch (error) {
          if (error instanceof NotConfirmed) return undefined; // the form stays as it was
          return showErrors(form, errorsFor(error, WORDS));
        }
        close();
        announce(t('groups.saved', { name: body.name }));
        done();
        return undefined;
      });
      return form;
    },
  });
}

function openDelete(group, done) {
  confirmDialog({
    title: t('groups.deleteTitle', { name: group.name }),
    body: h('p', {}, t('groups.deleteBody')),
    confirmLabel: t('groups.deleteSubmit'),
    danger: true,
    onConfirm: async () => {
      try {
        await api('DELETE', `v1/groups/${group.id}`);
      } catch (error) {
        throw error instanceof ApiError && error.code === 'group_in_use' ? t('groups.inUse', { name: group.name }) : problemMessage(error);
      }
      announce(t('groups.deleted', { name: group.name }));
      done();
    },
  });
}

function row(ctx, group) {
  const done = () => ctx.reload();
  return h('tr', {},
    h('th', { scope: 'row' }, h('span', { class: 'cell-main' }, group.name), group.description ? h('span', { class: 'hint' }, group.description) : null),
    h('td', {}, group.permissions.length ? h('ul', { class: 'plain chips' }, group.permissions.map((p) => h('li', { class: 'chip' }, p))) : t('common.none')),
    h('td', {}, h('ul', { class: 'plain mono' }, group.routes.map((route) => h('li', {}, route)))),
    h('td', { class: 'numeric' }, group.key_count),
    h('td', {}, ctx.canManage ? h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'button button--secondary button--small', 'aria-label': t('groups.edit', { name: group.name }), onclick: () => openForm(group, done) }, t('common.edit')),
      h('button', { type: 'button', class: 'button button--danger-outline button--small', 'aria-label': t('groups.delete', { name: group.name }), onclick: () => openDelete(group, done) }, t('common.delete'))) : null));
}

export async function groups(ctx) {
  const all = await allGroups();
  const headers = ['col.name', 'groups.permissions', 'groups.routes', 'groups.keys', 'col.actions'];
  ctx.page(t('groups.title'),
    h('p', { class: 'lead' }, t('groups.lead')),
    ctx.canManage ? h('div', { class: 'page__bar page__bar--end' },
      h('button', { type: 'button', class: 'button', onclick: () => openForm(null, () => ctx.reload()) }, t('groups.create'))) : null,
    all.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
      h('caption', { class: 'visually-hidden' }, t('groups.caption')),
      h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, t(name))))),
      h('tbody', {}, all.map((group) => row(ctx, group))))) : h('p', { class: 'empty' }, t('groups.empty')));
}
