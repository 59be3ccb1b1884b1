/// The page of `zenith demo`: one self-contained HTML document (inline CSS and script, nothing
/// external) that loads Zenith's client from `/socket.io/zenith.js`, shows the connection state and
/// transport, the last 20 `tick` events, and sends messages with `say` (the demo server broadcasts
/// them back as ticks). `?transports=polling` in the page's URL restricts the client's transports.
enum DemoPage {
    static let html: String = #"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Zenith demo</title>
        <link rel="icon" href="data:,">
        <style>
          :root { --fg: #1d2433; --muted: #667085; --line: #e4e7ec; --ok: #067647; --ok-bg: #dcfae6; --bad: #b42318; --bad-bg: #fee4e2; --accent: #3538cd; }
          * { box-sizing: border-box; }
          body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f7f8fa; }
          main { max-width: 760px; margin: 0 auto; padding: 32px 20px 48px; }
          h1 { margin: 0 0 4px; font-size: 26px; }
          h2 { margin: 28px 0 8px; font-size: 17px; }
          p.lead { margin: 0 0 20px; color: var(--muted); }
          code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: #eef0f4; padding: 1px 5px; border-radius: 4px; }
          .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; }
          .status { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: center; }
          .status .label { color: var(--muted); font-size: 13px; margin-right: 6px; }
          .pill { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 13px; }
          .pill.connected { color: var(--ok); background: var(--ok-bg); }
          .pill.disconnected { color: var(--bad); background: var(--bad-bg); }
          #transport, #sid { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; }
          #note { margin: 10px 0 0; color: var(--muted); font-size: 13px; min-height: 1.5em; }
          form { display: flex; gap: 8px; margin-top: 16px; }
          form input { flex: 1; min-width: 0; padding: 8px 10px; border: 1px solid #d0d5dd; border-radius: 8px; font: inherit; }
          form button { padding: 8px 16px; border: 0; border-radius: 8px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; }
          form button:hover { filter: brightness(1.1); }
          #say-status { font-size: 13px; color: var(--muted); margin-top: 6px; min-height: 1.5em; }
          #events { list-style: none; margin: 0; padding: 0; }
          #events li { display: grid; grid-template-columns: 4.5em 7em 1fr; gap: 10px; padding: 7px 12px; border-bottom: 1px solid var(--line); }
          #events li:last-child { border-bottom: 0; }
          #events li.said { background: #eef4ff; }
          #events .n { color: var(--muted); font-variant-numeric: tabular-nums; }
          #events .time { color: var(--muted); font-variant-numeric: tabular-nums; }
          #events .message { overflow-wrap: anywhere; }
          #events:empty::before { content: "Waiting for events…"; display: block; padding: 7px 12px; color: var(--muted); }
        </style>
        </head>
        <body>
        <main>
          <h1>Zenith demo</h1>
          <p class="lead">Live events over Socket.IO from Zenith's realtime engine. The demo server publishes a
            <code>tick</code> every second; a message sent below comes back to every open page as a tick.</p>

          <section class="card">
            <div class="status">
              <div><span class="label">State</span><span id="state" class="pill disconnected">disconnected</span></div>
              <div><span class="label">Transport</span><span id="transport">none</span></div>
              <div><span class="label">Socket id</span><span id="sid">none</span></div>
            </div>
            <p id="note"></p>
            <form id="say" autocomplete="off">
              <input id="say-text" maxlength="500" placeholder="Say something to everyone" aria-label="Message">
              <button id="say-send" type="submit">Send</button>
            </form>
            <div id="say-status"></div>
          </section>

          <h2>Last 20 events</h2>
          <section class="card" style="padding: 0"><ol id="events"></ol></section>
        </main>

        <script src="/socket.io/zenith.js"></script>
        <script>
        (function () {
          "use strict";
          const $ = id => document.getElementById(id);
          const note = text => { $("note").textContent = text; };
          if (!window.zenith) { note("Could not load /socket.io/zenith.js."); return; }

          // ?transports=polling (or websocket, or polling,websocket) picks the transports to use.
          const params = new URLSearchParams(location.search);
          const transports = (params.get("transports") || "polling,websocket").split(",").map(t => t.trim()).filter(Boolean);
          const socket = zenith.connect({ path: "/socket.io/", namespace: "/", transports: transports, auth: null });
          window.demoSocket = socket;

          function showState() {
            const state = socket.connected ? "connected" : "disconnected";
            $("state").textContent = state;
            $("state").className = "pill " + state;
            $("transport").textContent = socket.connected ? socket.transport : "none";
            $("sid").textContent = socket.connected ? socket.id : "none";
          }

          socket.on("connect", () => { showState(); note("Connected."); });
          socket.on("upgrade", () => { showState(); note("Upgraded to " + socket.transport + "."); });
          socket.on("disconnect", reason => { showState(); note("Disconnected: " + reason + "."); });
          socket.on("connect_error", err => { showState(); note("Cannot connect: " + err.message); });
          socket.on("reconnect_attempt", (attempt, delay) => note("Reconnecting in " + (delay / 1000).toFixed(1) + " s (attempt " + attempt + ")…"));

          function formatTime(iso) {
            const date = new Date(iso);
            return isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString();
          }

          socket.on("tick", data => {
            data = data || {};
            const item = document.createElement("li");
            if (data.message !== "tick") item.className = "said";
            for (const [name, text] of [["n", "#" + data.n], ["time", formatTime(data.time)], ["message", String(data.message)]]) {
              const cell = document.createElement("span");
              cell.className = name;
              cell.textContent = text;
              item.appendChild(cell);
            }
            const list = $("events");
            list.insertBefore(item, list.firstChild);
            while (list.children.length > 20) list.removeChild(list.lastChild);
          });

          $("say").addEventListener("submit", event => {
            event.preventDefault();
            const text = $("say-text").value.trim();
            if (!text) return;
            $("say-status").textContent = socket.connected ? "Sending…" : "Not connected: it will be sent on reconnect.";
            socket.emit("say", { text: text }, ack => {
              $("say-status").textContent = ack && ack.ok ? "Sent." : "Refused: " + ((ack && ack.error) || "unknown error");
            });
            $("say-text").value = "";
          });

          showState();
        })();
        </script>
        </body>
        </html>
        """#
}
