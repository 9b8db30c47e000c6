// /image: send the form on every change, swap in the answer, zoom into a clicked output pixel.
// Without this script the page still works: the form posts (with the file) or, for the
// zoom, the row and column fields do. A sample's view is a GET, so its address is a link.
(() => {
  'use strict';
  let upload = null; // the chosen file, sent again with every change (the server keeps nothing)
  let source = ''; // the size of the file first chosen, once the decoded picture replaces it
  let busy = null; // the request in flight; a newer one replaces it

  const $ = (id) => document.getElementById(id);
  const form = () => $('image-form');

  function formData(extra, file) {
    const data = new FormData(form());
    data.delete('image');
    if (file) data.append('image', file, file.name || 'image');
    if (file && file === upload && source) data.set('source', source);
    for (const [name, value] of Object.entries(extra || {})) data.set(name, value);
    return data;
  }

  // file: the upload to send (by default the one on show); it is kept only if accepted
  async function send(part, extra, file = upload) {
    const data = formData(extra, file);
    if (busy) busy.abort();
    const controller = new AbortController();
    busy = controller;
    const headers = { 'X-Part': part };
    let response;
    try {
      if (file) {
        response = await fetch(form().action, { method: 'POST', body: data, headers, signal: controller.signal });
      } else {
        const query = new URLSearchParams();
        for (const [name, value] of data) if (typeof value === 'string') query.append(name, value);
        response = await fetch(form().action + '?' + query, { headers, signal: controller.signal });
      }
    } catch (err) {
      if (err.name !== 'AbortError') say('image', String(err));
      return;
    } finally {
      if (busy === controller) busy = null;
    }
    const text = await response.text();
    if (!response.ok) {
      say('image', detail(text, response.status));
      return;
    }
    const doc = new DOMParser().parseFromString(text, 'text/html');
    if (part === 'zoom') {
      const fresh = doc.getElementById('zoom');
      if (fresh && $('zoom')) $('zoom').replaceWith(fresh);
    } else {
      const focused = document.activeElement && document.activeElement.id;
      const fresh = doc.getElementById('image-main');
      if (!fresh) return;
      const refused = doc.querySelector('#err-image .msg');
      if (refused && !doc.getElementById('out-img') && $('out-img')) {
        // a file that is not a usable image: say so, and leave everything else as it was
        say('image', refused.textContent);
        $('f-image').value = '';
        return;
      }
      if (file !== upload) source = '';
      upload = file;
      $('image-main').replaceWith(fresh);
      adoptPicture(fresh);
      const share = fresh.dataset.share;
      if (share && !upload) history.replaceState(null, '', share);
      if (focused && $(focused)) $(focused).focus();
    }
    placeMarks();
  }

  // After an upload is accepted, send the picture the server decoded instead of the file:
  // upright, at most 512 pixels a side, lossless, so it decodes to the same pixels, and
  // usually far smaller than a phone's photo. The original size travels for the caption.
  function adoptPicture(main) {
    let url = main.dataset.picture;
    if (!upload || !url) return;
    if (url === 'in') url = $('in-img').src;
    const bytes = Uint8Array.from(atob(url.split(',')[1]), (c) => c.charCodeAt(0));
    if (bytes.length >= upload.size) return;
    upload = new File([bytes], upload.name, { type: 'image/png' });
    source = main.dataset.source || '';
  }

  function detail(text, status) {
    try {
      const body = JSON.parse(text);
      if (typeof body.detail === 'string') return body.detail;
      if (Array.isArray(body.detail)) return body.detail.map((d) => d.msg).join(' ');
    } catch (_) { /* not JSON */ }
    return 'HTTP ' + status;
  }

  function say(control, message) {
    const slot = $('err-' + control);
    if (!slot) return;
    slot.textContent = '';
    const span = document.createElement('span');
    span.className = 'msg';
    span.textContent = message;
    slot.appendChild(span);
  }

  // the receptive field on the input, the clicked pixel on the output (percentages: the
  // pictures are drawn at any size)
  function placeMarks() {
    const zoom = $('zoom');
    const outline = $('outline');
    const mark = $('mark');
    if (!zoom || !outline || !mark) return;
    outline.hidden = mark.hidden = true;
    if (!zoom.dataset.at) return;
    const [oy, ox] = zoom.dataset.at.split(',').map(Number);
    const [oh, ow] = zoom.dataset.out.split(',').map(Number);
    place(mark, oy, ox, oy, ox, oh, ow);
    if (zoom.dataset.box) {
      const [top, left, bottom, right] = zoom.dataset.box.split(',').map(Number);
      const [ih, iw] = zoom.dataset.in.split(',').map(Number);
      place(outline, top, left, bottom, right, ih, iw);
    }
  }

  function place(el, top, left, bottom, right, height, width) {
    el.style.top = (100 * top / height) + '%';
    el.style.left = (100 * left / width) + '%';
    el.style.height = (100 * (bottom - top + 1) / height) + '%';
    el.style.width = (100 * (right - left + 1) / width) + '%';
    el.hidden = false;
  }

  function zoomAt(oy, ox) {
    const img = $('out-img');
    if (!img) return;
    oy = Math.max(0, Math.min(img.naturalHeight - 1, oy));
    ox = Math.max(0, Math.min(img.naturalWidth - 1, ox));
    $('f-oy').value = oy;
    $('f-ox').value = ox;
    send('zoom', { oy: String(oy), ox: String(ox) });
  }

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (!target.form || target.form.id !== 'image-form') return;
    if (target.name === 'oy' || target.name === 'ox') return; // the zoom's own button sends them
    if (target.id === 'f-image') {
      const file = target.files && target.files[0];
      if (!file) return;
      if (file.size > Number(target.dataset.maxBytes)) {
        say('image', `${file.name}: ${file.size} bytes, over the limit of ${target.dataset.maxBytes}.`);
        target.value = '';
        return;
      }
      send('main', null, file);
      return;
    } else if (target.id === 'f-sample') {
      send('main', null, null);
      return;
    } else if (target.id === 'f-k') {
      const menu = $('f-kp');
      if (menu) menu.value = 'custom';
    }
    send('main');
  });

  document.addEventListener('submit', (event) => {
    if (event.target.id !== 'image-form') return;
    event.preventDefault();
    const by = event.submitter;
    if (by && by.id === 'zoom-go') {
      send('zoom');
    } else if (by && by.name === 'lang') {
      form().elements.lang.value = by.value;
      send('main');
    } else {
      send('main');
    }
  });

  document.addEventListener('click', (event) => {
    const img = event.target;
    if (img.id !== 'out-img') return;
    const rect = img.getBoundingClientRect();
    const ox = Math.floor((event.clientX - rect.left) / rect.width * img.naturalWidth);
    const oy = Math.floor((event.clientY - rect.top) / rect.height * img.naturalHeight);
    zoomAt(oy, ox);
  });

  const MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  document.addEventListener('keydown', (event) => {
    if (event.target.id !== 'out-frame' || !(event.key in MOVES)) return;
    event.preventDefault();
    const [dy, dx] = MOVES[event.key];
    const step = event.shiftKey ? 8 : 1;
    const oy = Number($('f-oy').value || 0) + dy * step;
    const ox = Number($('f-ox').value || 0) + dx * step;
    zoomAt(oy, ox);
  });

  document.addEventListener('DOMContentLoaded', placeMarks);
})();
