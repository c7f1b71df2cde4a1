// Connect: a little progressive enhancement. Every page works without this file where it can;
// forms marked data-api are sent to the JSON API with fetch and the CSRF token.
(function () {
  'use strict';

  // The session's token is on pages for logged-in people; before login, ask the API for the
  // pre-session token (it also sets the matching cookie).
  async function csrfToken(form) {
    const field = form.elements.namedItem('_csrf');
    if (field && field.value) return field.value;
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) return meta.content;
    const response = await fetch('/api/auth/csrf', { credentials: 'same-origin' });
    return (await response.json()).csrf_token;
  }

  function setPath(target, path, value) {
    const keys = path.split('.');
    let node = target;
    for (let i = 0; i < keys.length - 1; i++) {
      if (typeof node[keys[i]] !== 'object' || node[keys[i]] === null) node[keys[i]] = {};
      node = node[keys[i]];
    }
    node[keys[keys.length - 1]] = value;
  }

  // Removes the value at `path`, and objects the removal leaves empty.
  function deletePath(target, path) {
    const keys = path.split('.');
    const chain = [target];
    for (let i = 0; i < keys.length - 1; i++) {
      const next = chain[i][keys[i]];
      if (typeof next !== 'object' || next === null) return;
      chain.push(next);
    }
    delete chain[keys.length - 1][keys[keys.length - 1]];
    for (let i = keys.length - 2; i >= 0; i--) {
      if (Object.keys(chain[i + 1]).length === 0) delete chain[i][keys[i]];
    }
  }

  function valueOf(field) {
    const type = field.dataset.type;
    const raw = field.value.trim();
    if (type === 'bool') return field.checked;
    if (type === 'number') return raw === '' ? undefined : Number(raw);
    if (type === 'list') return raw.split(/[,\n]/).map(function (s) { return s.trim(); }).filter(Boolean);
    if (type === 'nullable') return raw === '' ? null : raw;
    return raw === '' ? undefined : raw;
  }

  // The JSON body: the base object (an editor's stored data) with the changed fields on top, or
  // every field for a form without a base.
  function collect(form) {
    const baseId = form.dataset.base;
    const body = baseId ? JSON.parse(document.getElementById(baseId).textContent) : {};
    const arrays = {};
    for (const field of form.elements) {
      // Names starting with _ belong to the plain form post (CSRF, where to go next), not the API.
      if (!field.name || field.name[0] === '_' || field.disabled || field.type === 'submit') continue;
      if (baseId && !field.dataset.dirty) continue;
      const type = field.dataset.type;
      if (type === 'array') {
        arrays[field.name] = arrays[field.name] || [];
        if (field.checked) arrays[field.name].push(field.value);
      } else if (type === 'hq-region') {
        const locations = ((body.profile && body.profile.locations) || []).filter(function (l) {
          return l.kind !== 'headquarters';
        });
        if (field.value) locations.unshift({ kind: 'headquarters', region: field.value });
        setPath(body, field.name, locations);
      } else if (field.type === 'checkbox' && type !== 'bool') {
        if (field.checked) setPath(body, field.name, field.value);
      } else {
        const value = valueOf(field);
        if (value === undefined) deletePath(body, field.name);
        else setPath(body, field.name, value);
      }
    }
    for (const name in arrays) setPath(body, name, arrays[name]);
    return body;
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return data && data[key] !== undefined ? data[key] : '';
    });
  }

  function show(form, kind, message) {
    const error = form.querySelector('[data-error]');
    const status = form.querySelector('[data-status]');
    if (error) { error.hidden = kind !== 'error'; error.textContent = kind === 'error' ? message : ''; }
    if (status) status.textContent = kind === 'ok' ? message : '';
  }

  // A checkout answered with what Toss's SDK (loaded by the checkout page only) needs: open its card
  // registration, which leaves for the success or fail URL. Closing the window rejects the promise.
  async function billingAuth(form, data) {
    if (typeof window.TossPayments !== 'function') {
      show(form, 'error', '결제 모듈을 불러오지 못했습니다. 새로 고친 뒤 다시 시도해 주세요.');
      return;
    }
    try {
      show(form, 'ok', '토스페이먼츠 카드 등록 창을 여는 중…');
      await window.TossPayments(data.client_key).payment({ customerKey: data.customer_key }).requestBillingAuth({
        method: 'CARD',
        successUrl: data.success_url,
        failUrl: data.fail_url,
      });
    } catch (e) {
      const cancelled = e && (e.code === 'USER_CANCEL' || e.code === 'PAY_PROCESS_CANCELED');
      show(form, 'error', cancelled ? '카드 등록을 취소했습니다. 결제되지 않았습니다.' : ((e && e.message) || '카드 등록 창을 열지 못했습니다.'));
    }
  }

  async function submit(form) {
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const button = form.querySelector('[type=submit]');
    if (button) button.disabled = true;
    for (const field of form.querySelectorAll('[aria-invalid]')) field.removeAttribute('aria-invalid');
    show(form, 'ok', '보내는 중…');
    try {
      const method = form.dataset.method || 'POST';
      const init = {
        method: method,
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': await csrfToken(form), 'Accept': 'application/json' },
      };
      if (method !== 'DELETE') {
        init.headers['Content-Type'] = 'application/json';
        let body = collect(form);
        // A form of numbered rows (`0.kind`, `1.kind`, …) sends them as a JSON list.
        if (form.hasAttribute('data-list')) body = Object.keys(body).sort(function (a, b) { return a - b; }).map(function (k) { return body[k]; });
        init.body = JSON.stringify(body);
      }
      const response = await fetch(form.dataset.api, init);
      const text = await response.text();
      const data = text ? JSON.parse(text) : null;
      if (!response.ok) {
        const error = (data && data.error) || {};
        show(form, 'error', error.message || '요청을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.');
        const name = (error.parameter || '').replace(/^\./, '');
        const field = name && (form.elements.namedItem(name) || form.elements.namedItem(name.split('[')[0]));
        if (field && field.focus) { field.setAttribute('aria-invalid', 'true'); field.focus(); }
        return;
      }
      if (form.hasAttribute('data-toss-billing-auth')) { await billingAuth(form, data); return; }
      if (form.dataset.next) { window.location.assign(fill(form.dataset.next, data)); return; }
      if (form.hasAttribute('data-reload')) { window.location.reload(); return; }
      const field = form.dataset.doneField;
      show(form, 'ok', (field && data && data[field]) || form.dataset.done || '완료했습니다.');
      if (form.hasAttribute('data-reset')) form.reset();
    } catch (e) {
      show(form, 'error', '서버에 연결하지 못했습니다. 인터넷 연결을 확인해 주세요.');
    } finally {
      if (button) button.disabled = false;
    }
  }

  for (const form of document.querySelectorAll('form[data-api]')) {
    form.addEventListener('submit', function (event) { event.preventDefault(); submit(form); });
    form.addEventListener('input', function (event) { event.target.dataset.dirty = '1'; markGroup(form, event.target); });
    form.addEventListener('change', function (event) { event.target.dataset.dirty = '1'; markGroup(form, event.target); });
  }

  // A checkbox group is sent whole once any of its boxes changed.
  function markGroup(form, field) {
    if (field.dataset.type !== 'array') return;
    for (const box of form.querySelectorAll('[name="' + field.name + '"]')) box.dataset.dirty = '1';
  }

  // On a phone the results come first: the filters fold away unless one is in use.
  const box = document.querySelector('details[data-collapse-on-phone]');
  if (box && window.matchMedia('(max-width: 47.99rem)').matches) {
    const inUse = Array.prototype.some.call(box.querySelectorAll('input, select'), function (field) {
      if (field.type === 'checkbox' || field.type === 'radio') return field.checked && field.value !== '';
      return field.value !== '';
    });
    if (!inUse) box.open = false;
  }

  // The catalogue's filters apply as soon as a box is ticked or the order changes.
  const filters = document.querySelector('form[data-autosubmit]');
  if (filters) {
    filters.addEventListener('change', function (event) {
      if (event.target.matches('input[type=checkbox], input[type=radio], select')) filters.requestSubmit();
    });
    // Empty fields are no filter: leave them out of the URL.
    filters.addEventListener('submit', function () {
      for (const field of filters.elements) {
        if (field.name && field.value === '' && field.type !== 'checkbox') field.disabled = true;
      }
    });
    // Coming back to the page from the browser's history must not find the fields switched off.
    window.addEventListener('pageshow', function () {
      for (const field of filters.elements) field.disabled = false;
    });
  }
})();
