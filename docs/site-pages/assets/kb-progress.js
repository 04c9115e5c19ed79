/* The reader's progress, kept in this browser only (localStorage, no account, nothing sent anywhere):
   "Mark as done" and "Save for later" on every element with data-entry="ID" (cards, path steps, the
   entry page's header), "n of m done" in every element with data-kb-progress="ID ID ...", and the
   "My list" page ([data-kb-my-list]) with Export and Import. Without JavaScript none of it appears.
   The markup conventions are documented in docs/site.md. */
(function () {
  "use strict";
  var KEY = "kb.progress.v1";                 // versioned: a new layout gets a new key
  var FORMAT = "kb-progress", VERSION = 1;    // the exported file
  var ID = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;      // the schema's entry-id pattern
  var TYPES = { "lecture-series": "Lecture series", "research-guide": "Research guide", paper: "Paper" };
  var MARKS = { done: ["Mark as done", "Done ✓"], saved: ["Save for later", "Saved ★"] };
  var root = new URL("..", document.currentScript.src); // this file is assets/kb-progress.js
  var storage;
  try {
    storage = window.localStorage;
    storage.setItem(KEY + ".probe", "1");
    storage.removeItem(KEY + ".probe");
  } catch (error) {
    return; // storage refused (e.g. blocked cookies): no controls rather than controls that forget
  }

  function empty() { return { version: VERSION, done: {}, saved: {} }; }

  // Why `doc` is not a progress document ("" when it is one).
  function problem(doc, exported) {
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) return "it is not a JSON object";
    if (exported && doc.format !== FORMAT) return "it is not a kb progress export (no \"format\": \"" + FORMAT + "\")";
    if (doc.version !== VERSION) return "its version is " + JSON.stringify(doc.version) + ", not " + VERSION;
    for (var mark in MARKS) {
      var marks = doc[mark];
      if (!marks || typeof marks !== "object" || Array.isArray(marks)) return "\"" + mark + "\" is not an object";
      for (var id in marks) {
        if (!ID.test(id)) return "\"" + id.slice(0, 60) + "\" is not an entry id";
        if (typeof marks[id] !== "string" || marks[id].length > 40) return "the date of \"" + id + "\" is not a date";
      }
    }
    return "";
  }

  function read() {
    try {
      var doc = JSON.parse(storage.getItem(KEY));
      return problem(doc, false) ? empty() : doc;
    } catch (error) {
      return empty();
    }
  }

  var state = read();

  function save() {
    storage.setItem(KEY, JSON.stringify(state));
    render();
  }

  function toggle(mark, id) {
    if (state[mark][id]) delete state[mark][id];
    else state[mark][id] = new Date().toISOString().slice(0, 10);
    save();
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function controls(host) {
    var bar = element("span", "kb-marks");
    Object.keys(MARKS).forEach(function (mark) {
      var button = element("button", "kb-mark kb-mark--" + mark);
      button.type = "button";
      button.dataset.kbMark = mark;
      bar.appendChild(button);
    });
    host.appendChild(bar);
  }

  function render() {
    if (myList && catalogue) drawMyList();
    document.querySelectorAll("[data-entry]").forEach(function (host) {
      if (!host.querySelector(":scope > .kb-marks")) controls(host);
      var id = host.dataset.entry;
      host.querySelectorAll(":scope > .kb-marks > .kb-mark").forEach(function (button) {
        var mark = button.dataset.kbMark, on = Boolean(state[mark][id]);
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.textContent = MARKS[mark][on ? 1 : 0];
      });
      host.classList.toggle("kb-is-done", Boolean(state.done[id]));
    });
    document.querySelectorAll("[data-kb-progress]").forEach(function (counter) {
      var ids = counter.dataset.kbProgress.split(/\s+/).filter(Boolean);
      var done = ids.filter(function (id) { return state.done[id]; }).length;
      counter.textContent = done + " of " + ids.length + " done";
      counter.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".kb-marks > .kb-mark");
    if (button) toggle(button.dataset.kbMark, button.parentNode.parentNode.dataset.entry);
  });
  window.addEventListener("storage", function (event) { // another tab changed the list
    if (event.key === KEY) { state = read(); render(); }
  });

  // --- the "My list" page ------------------------------------------------------------------------
  var myList = document.querySelector("[data-kb-my-list]"), catalogue = null;

  function loadCatalogue() {
    function json(path) { return fetch(new URL(path, root)).then(function (r) { return r.ok ? r.json() : {}; }); }
    return Promise.all([json("api/entries.json"), json("api/taxonomy.json")]).then(function (loaded) {
      var byId = {};
      (loaded[0].entries || []).forEach(function (entry) { byId[entry.id] = entry; });
      catalogue = { entries: byId, audiences: loaded[1].audiences || {} };
      render();
    }).catch(function () { catalogue = { entries: {}, audiences: {} }; render(); });
  }

  function card(id, when, verb) {
    var entry = catalogue.entries[id], item = element("div", "kb-card");
    item.dataset.entry = id;
    if (entry) {
      var title = element("a", "kb-card__title", String(entry.title || id));
      title.href = new URL("entries/" + id + "/", root).href;
      item.appendChild(title);
      var audiences = (entry.audience || []).map(function (a) {
        return (catalogue.audiences[a] || {}).title || a;
      });
      var people = entry.lecturers || entry.authors || [];
      item.appendChild(element("div", "kb-card__meta", [TYPES[entry.type] || entry.type, people.slice(0, 4).join(", "), audiences.join(" · ")]
        .filter(Boolean).join(" · ")));
    } else {
      item.appendChild(element("span", "kb-card__title", id + " (no longer in the KB)"));
    }
    item.appendChild(element("p", "kb-card__when", verb + " on " + when));
    return item;
  }

  function drawMyList() {
    var lists = myList.querySelector(".kb-my-list__lists");
    lists.textContent = "";
    [["saved", "Saved for later", "Saved"], ["done", "Done", "Marked as done"]].forEach(function (part) {
      var ids = Object.keys(state[part[0]]).sort(function (a, b) {
        return state[part[0]][b].localeCompare(state[part[0]][a]) || a.localeCompare(b);
      });
      var section = element("section", "kb-my-list__" + part[0]);
      section.appendChild(element("h2", null, part[1] + " (" + ids.length + ")"));
      if (!ids.length) section.appendChild(element("p", null, "Nothing yet."));
      var cards = element("div", "kb-cards");
      ids.forEach(function (id) { cards.appendChild(card(id, state[part[0]][id], part[2])); });
      section.appendChild(cards);
      lists.appendChild(section);
    });
  }

  function exportList() {
    var doc = { format: FORMAT, version: VERSION, exported: new Date().toISOString(), done: state.done,
                saved: state.saved };
    var link = element("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 1) + "\n"], { type: "application/json" }));
    link.download = "kb-progress.json";
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  // Import adds the file's marks to this browser's (nothing is removed); a bad file changes nothing.
  function importList(file, message) {
    file.text().then(function (text) {
      var doc;
      try { doc = JSON.parse(text); } catch (error) { doc = undefined; }
      var why = doc === undefined ? "it is not JSON" : problem(doc, true);
      if (why) {
        message.textContent = "Not imported: " + why + ". Your list is unchanged.";
        message.className = "kb-my-list__message kb-my-list__message--error";
        return;
      }
      var added = { done: 0, saved: 0 };
      Object.keys(MARKS).forEach(function (mark) {
        Object.keys(doc[mark]).forEach(function (id) {
          if (!state[mark][id]) { state[mark][id] = doc[mark][id]; added[mark] += 1; }
        });
      });
      save();
      message.textContent = "Imported " + added.done + " done and " + added.saved + " saved entries.";
      message.className = "kb-my-list__message";
    });
  }

  if (myList) {
    var message = myList.querySelector(".kb-my-list__message");
    var chooser = myList.querySelector(".kb-my-list__file");
    myList.querySelector(".kb-my-list__export").addEventListener("click", exportList);
    myList.querySelector(".kb-my-list__import").addEventListener("click", function () { chooser.click(); });
    chooser.addEventListener("change", function () {
      if (chooser.files.length) importList(chooser.files[0], message);
      chooser.value = "";
    });
    myList.hidden = false;
    loadCatalogue();
  }
  render();
})();
