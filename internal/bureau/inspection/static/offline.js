// Inspections on a phone, also without signal: the form is kept by the
// service worker, a submitted inspection goes into a queue in the browser
// (IndexedDB, photos included) and is sent when the connection returns.
// The client id generated here makes a resend harmless: the server answers
// a known id with the inspection it already has.
(function () {
  'use strict';
  var DB = 'yingji-inspections', STORE = 'queue';

  function newID() {
    var b = new Uint8Array(16);
    (self.crypto || window.msCrypto).getRandomValues(b);
    return 'c' + Array.prototype.map.call(b, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function db() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () { r.result.createObjectStore(STORE, { keyPath: 'client_id' }); };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (ok, fail) {
        var t = d.transaction(STORE, mode), s = t.objectStore(STORE), out = fn(s);
        t.oncomplete = function () { ok(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { fail(t.error); };
      });
    });
  }
  // The queue holds the entries of whoever filled them on this phone; a
  // page shows and sends only its own user's (a shared phone's next user
  // neither sees nor sends them under their name).
  var me = (document.getElementById('offline-queue') || { dataset: {} }).dataset.user || '';
  function all() {
    return tx('readonly', function (s) { return s.getAll(); }).then(function (l) {
      return (l || []).filter(function (e) { return e.user === me; });
    });
  }
  function put(e) { return tx('readwrite', function (s) { s.put(e); }); }
  function del(id) { return tx('readwrite', function (s) { s.delete(id); }); }

  var form = document.getElementById('inspection-form');
  var box = document.getElementById('offline-queue');
  var msg = function (k, d) { return (form && form.dataset[k]) || d; };

  function show() {
    if (!box || !window.indexedDB) return Promise.resolve();
    return all().then(function (list) {
      box.hidden = list.length === 0;
      if (!list.length) { box.textContent = ''; return; }
      box.textContent = msg('msgWaiting', '等待发送的检查记录：') + ' ' + list.length;
      var ul = document.createElement('ul');
      list.forEach(function (e) {
        var li = document.createElement('li');
        li.className = 'queued-item';
        li.textContent = e.label + (e.error ? ' — ' + e.error : '');
        ul.appendChild(li);
      });
      box.appendChild(ul);
    });
  }

  function send(e) {
    var fd = new FormData();
    e.fields.forEach(function (kv) { fd.append(kv[0], kv[1]); });
    (e.files || []).forEach(function (f) { fd.append('photos', f.blob, f.name); });
    return fetch('/api/v1/inspections', { method: 'POST', body: fd, credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (res) {
        var json = (res.headers.get('Content-Type') || '').indexOf('application/json') >= 0;
        if (res.ok && json) return res.json().then(function (b) { return del(e.client_id).then(function () { return { ok: true, id: b.id }; }); });
        if (json && res.status >= 400 && res.status < 500 && res.status !== 401 && res.status !== 429) {
          // Refused by a rule: sending again will not help; keep it with the reason.
          return res.json().then(function (b) {
            var reasons = (b && b.fields || []).map(function (f) { return f.reason; }).filter(Boolean);
            e.error = reasons.length ? reasons.join('；') : ((b && (b.message || b.error)) || String(res.status));
            return put(e).then(function () { return { ok: false, refused: true, error: e.error }; });
          });
        }
        return { ok: false };
      }, function () { return { ok: false }; });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine || !window.indexedDB) return show();
    flushing = true;
    return all().then(function (list) {
      return list.filter(function (e) { return !e.error; }).reduce(function (p, e) {
        return p.then(function () { return send(e); });
      }, Promise.resolve());
    }).then(function () { flushing = false; return show(); }, function () { flushing = false; });
  }

  function note(text, bad) {
    var n = document.getElementById('offline-note');
    if (!n) return;
    n.hidden = false;
    n.className = 'flash ' + (bad ? 'err' : 'ok');
    n.textContent = text;
    n.scrollIntoView({ block: 'center' });
  }

  function state() {
    var s = document.getElementById('offline-state');
    if (s) s.hidden = navigator.onLine;
  }

  if (form) {
    var cid = document.getElementById('f-client_id');
    if (cid && !document.getElementById('form-error')) cid.value = newID();
    var tpl = document.getElementById('f-template');
    var pick = function () {
      document.querySelectorAll('fieldset.checklist').forEach(function (fs) { fs.hidden = fs.dataset.template !== tpl.value; });
    };
    if (tpl) { tpl.addEventListener('change', pick); pick(); }
    // Signature pad.
    var pad = document.getElementById('sig-pad'), sig = document.getElementById('f-signature');
    if (pad && pad.getContext) {
      var ctx = pad.getContext('2d'), drawing = false, inked = false;
      ctx.lineWidth = 2; ctx.lineCap = 'round';
      var at = function (ev) { var r = pad.getBoundingClientRect(); return [(ev.clientX - r.left) * pad.width / r.width, (ev.clientY - r.top) * pad.height / r.height]; };
      pad.addEventListener('pointerdown', function (ev) { drawing = true; var p = at(ev); ctx.beginPath(); ctx.moveTo(p[0], p[1]); ev.preventDefault(); });
      pad.addEventListener('pointermove', function (ev) { if (!drawing) return; var p = at(ev); ctx.lineTo(p[0], p[1]); ctx.stroke(); inked = true; });
      var end = function () { if (drawing && inked) sig.value = pad.toDataURL('image/png'); drawing = false; };
      pad.addEventListener('pointerup', end); pad.addEventListener('pointerleave', end);
      var clr = document.getElementById('sig-clear');
      if (clr) clr.addEventListener('click', function () { ctx.clearRect(0, 0, pad.width, pad.height); sig.value = ''; inked = false; });
    }
    if (window.indexedDB && window.fetch) {
      form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var fd = new FormData(form), fields = [], files = [];
        fd.forEach(function (v, k) {
          if (typeof v === 'string') fields.push([k, v]);
          else if (v && v.size) files.push({ name: v.name, type: v.type, blob: v });
        });
        var ent = form.querySelector('#f-enterprise'), place = (ent && ent.value) ? ent.options[ent.selectedIndex].text : (form.querySelector('#f-place') || {}).value;
        var e = { client_id: cid.value, user: me, at: Date.now(), label: (form.querySelector('#f-on') || {}).value + ' ' + (place || ''), fields: fields, files: files };
        put(e).then(function () {
          if (!navigator.onLine) return { ok: false };
          return send(e);
        }).then(function (r) {
          if (r.ok) { location.href = '/inspections/' + r.id; return; }
          if (r.refused) { del(e.client_id).then(function () { note(r.error, true); show(); }); return; }
          note(msg('msgQueued', '已保存在本机，联网后自动发送'), false);
          form.reset();
          cid.value = newID();
          if (sig) sig.value = '';
          show();
        });
      });
    }
  }

  window.addEventListener('online', function () { state(); flush(); });
  window.addEventListener('offline', state);
  state();
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/inspections/sw.js', { scope: '/inspections/' }).catch(function () {});
  flush();
  window.yingjiInspectionQueue = { all: all, flush: flush };
})();
