/* kb's search: Pagefind's index (pagefind/, written by `kb site generate` from the entries) with facets,
   in the header of every page. Pagefind is loaded on first use, from this site only. Everything that
   comes from the index (titles, people, filters, excerpts) is put on the page as text, never as HTML:
   the excerpt's <mark> tags are the only markup kept, rebuilt as elements. See docs/site.md. */
(function () {
  "use strict";
  var box = document.querySelector("[data-kb-search]");
  if (!box || !window.fetch || !window.Promise) return;
  var root = new URL("..", document.currentScript.src); // this file is assets/kb-search.js
  // (filter, label) in the order of the panel: kb.site.search.FILTERS, which a test holds them to.
  var FACETS = [["type", "Type"], ["area", "Area"], ["domain", "Domain"], ["audience", "Audience"],
                ["format", "Format"], ["access", "Access"]];
  var COLLAPSED = { domain: true }; // long lists start closed
  var PAGE = 10;
  var input = box.querySelector(".kb-search__input");
  var form = box.querySelector(".kb-search__form");
  var panel = box.querySelector(".kb-search__panel");
  var facets = box.querySelector(".kb-search__filters");
  var status = box.querySelector(".kb-search__status");
  var list = box.querySelector(".kb-search__results");
  var more = box.querySelector(".kb-search__more");
  var loading = null, results = [], shown = 0, serial = 0;

  box.hidden = false;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Pagefind, once its options are set.
  function load() {
    if (!loading) {
      loading = import(new URL("pagefind/pagefind.js", root).href).then(function (pagefind) {
        return pagefind.options({ basePath: new URL("pagefind/", root).pathname, baseUrl: root.pathname,
                                  excerptLength: 24 }).then(function () { return pagefind; });
      });
      loading.catch(function () { status.textContent = "Search is not available: its index did not load."; });
    }
    return loading;
  }

  // The facets, after the first results are shown: once Pagefind has its filters loaded it counts
  // every value for every search (a first search at 10,000 entries took 200 ms with them, 110 without).
  var faceting = null;
  function loadFacets(pagefind) {
    if (!faceting) {
      var taxonomy = fetch(new URL("api/taxonomy.json", root)).then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
      faceting = Promise.all([pagefind.filters(), taxonomy]).then(function (both) {
        drawFacets(both[0], order(both[1]));
        var term = input.value.trim(); // this query's counts, now that the filters are loaded
        return term ? pagefind.search(term).then(function (found) { if (found) updateCounts(found.filters || {}); }) : null;
      });
    }
    return faceting;
  }

  // The taxonomy's order for audiences and domains (the index lists values alphabetically).
  function order(taxonomy) {
    var rank = {}, domains = taxonomy.domains || {}, ids = Object.keys(domains);
    function path(id) {
      var titles = [];
      for (var at = id; at && domains[at]; at = domains[at].parent) titles.unshift(domains[at].title);
      return titles;
    }
    ids.forEach(function (id, i) {
      var titles = path(id);
      (rank.area = rank.area || {})[titles[0]] = (rank.area[titles[0]] === undefined ? i : rank.area[titles[0]]);
      (rank.domain = rank.domain || {})[titles.join(" › ")] = i;
    });
    Object.keys(taxonomy.audiences || {}).forEach(function (id, i) {
      (rank.audience = rank.audience || {})[taxonomy.audiences[id].title] = i;
    });
    return rank;
  }

  function drawFacets(counts, rank) {
    facets.textContent = "";
    FACETS.forEach(function (facet) {
      var name = facet[0], values = Object.keys(counts[name] || {});
      if (!values.length) return;
      var known = rank[name] || {};
      values.sort(function (a, b) {
        var ra = a in known ? known[a] : 1e9, rb = b in known ? known[b] : 1e9;
        return ra - rb || a.localeCompare(b);
      });
      var group = element("details", "kb-facet");
      group.open = !COLLAPSED[name];
      group.appendChild(element("summary", "kb-facet__name", facet[1]));
      var options = element("div", "kb-facet__options");
      options.setAttribute("role", "group");
      options.setAttribute("aria-label", facet[1]);
      values.forEach(function (value) {
        var label = element("label", "kb-facet__option");
        var box = element("input");
        box.type = "checkbox";
        box.name = name;
        box.value = value;
        var count = element("span", "kb-facet__count", String(counts[name][value]));
        count.dataset.value = value;
        label.append(box, " ", element("span", "kb-facet__value", value), " ", count);
        options.appendChild(label);
      });
      group.appendChild(options);
      facets.appendChild(group);
    });
  }

  function chosen() {
    var filters = {};
    facets.querySelectorAll("input:checked").forEach(function (box) {
      (filters[box.name] = filters[box.name] || { any: [] }).any.push(box.value);
    });
    return filters;
  }

  function updateCounts(counts) {
    facets.querySelectorAll(".kb-facet__count").forEach(function (count) {
      var name = count.parentNode.querySelector("input").name;
      var n = (counts[name] || {})[count.dataset.value] || 0;
      count.textContent = String(n);
      count.parentNode.classList.toggle("kb-facet__option--empty", n === 0);
    });
  }

  function open(yes) {
    panel.hidden = !yes;
    input.setAttribute("aria-expanded", yes ? "true" : "false");
  }

  // One search at a time: a query typed while one runs waits for it, and only the latest is run then
  // (no fixed delay, so the first query starts at once).
  var running = false, waiting = false;
  function run() {
    if (running) { waiting = true; return; }
    running = true;
    search().then(finished, finished);
  }
  function finished() {
    running = false;
    if (waiting) { waiting = false; run(); }
  }

  function search() {
    var mine = ++serial, term = input.value.trim(), filters = chosen();
    if (!term && !Object.keys(filters).length) {
      list.textContent = "";
      more.hidden = true;
      status.textContent = "Type to search titles, people and why each entry is recommended.";
      return Promise.resolve();
    }
    status.textContent = "Searching…";
    return load().then(function (pagefind) {
      return pagefind.search(term || null, { filters: filters });
    }).then(function (found) {
      if (!found || mine !== serial) return; // a newer query has started
      results = found.results;
      shown = 0;
      list.textContent = "";
      list.dataset.query = term; // what the shown results answer (tests wait for it)
      updateCounts(found.filters || {});
      var n = results.length;
      status.textContent = n === 0 ? "No entry matches." : n === 1 ? "1 entry" : n + " entries";
      return showMore(mine);
    }).then(function () { return load().then(loadFacets); });
  }

  function showMore(mine) {
    var slice = results.slice(shown, shown + PAGE);
    shown += slice.length;
    more.hidden = true;
    return Promise.all(slice.map(function (r) { return r.data(); })).then(function (found) {
      if (mine !== serial) return;
      found.forEach(function (data) { list.appendChild(result(data)); });
      more.hidden = shown >= results.length;
    });
  }

  function result(data) {
    var meta = data.meta || {}, item = element("li", "kb-result");
    var title = element("a", "kb-result__title", meta.title || data.url);
    title.href = data.url;
    var line = element("div", "kb-result__meta", [meta.type, meta.people, meta.year].filter(Boolean).join(" · "));
    var audiences = (data.filters || {}).audience || [];
    if (audiences.length) line.append(" ", element("span", "kb-badges", audiences.join(" · ")));
    var excerpt = element("p", "kb-result__excerpt");
    appendExcerpt(excerpt, data.excerpt);
    item.append(title, line, excerpt);
    return item;
  }

  // Pagefind marks the matched words with <mark>; every other piece is decoded and shown as text.
  function appendExcerpt(node, html) {
    var marked = false;
    String(html || "").split(/(<mark>|<\/mark>)/).forEach(function (part) {
      if (part === "<mark>" || part === "</mark>") { marked = part === "<mark>"; return; }
      if (!part) return;
      var text = decode(part);
      node.appendChild(marked ? element("mark", null, text) : document.createTextNode(text));
    });
  }

  var decoder = document.createElement("textarea"); // its content is text: tags stay text, entities decode
  function decode(html) {
    decoder.innerHTML = html;
    return decoder.value;
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll(".kb-result__title")); }

  input.addEventListener("focus", function () { load(); if (input.value.trim() || Object.keys(chosen()).length) open(true); });
  input.addEventListener("input", function () { open(true); run(); });
  facets.addEventListener("change", function () { run(); });
  more.addEventListener("click", function () { showMore(serial); });
  form.addEventListener("submit", function (event) {
    event.preventDefault(); // Enter opens the first result
    var first = links()[0];
    if (first) window.location.href = first.href;
  });
  box.addEventListener("keydown", function (event) {
    var all = links(), at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      open(false);
      input.focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" && (event.target === input || at >= 0) && all.length) {
      all[Math.min(at + 1, all.length - 1)].focus();
      event.preventDefault();
    } else if (event.key === "ArrowUp" && at >= 0) {
      (at === 0 ? input : all[at - 1]).focus();
      event.preventDefault();
    }
  });
  document.addEventListener("keydown", function (event) {
    var target = event.target, typing = target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      input.focus();
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) { if (!box.contains(event.target)) open(false); });
  box.addEventListener("focusout", function (event) {
    if (event.relatedTarget && !box.contains(event.relatedTarget)) open(false);
  });
  search();
})();
