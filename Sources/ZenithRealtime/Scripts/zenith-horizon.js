/*! zenith-horizon.js: live Horizon table rows over Zenith's shared polling watchers. Needs zenith.js before it.
 *
 *   <script src="/socket.io/zenith-horizon.js?watch=servers&table=instances"></script>   (Zenith injects it)
 *
 * On a page with table#<table>: emits ("watch", <watch>) and, while that is acknowledged and the socket
 * is up, keeps Horizon's row polling (horizon.datatables.update) off. On "watch:<watch>" it fetches the
 * rows of changed objects once (data-update-url) and swaps them as Horizon does, removes the rows of
 * removed objects, and shows a notice (#zenith-new-items) for added ones. Horizon's first poll waits
 * at most 5 s for the socket; when the socket drops or the watcher fails, Horizon polls again (one poll
 * interval later, unless the socket is back by then).
 * window.zenithHorizon: { live, socket, watch, table, error, heldPolls, rowFetches, events }.
 */
(function (root) {
  "use strict";

  // Once per page: Horizon loads HTML fragments with jQuery (`/header/`, modals), which runs the
  // scripts in them, and Zenith appends the tag to every HTML answer of the route, fragments included.
  if (root.zenithHorizon) return;
  // jQuery runs a fragment's script as an inline copy: currentScript is then the copy, without src.
  const current = document.currentScript;
  const script = (current && /zenith-horizon\.js/.test(current.src || "") ? current : null)
    || document.querySelector('script[src*="zenith-horizon.js"]');
  if (!script || !root.zenith) return;
  const src = new URL(script.src, root.location.href);
  const WATCH = src.searchParams.get("watch") || "servers";
  const TABLE = src.searchParams.get("table") || "instances";
  const PATH = src.pathname.slice(0, src.pathname.lastIndexOf("/") + 1);
  const FIRST_POLL_WAIT = 5000; // how long Horizon's first poll waits for the socket to be live
  const NOTICE_ID = "zenith-new-items";

  const state = {
    socket: null,
    acked: false,        // the watch of the current connection was acknowledged ok
    watcherOk: true,     // the last "watch:<name>:state" was not { ok: false }
    wasLive: false,
    deferring: true,     // Horizon's first poll is held until live, or FIRST_POLL_WAIT
    resumeTimer: null,   // after the socket dropped: when Horizon polls again
    original: null,      // Horizon's own horizon.datatables.update
    chainAlive: false,   // a timer Horizon set may still call update
    error: null,
    heldPolls: 0, rowFetches: 0, events: 0,
    fetching: new Map(), // object key -> whether another fetch must follow the one in flight
    newKeys: new Set(),  // added objects that have no row on this page
  };

  const jq = () => (typeof root.jQuery === "function" ? root.jQuery : null);
  const datatables = () => (root.horizon && root.horizon.datatables) || null;
  const getTable = () => document.querySelector("table#" + CSS.escape(TABLE));
  const rowOf = key => {
    const table = getTable();
    return table && table.querySelector('tr[data-object-id="' + CSS.escape(key) + '"]');
  };
  const live = () => state.socket !== null && state.socket.connected && state.acked && state.watcherOk;

  // ---- Horizon's polling: held while live ---------------------------------------------------------

  function pollNow(self, args) {
    // horizon.datatables.update schedules its next run only while some row is in transition
    state.chainAlive = document.querySelector("tr.warning.ajax-update") !== null;
    return state.original.apply(self, args);
  }

  function update(...args) {
    if (live() || state.deferring) {
      state.heldPolls++;
      state.chainAlive = false; // the timer that called us set no other
      return undefined;
    }
    return pollNow(this, args);
  }

  /** Lets Horizon poll again, once, unless it is live or a timer of Horizon's is still pending. */
  function resume() {
    if (document.readyState === "loading") { // Horizon starts its own polling when the DOM is ready
      document.addEventListener("DOMContentLoaded", resume, { once: true });
      return;
    }
    if (!state.original || live() || state.deferring || state.chainAlive) return;
    pollNow(datatables(), []);
  }

  function endDeferral() {
    if (!state.deferring) return;
    state.deferring = false;
    resume();
  }

  function takeOverPolling() {
    const dt = datatables();
    if (!dt || typeof dt.update !== "function" || state.original) return;
    state.original = dt.update;
    // Taken over after the DOM was ready: Horizon may already have polled and set a timer.
    state.chainAlive = document.readyState !== "loading" && document.querySelector("tr.warning.ajax-update") !== null;
    Object.defineProperty(dt, "update", {
      configurable: true,
      enumerable: true,
      get() { return update; },
      // A dashboard script that replaces Horizon's update replaces what runs when not live.
      set(fn) { state.original = fn; },
    });
  }

  // Horizon's poll interval (HORIZON_CONFIG ajax_poll_interval), as the rows carry it.
  function pollInterval() {
    const row = document.querySelector("tr.ajax-update[data-update-interval]");
    return Number(row && row.getAttribute("data-update-interval")) || 2500;
  }

  function liveChanged() {
    const now = live();
    if (now === state.wasLive) return;
    state.wasLive = now;
    clearTimeout(state.resumeTimer);
    if (now) {
      state.deferring = false;
      // Changes made before the watcher's baseline are not in any event: look at each moving row once.
      const table = getTable();
      if (table) table.querySelectorAll("tr.warning.ajax-update[data-object-id]").forEach(r => fetchRow(r.getAttribute("data-object-id")));
    } else {
      // Horizon polls again one poll interval later, as it would have: when Zenith restarts, every
      // tab loses its socket at once, and those back by then neither burst onto the dashboard nor
      // poll a Zenith that is not listening yet (a failed poll makes Horizon stop updating the row).
      state.resumeTimer = setTimeout(resume, pollInterval());
    }
  }

  // ---- rows, swapped the way horizon.tables.js does ------------------------------------------------

  function parseRow(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // The bar Horizon puts in the last `warning` cell of a row in transition.
  function addProgressBar(row) {
    const cells = row.querySelectorAll("td.warning");
    if (!cells.length) return;
    const container = document.createElement("div");
    container.className = "progress-text horizon-loading-bar";
    const progress = document.createElement("div");
    progress.className = "progress progress-striped active";
    container.appendChild(progress);
    const percent = row.querySelector("[percent]");
    const bar = document.createElement("div");
    bar.className = "progress-bar";
    bar.style.width = (percent && percent.getAttribute("percent")) || "100%";
    progress.appendChild(bar);
    if (row.querySelector(".btn-action-required")) {
      const icon = document.createElement("span");
      icon.className = "fa fa-question-circle progress-bar-text";
      container.appendChild(icon);
    }
    cells[cells.length - 1].prepend(container);
  }

  // What Horizon does to a table after it changed a row: tablesorter, Angular, quicksearch, buttons.
  function tableChanged(table, rowReplaced) {
    const $ = jq(), dt = datatables();
    if ($) {
      $(table).trigger("update");
      if (rowReplaced && typeof root.recompileAngularContent === "function") root.recompileAngularContent($(table));
    }
    if (dt && rowReplaced && dt.qs && table.id in dt.qs) dt.qs[table.id].cache();
    if (dt && typeof dt.validate_button === "function") dt.validate_button();
  }

  function swapRow(row, html) {
    const table = row.closest("table");
    const fresh = parseRow(html);
    if (!fresh || fresh.tagName !== "TR") return;
    if (fresh.classList.contains("warning")) addProgressBar(fresh);
    if (fresh.innerHTML === row.innerHTML) return;
    const checkbox = row.querySelector(".table-row-multi-select");
    const freshCheckbox = fresh.querySelector(".table-row-multi-select");
    if (checkbox && checkbox.checked && freshCheckbox) freshCheckbox.checked = true;
    row.replaceWith(fresh);
    table.removeAttribute("decay_constant");
    tableChanged(table, true);
  }

  // As Horizon does for a 404: the footer counts one less, and an empty table gets its "no items" row.
  function removeRow(row) {
    const table = row.closest("table");
    const dt = datatables();
    const count = dt && typeof dt.update_footer_count === "function" ? dt.update_footer_count(table, -1) : null;
    const templates = root.horizon && root.horizon.templates && root.horizon.templates.compiled_templates;
    const empty = templates && templates["#empty_row_template"];
    if (count === 0 && empty) {
      const colspan = table.querySelectorAll(".table_column_header th").length;
      row.replaceWith(parseRow(empty.render({ colspan, no_items_label: "No items to display." })));
    } else {
      row.remove();
    }
    tableChanged(table, false);
    if (dt && typeof dt.update_actions === "function") dt.update_actions();
  }

  /** Fetches one row; a change that comes while it is in flight gets one more fetch after it. */
  function fetchRow(key) {
    if (state.fetching.has(key)) { state.fetching.set(key, true); return; }
    const row = rowOf(key);
    const url = row && row.getAttribute("data-update-url");
    if (!url) return;
    state.fetching.set(key, false);
    state.rowFetches++;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(response => {
        if (response.status === 404) return null;
        if (!response.ok) throw new Error("row update of " + key + " answered " + response.status);
        return response.text();
      })
      .then(html => {
        const current = rowOf(key);
        if (!current) return;
        if (html === null) removeRow(current); else swapRow(current, html);
      })
      .catch(err => console.warn("zenith-horizon:", err.message))
      .finally(() => {
        const again = state.fetching.get(key);
        state.fetching.delete(key);
        if (again) fetchRow(key);
      });
  }

  // ---- the notice for objects added elsewhere -----------------------------------------------------

  function showNotice() {
    let notice = document.getElementById(NOTICE_ID);
    if (state.newKeys.size === 0) { if (notice) notice.remove(); return; }
    const table = getTable();
    if (!notice) {
      if (!table) return;
      notice = document.createElement("div");
      notice.id = NOTICE_ID;
      notice.className = "alert alert-info";
      notice.setAttribute("role", "status");
      const close = document.createElement("button");
      close.type = "button";
      close.className = "close";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "\u00d7";
      close.addEventListener("click", () => { state.newKeys.clear(); notice.remove(); });
      const text = document.createElement("span");
      text.className = "zenith-new-items-text";
      const link = document.createElement("a");
      link.href = root.location.href;
      link.className = "zenith-new-items-refresh";
      link.textContent = "refresh";
      link.addEventListener("click", event => { event.preventDefault(); root.location.reload(); });
      notice.append(close, text, " \u2014 ", link);
      const anchor = table.closest(".table_wrapper") || table;
      anchor.parentNode.insertBefore(notice, anchor);
    }
    notice.querySelector(".zenith-new-items-text").textContent = "New " + TABLE + " (" + state.newKeys.size + ")";
  }

  // ---- watch events ---------------------------------------------------------------------------------

  function onChanges(diff) {
    state.events++;
    if (!diff || typeof diff !== "object") return;
    let noticeChanged = false;
    for (const removed of diff.removed || []) {
      const key = String(removed);
      if (state.newKeys.delete(key)) noticeChanged = true;
      const row = rowOf(key);
      if (row) removeRow(row);
    }
    for (const change of diff.changed || []) {
      const key = String(change.key);
      if (rowOf(key)) fetchRow(key);
    }
    for (const added of diff.added || []) {
      const key = String(added.key);
      if (!rowOf(key) && !state.newKeys.has(key)) { state.newKeys.add(key); noticeChanged = true; }
    }
    if (noticeChanged) showNotice();
  }

  function connect() {
    const socket = state.socket = root.zenith.connect({ url: src.origin, path: PATH });
    socket.on("connect", () => {
      const id = socket.id;
      state.acked = false;
      state.watcherOk = true; // a new connection watches anew
      socket.emit("watch", WATCH, ack => {
        if (socket.id !== id) return;
        if (ack && ack.ok === true) {
          state.error = null;
          state.acked = true;
          liveChanged();
        } else {
          state.error = (ack && ack.error) || "refused";
          endDeferral();
        }
      });
    });
    socket.on("disconnect", () => { state.acked = false; liveChanged(); });
    socket.on("connect_error", err => { state.error = err.message; endDeferral(); });
    socket.on("watch:" + WATCH, onChanges);
    socket.on("watch:" + WATCH + ":state", s => { state.watcherOk = !(s && s.ok === false); liveChanged(); });
  }

  function start() {
    if (state.socket || !getTable()) return;
    takeOverPolling();
    if (!state.original) document.addEventListener("DOMContentLoaded", takeOverPolling, { once: true });
    connect();
    setTimeout(endDeferral, FIRST_POLL_WAIT);
  }

  root.zenithHorizon = {
    watch: WATCH, table: TABLE,
    get live() { return live(); },
    get socket() { return state.socket; },
    get error() { return state.error; },
    get heldPolls() { return state.heldPolls; },
    get rowFetches() { return state.rowFetches; },
    get events() { return state.events; },
  };

  // Injected before </body>, the table is already parsed; elsewhere it may come later.
  start();
  if (!state.socket && document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
})(typeof self !== "undefined" ? self : this);