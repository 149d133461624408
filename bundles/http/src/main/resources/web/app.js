// The status page: one EventSource on /events (a snapshot, then updates), rendered with plain DOM calls.
'use strict';
(function () {
  var devices = {};          // id -> device row JSON
  var devicesEl = document.getElementById('devices');
  var connEl = document.getElementById('connection');

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function age(iso) {
    if (!iso) return 'no reading yet';
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function card(d) {
    var c = el('article', 'card device');
    c.dataset.deviceId = d.id;
    var top = el('div', 'top');
    top.appendChild(el('span', 'name', d.name));
    var st = el('span', 'state', d.state);
    st.dataset.state = d.state;
    top.appendChild(st);
    c.appendChild(top);
    c.appendChild(el('div', 'meta', d.id + ' · ' + (d.driver || '?') + (d.driver_version ? ' ' + d.driver_version : '')));
    var m = el('div', 'meta age');
    m.dataset.last = d.last_reading || '';
    m.textContent = age(d.last_reading) + ' · ' + d.readings + ' readings · ' + d.errors + ' errors';
    c.appendChild(m);
    if (d.reason) c.appendChild(el('p', 'reason', d.reason));
    var dl = el('dl', 'values');
    (d.values || []).forEach(function (v) {
      var dt = el('dt', null, v.name || v.channel);
      var dd = el('dd', null, v.value + (v.unit ? ' ' + v.unit : ''));
      dd.dataset.channel = v.channel;
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    c.appendChild(dl);
    return c;
  }

  function put(d) {
    devices[d.id] = d;
    var fresh = card(d);
    var old = devicesEl.querySelector('[data-device-id="' + CSS.escape(d.id) + '"]');
    if (old) { devicesEl.replaceChild(fresh, old); return; }
    // keep the cards sorted by id
    var next = null;
    devicesEl.querySelectorAll('.device').forEach(function (e) {
      if (!next && e.dataset.deviceId > d.id) next = e;
    });
    devicesEl.insertBefore(fresh, next);
  }

  // new readings of a device already on the page: only its numbers change
  function values(v) {
    var d = devices[v.id];
    var c = d && devicesEl.querySelector('[data-device-id="' + CSS.escape(v.id) + '"]');
    if (!c) return;
    d.readings = v.readings;
    d.last_reading = v.last_reading;
    var complete = true;
    (d.values || []).forEach(function (x) {
      if (v.values[x.channel] === undefined) return;
      x.value = v.values[x.channel];
      var dd = c.querySelector('dd[data-channel="' + CSS.escape(x.channel) + '"]');
      if (dd) dd.textContent = x.value + (x.unit ? ' ' + x.unit : ''); else complete = false;
    });
    var known = {};
    (d.values || []).forEach(function (x) { known[x.channel] = true; });
    Object.keys(v.values).forEach(function (ch) { if (!known[ch]) complete = false; });
    if (!complete) {
      // a channel the card does not show yet: take the names and units from the next full row
      return;
    }
    var m = c.querySelector('.age');
    m.textContent = age(d.last_reading) + ' · ' + d.readings + ' readings · ' + d.errors + ' errors';
  }

  function remove(id) {
    delete devices[id];
    var old = devicesEl.querySelector('[data-device-id="' + CSS.escape(id) + '"]');
    if (old) old.remove();
  }

  function count() {
    document.getElementById('device-count').textContent = '(' + Object.keys(devices).length + ')';
  }

  function outputs(list) {
    var box = document.getElementById('outputs');
    box.textContent = '';
    list.forEach(function (o) {
      var c = el('article', 'card output');
      c.dataset.output = o.name;
      var top = el('div', 'top');
      top.appendChild(el('span', 'name', o.name));
      var st = el('span', 'state', o.healthy ? 'up' : 'down');
      st.dataset.state = o.healthy ? 'up' : 'down';
      top.appendChild(st);
      c.appendChild(top);
      var parts = [];
      if (o.published >= 0) parts.push(o.published + ' published');
      if (o.buffered >= 0) parts.push(o.buffered + ' buffered');
      if (o.dropped >= 0) parts.push(o.dropped + ' dropped');
      c.appendChild(el('div', 'meta', parts.join(' · ')));
      c.appendChild(el('div', 'meta', o.summary));
      box.appendChild(c);
    });
  }

  function drivers(list) {
    var ul = document.getElementById('drivers');
    ul.textContent = '';
    list.forEach(function (d) {
      ul.appendChild(el('li', null, d.id + ' ' + (d.version || '') + ' — ' + d.name + (d.vendor ? ' (' + d.vendor + ')' : '')));
    });
  }

  function connect() {
    var es = new EventSource('events');
    es.addEventListener('snapshot', function (e) {
      var s = JSON.parse(e.data);
      devices = {};
      devicesEl.textContent = '';
      s.devices.forEach(put);
      outputs(s.outputs);
      drivers(s.drivers);
      count();
      connEl.dataset.state = 'live';
      connEl.textContent = 'live';
    });
    es.addEventListener('update', function (e) {
      var u = JSON.parse(e.data);
      (u.devices || []).forEach(put);
      (u.values || []).forEach(values);
      (u.removed || []).forEach(remove);
      if (u.outputs) outputs(u.outputs);
      count();
    });
    es.onerror = function () {
      connEl.dataset.state = 'lost';
      connEl.textContent = 'reconnecting…';
    };
  }

  // reading ages tick without the server
  setInterval(function () {
    devicesEl.querySelectorAll('.age').forEach(function (m) {
      var d = devices[m.parentNode.dataset.deviceId];
      if (d) m.textContent = age(d.last_reading) + ' · ' + d.readings + ' readings · ' + d.errors + ' errors';
    });
  }, 5000);

  connect();
})();
