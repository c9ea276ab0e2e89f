/**
 * The web UI's browser script, served as /ui/app.js (plain ES2020, no build step, no framework:
 * a few hundred lines do not justify one). It reads only the registry's own API (catalog, tags,
 * manifests, blobs, referrers) with the browser's credentials: Basic auth prompts natively, a Bearer
 * challenge is answered from the registry's /token realm. Text from the registry reaches the page
 * only through textContent, never as HTML. Navigation is by URL hash, so links, Back and the
 * keyboard work as everywhere.
 */
export const APP_JS = String.raw`'use strict';
(function () {
  var main = document.getElementById('main');
  var status = document.getElementById('status');
  var PAGE = 50;
  var ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json';
  var tokens = {};

  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'onclick') e.addEventListener('click', attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function human(n) {
    if (typeof n !== 'number' || !isFinite(n)) return '?';
    var u = ['B', 'kB', 'MB', 'GB', 'TB'];
    var i = 0;
    while (n >= 1000 && i < u.length - 1) { n /= 1000; i++; }
    return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
  }
  function short(d) { return d ? d.replace(/^sha256:/, '').slice(0, 12) : ''; }
  function enc(name) { return name.split('/').map(encodeURIComponent).join('/'); }
  function say(msg, isError) {
    status.textContent = msg;
    status.className = isError ? 'error' : '';
  }

  function challenge(h) {
    if (!h || !/^bearer /i.test(h)) return null;
    var out = {};
    h.slice(7).replace(/(\w+)="([^"]*)"/g, function (_, k, v) { out[k.toLowerCase()] = v; });
    return out.realm ? out : null;
  }
  async function api(path, init) {
    init = init || {};
    var scope = init.scope || '';
    var headers = Object.assign({}, init.headers || {});
    if (tokens[scope]) headers.Authorization = 'Bearer ' + tokens[scope];
    var res = await fetch(path, { method: init.method || 'GET', headers: headers, credentials: 'same-origin' });
    var c = res.status === 401 ? challenge(res.headers.get('WWW-Authenticate')) : null;
    if (c) {
      var t = await fetch(c.realm + '?service=' + encodeURIComponent(c.service || '') + (c.scope ? '&scope=' + encodeURIComponent(c.scope) : ''), { credentials: 'same-origin' });
      if (t.ok) {
        var body = await t.json();
        tokens[scope] = body.token || body.access_token;
        headers.Authorization = 'Bearer ' + tokens[scope];
        res = await fetch(path, { method: init.method || 'GET', headers: headers, credentials: 'same-origin' });
      }
    }
    return res;
  }
  async function failure(res, what) {
    var text = 'HTTP ' + res.status;
    try {
      var e = (await res.json()).errors[0];
      text = e.code + ': ' + e.message;
    } catch (_) { /* not a registry error body */ }
    return new Error('Cannot ' + what + ': ' + text);
  }
  async function json(path, what, init) {
    var res = await api(path, init);
    if (!res.ok) throw await failure(res, what);
    return { body: await res.json(), res: res };
  }

  function heading(text, crumbs) {
    var nav = el('nav', { 'aria-label': 'breadcrumb' }, [el('a', { href: '#/', text: 'Repositories' })]);
    (crumbs || []).forEach(function (c) { nav.appendChild(document.createTextNode(' / ')); nav.appendChild(c.href ? el('a', { href: c.href, text: c.text }) : el('span', { text: c.text })); });
    main.replaceChildren(nav, el('h1', { text: text, tabindex: '-1', id: 'page-title' }));
    document.title = text + ' – hull registry';
    document.getElementById('page-title').focus();
  }
  function table(headers, rows, label) {
    var thead = el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', text: h }); }))]);
    var tbody = el('tbody', {}, rows.map(function (r) { return el('tr', {}, r.map(function (c) { return el('td', {}, [c]); })); }));
    return el('table', { 'aria-label': label }, [thead, tbody]);
  }

  async function showRepositories(last) {
    heading('Repositories');
    var q = '/v2/_catalog?n=' + PAGE + (last ? '&last=' + encodeURIComponent(last) : '');
    var r = await json(q, 'list repositories', { scope: 'registry:catalog:*' });
    var repos = r.body.repositories || [];
    if (repos.length === 0) { main.appendChild(el('p', { text: 'No repositories yet.' })); return; }
    main.appendChild(el('ul', { class: 'repos' }, repos.map(function (name) { return el('li', {}, [el('a', { href: '#/r/' + enc(name), text: name })]); })));
    if (r.res.headers.get('Link')) main.appendChild(el('p', {}, [el('a', { href: '#/?last=' + encodeURIComponent(repos[repos.length - 1]), text: 'Next page', rel: 'next' })]));
  }

  async function manifestOf(repo, ref) {
    var res = await api('/v2/' + enc(repo) + '/manifests/' + ref, { headers: { Accept: ACCEPT }, scope: 'repository:' + repo + ':pull' });
    if (!res.ok) throw await failure(res, 'read manifest ' + ref + ' of ' + repo);
    return { digest: res.headers.get('Docker-Content-Digest'), type: res.headers.get('Content-Type'), body: await res.json(), size: Number(res.headers.get('Content-Length')) };
  }
  function totalSize(m) {
    if (m.body.manifests) return null;
    return (m.body.layers || []).reduce(function (n, l) { return n + (l.size || 0); }, (m.body.config && m.body.config.size) || 0);
  }
  async function remove(repo, ref, what) {
    if (!window.confirm('Delete ' + what + '?')) return;
    var res = await api('/v2/' + enc(repo) + '/manifests/' + ref, { method: 'DELETE', scope: 'repository:' + repo + ':delete' });
    if (!res.ok) { say((await failure(res, 'delete ' + what)).message, true); return; }
    say('Deleted ' + what + '.');
    location.hash = '#/r/' + enc(repo);
    await route();
  }

  async function showRepository(repo) {
    heading(repo, [{ text: repo }]);
    var r = await json('/v2/' + enc(repo) + '/tags/list', 'list tags of ' + repo, { scope: 'repository:' + repo + ':pull' });
    var tags = r.body.tags || [];
    if (tags.length === 0) { main.appendChild(el('p', { text: 'No tags.' })); return; }
    var rows = [];
    for (var i = 0; i < tags.length; i++) {
      var tag = tags[i];
      var m = await manifestOf(repo, tag).catch(function (e) { return { error: e }; });
      if (m.error) { rows.push([tag, m.error.message, '', '', '']); continue; }
      var size = totalSize(m);
      rows.push([
        el('a', { href: '#/r/' + enc(repo) + '/m/' + m.digest, text: tag }),
        el('code', { text: short(m.digest), title: m.digest }),
        m.body.manifests ? 'index (' + m.body.manifests.length + ' manifests)' : 'image',
        size === null ? '' : human(size),
        el('button', { type: 'button', 'data-tag': tag, text: 'Delete tag', onclick: (function (t) { return function () { remove(repo, t, 'tag ' + t + ' of ' + repo); }; })(tag) }),
      ]);
    }
    main.appendChild(table(['Tag', 'Digest', 'Kind', 'Size', ''], rows, 'Tags of ' + repo));
  }

  function platformText(p) {
    if (!p) return 'unknown';
    return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
  }
  function section(title, content) { return el('section', { 'aria-label': title }, [el('h2', { text: title })].concat(content)); }

  async function showManifest(repo, digest) {
    heading(repo + '@' + short(digest), [{ text: repo, href: '#/r/' + enc(repo) }, { text: short(digest) }]);
    var m = await manifestOf(repo, digest);
    main.appendChild(el('dl', {}, [el('dt', { text: 'Digest' }), el('dd', {}, [el('code', { text: m.digest })]), el('dt', { text: 'Media type' }), el('dd', { text: m.type || '' })]));
    main.appendChild(el('p', {}, [el('button', { type: 'button', text: 'Delete manifest', onclick: function () { remove(repo, m.digest, 'manifest ' + short(m.digest) + ' and its tags'); } })]));
    if (m.body.manifests) {
      main.appendChild(section('Platforms', [table(['Platform', 'Digest', 'Size'], m.body.manifests.map(function (d) {
        return [platformText(d.platform), el('a', { href: '#/r/' + enc(repo) + '/m/' + d.digest }, [el('code', { text: short(d.digest) })]), human(d.size)];
      }), 'Platforms')]));
    } else {
      main.appendChild(section('Layers', [table(['#', 'Digest', 'Media type', 'Size'], (m.body.layers || []).map(function (l, i) {
        return [String(i + 1), el('code', { text: short(l.digest), title: l.digest }), l.mediaType, human(l.size)];
      }), 'Layers')]));
      if (m.body.config) {
        var cfg = await json('/v2/' + enc(repo) + '/blobs/' + m.body.config.digest, 'read the image config', { scope: 'repository:' + repo + ':pull' }).then(function (r) { return r.body; }).catch(function (e) { return { error: e.message }; });
        var c = cfg.config || {};
        var facts = [
          ['Platform', platformText(cfg)],
          ['Created', cfg.created || ''],
          ['Entrypoint', JSON.stringify(c.Entrypoint || null)],
          ['Command', JSON.stringify(c.Cmd || null)],
          ['Working dir', c.WorkingDir || ''],
          ['User', c.User || ''],
        ];
        var items = [];
        facts.forEach(function (f) { items.push(el('dt', { text: f[0] }), el('dd', { text: f[1] })); });
        var parts = [el('dl', {}, items)];
        if (cfg.error) parts.push(el('p', { class: 'error', text: cfg.error }));
        parts.push(el('h3', { text: 'Environment' }), el('ul', {}, (c.Env || []).map(function (e) { return el('li', {}, [el('code', { text: e })]); })));
        parts.push(el('h3', { text: 'Labels' }), table(['Label', 'Value'], Object.keys(c.Labels || {}).map(function (k) { return [k, c.Labels[k]]; }), 'Labels'));
        parts.push(el('h3', { text: 'History' }), table(['Created', 'Created by', 'Empty layer'], (cfg.history || []).map(function (h) { return [h.created || '', h.created_by || '', h.empty_layer ? 'yes' : '']; }), 'History'));
        main.appendChild(section('Configuration', parts));
      }
    }
    var refs = await json('/v2/' + enc(repo) + '/referrers/' + m.digest, 'list referrers', { scope: 'repository:' + repo + ':pull' }).then(function (r) { return r.body.manifests || []; }).catch(function () { return []; });
    main.appendChild(section('Referrers', refs.length === 0 ? [el('p', { text: 'No signatures, SBOMs or other referrers.' })] : [table(['Artifact type', 'Digest', 'Size'], refs.map(function (d) {
      return [d.artifactType || d.mediaType, el('a', { href: '#/r/' + enc(repo) + '/m/' + d.digest }, [el('code', { text: short(d.digest) })]), human(d.size)];
    }), 'Referrers')]));
  }

  async function route() {
    var h = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
    try {
      var m;
      if ((m = /^\/r\/(.+)\/m\/(sha\d+:[a-f0-9]+)$/.exec(h))) await showManifest(m[1], m[2]);
      else if ((m = /^\/r\/(.+)$/.exec(h))) await showRepository(m[1]);
      else await showRepositories((/^\/\?last=(.*)$/.exec(h) || [])[1]);
    } catch (e) {
      say(e.message, true);
    }
  }
  window.addEventListener('hashchange', function () { say(''); route(); });
  route();
})();
`;
