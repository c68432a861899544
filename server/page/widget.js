/* tracuu search box for a site's own pages (docs/editors.md#the-search-box).
 *
 *   <input id="q" type="search" placeholder="Tìm kiếm">
 *   <script src="https://search.example/widget.js" data-input="#q"
 *           data-article-url="https://site.example/bai/{id}" defer></script>
 *
 * data-input: the input to turn into a search box (a CSS selector; default:
 * the page's first input[type=search]). data-article-url: where a hit goes,
 * {id} and {url} replaced (default: the article's own url, else the search
 * page's view of it). data-limit: hits shown (default 5).
 * Styles are classes prefixed "tracuu-w-", inserted first in <head>: the
 * site's own rules for them win. No dependencies, no cookies.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src).origin;
  var limit = Math.min(10, Math.max(1, parseInt(script.getAttribute("data-limit") || "5", 10) || 5));
  var template = script.getAttribute("data-article-url") || "";

  var CSS =
    ".tracuu-w-box{position:absolute;z-index:2147483000;background:#fff;color:#1d2433;border:1px solid #d5dae3;" +
    "border-radius:8px;box-shadow:0 6px 24px rgba(0,0,0,.14);font:15px/1.4 system-ui,sans-serif;overflow:auto;" +
    "max-height:70vh;box-sizing:border-box;text-align:left}" +
    ".tracuu-w-item{display:block;padding:7px 12px;cursor:pointer;color:inherit;text-decoration:none}" +
    ".tracuu-w-item mark{background:#fff1a8;color:inherit}" +
    ".tracuu-w-active{background:#eef3fc}" +
    ".tracuu-w-head{padding:6px 12px 2px;font-size:12px;color:#6b7385;text-transform:uppercase}" +
    ".tracuu-w-meta{display:block;font-size:12px;color:#6b7385}" +
    ".tracuu-w-empty{padding:8px 12px;color:#6b7385}" +
    "@media (max-width:480px){.tracuu-w-box{font-size:16px}.tracuu-w-item{padding:10px 12px}}";

  function start() {
    var sel = script.getAttribute("data-input");
    var input = sel ? document.querySelector(sel) : document.querySelector('input[type="search"]');
    if (!input) return;
    var style = document.createElement("style");
    style.textContent = CSS;
    document.head.insertBefore(style, document.head.firstChild);

    var box = document.createElement("div");
    box.className = "tracuu-w-box";
    box.setAttribute("role", "listbox");
    box.id = "tracuu-w-" + Math.random().toString(36).slice(2);
    box.hidden = true;
    document.body.appendChild(box);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-controls", box.id);
    input.setAttribute("aria-expanded", "false");

    var items = [], active = -1, timer = 0, idle = 0, call = 0, recorded = "";

    function place() {
      var r = input.getBoundingClientRect();
      var width = Math.min(Math.max(r.width, 280), window.innerWidth - 16);
      var left = Math.min(r.left, window.innerWidth - width - 8);
      box.style.left = Math.max(8, left) + window.scrollX + "px";
      box.style.top = r.bottom + window.scrollY + 4 + "px";
      box.style.width = width + "px";
    }
    function close() {
      box.hidden = true;
      active = -1;
      input.setAttribute("aria-expanded", "false");
    }
    // Only http(s) links: a "javascript:" url would run in the newspaper's
    // own origin on click (the indexer drops them; an older index may not).
    function webUrl(u) {
      return typeof u === "string" && /^https?:\/\/[^\/?#\s]/i.test(u) ? u : "";
    }
    function articleUrl(h) {
      var url = webUrl(h.url);
      if (template) return template.replace("{id}", encodeURIComponent(h.id)).replace("{url}", url);
      return url || base + "/#/a/" + encodeURIComponent(h.id);
    }
    function setActive(k) {
      if (active >= 0 && items[active]) items[active].el.classList.remove("tracuu-w-active");
      active = k;
      if (active >= 0 && items[active]) {
        items[active].el.classList.add("tracuu-w-active");
        items[active].el.scrollIntoView({ block: "nearest" });
      }
    }
    function choose(item) {
      if (!item) return;
      if (item.hit) {
        var q = input.value.trim();
        if (navigator.sendBeacon)
          navigator.sendBeacon(base + "/events", JSON.stringify({ type: "click", query: q, id: item.hit.id, position: item.position, token: item.token }));
        record(q);
        window.location.href = articleUrl(item.hit);
      } else {
        input.value = item.text;
        input.focus();
        refresh();
      }
    }
    // One search of the analytics per query the reader settled on (the
    // searches while typing are sent with analytics=0).
    function record(q) {
      if (!q || q === recorded) return;
      recorded = q;
      fetch(base + "/search?limit=0&q=" + encodeURIComponent(q)).catch(function () {});
    }
    function add(el, item) {
      item.el = el;
      el.className = "tracuu-w-item";
      el.setAttribute("role", "option");
      el.addEventListener("mousedown", function (e) { e.preventDefault(); });
      el.addEventListener("click", function (e) { e.preventDefault(); choose(item); });
      items.push(item);
      box.appendChild(el);
    }
    function head(text) {
      var h = document.createElement("div");
      h.className = "tracuu-w-head";
      h.textContent = text;
      box.appendChild(h);
    }
    function render(suggest, search) {
      box.textContent = "";
      items = [];
      active = -1;
      var sug = (suggest && suggest.suggestions) || [];
      var hits = (search && search.hits) || [];
      if (sug.length) head("Gợi ý");
      sug.forEach(function (s) {
        var el = document.createElement("div");
        el.textContent = s.text;
        add(el, { text: s.text });
      });
      if (hits.length) head("Bài viết");
      hits.forEach(function (h, i) {
        var a = document.createElement("a");
        a.href = articleUrl(h);
        a.textContent = h.title;
        var meta = document.createElement("span");
        meta.className = "tracuu-w-meta";
        meta.textContent = h.published || "";
        a.appendChild(meta);
        add(a, { hit: h, position: i + 1, token: search.event_token });
      });
      if (!sug.length && !hits.length) {
        var none = document.createElement("div");
        none.className = "tracuu-w-empty";
        none.textContent = "Không tìm thấy.";
        box.appendChild(none);
      }
      place();
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }
    function json(path) {
      return fetch(base + path).then(function (r) { return r.ok ? r.json() : null; });
    }
    function refresh() {
      var q = input.value;
      clearTimeout(idle);
      if (!q.trim()) return close();
      var mine = ++call;
      Promise.all([
        json("/suggest?limit=4&q=" + encodeURIComponent(q)),
        json("/search?analytics=0&facets=0&limit=" + limit + "&q=" + encodeURIComponent(q.trim())),
      ]).then(function (r) {
        if (mine !== call) return;
        render(r[0], r[1]);
        idle = setTimeout(function () { record(q.trim()); }, 1500);
      }).catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 120);
    });
    input.addEventListener("keydown", function (e) {
      if (box.hidden) {
        if (e.key === "ArrowDown" && input.value.trim()) refresh();
        return;
      }
      if (e.key === "ArrowDown") { e.preventDefault(); setActive(Math.min(items.length - 1, active + 1)); }
      else if (e.key === "ArrowUp") { e.preventDefault(); setActive(Math.max(-1, active - 1)); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(items[active]); }
      else if (e.key === "Escape") close();
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    window.addEventListener("resize", function () { if (!box.hidden) place(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
