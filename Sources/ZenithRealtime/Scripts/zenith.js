/*! zenith.js: Zenith's browser client. Engine.IO v4 + Socket.IO v5, plain ES2017, no dependencies.
 *
 *   const socket = zenith.connect({ path: "/socket.io/", namespace: "/", transports: ["polling", "websocket"], auth: null });
 *   socket.on("connect", () => {}); socket.on("disconnect", reason => {}); socket.on("connect_error", err => {});
 *   socket.on("tick", (data, ack) => {});             // any server event; `ack` is there when the server asked for one
 *   socket.emit("say", { text: "hi" }, reply => {});  // the callback (optional, last) receives the server's ack
 *   socket.subscribe("room").then(ack => {});         // joins now, and again after every reconnect
 *   socket.connected; socket.id; socket.transport; socket.recovered; socket.close();
 * With the server's connection state recovery ([realtime] recovery), a reconnect after a lost
 * connection sends back the private id and the last broadcast's offset, as the official client
 * does: the socket keeps its id and rooms, gets what it missed, and `recovered` is true.
 * More options: url, query, timeout (20 s), reconnection (true), reconnectionDelay (500 ms),
 * reconnectionDelayMax (10 s), randomizationFactor (0.5). Also emitted: "upgrade", "reconnect_attempt".
 */
(function (root) {
  "use strict";

  const RS = "\x1e"; // separates the packets of one long-polling payload
  const CONNECT = 0, DISCONNECT = 1, EVENT = 2, ACK = 3, CONNECT_ERROR = 4, BINARY_EVENT = 5, BINARY_ACK = 6;
  const RESERVED = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];
  const DEFAULTS = {
    url: null, path: "/socket.io/", namespace: "/", transports: ["polling", "websocket"], auth: null, query: {},
    timeout: 20000, reconnection: true, reconnectionDelay: 500, reconnectionDelayMax: 10000, randomizationFactor: 0.5,
  };

  /** A small event emitter; a handler that throws is reported but does not stop the others. */
  class Emitter {
    constructor() { this._handlers = {}; }
    on(name, fn) { (this._handlers[name] = this._handlers[name] || []).push(fn); return this; }
    once(name, fn) { const once = (...args) => { this.off(name, once); fn.apply(this, args); }; once.fn = fn; return this.on(name, once); }
    off(name, fn) {
      if (name === undefined) this._handlers = {};
      else if (fn === undefined) delete this._handlers[name];
      else this._handlers[name] = (this._handlers[name] || []).filter(h => h !== fn && h.fn !== fn);
      return this;
    }
    _fire(name, ...args) { for (const h of (this._handlers[name] || []).slice()) report(() => h.apply(this, args)); }
  }

  function report(fn) { try { fn(); } catch (err) { setTimeout(() => { throw err; }); } }

  // ---- binary helpers -------------------------------------------------------------------------------

  const isBinary = v => typeof ArrayBuffer !== "undefined" && (v instanceof ArrayBuffer || ArrayBuffer.isView(v));

  function toBase64(data) {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(text);
  }

  function fromBase64(text) {
    const chars = atob(text), bytes = new Uint8Array(chars.length);
    for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
    return bytes.buffer;
  }

  // ---- Engine.IO packets { type: "0".."6", data: string | ArrayBuffer | undefined } ---------------

  const encodeText = p => p.type + (p.data === undefined ? "" : p.data);
  const encodeForWebSocket = p => (isBinary(p.data) ? p.data : encodeText(p)); // binary: the bytes as they are
  const encodeForPolling = p => (isBinary(p.data) ? "b" + toBase64(p.data) : encodeText(p)); // binary: "b" + base64
  const encodePayload = packets => packets.map(encodeForPolling).join(RS);
  const decodeText = text => ({ type: text.charAt(0), data: text.slice(1) });
  const decodePayload = text => text.split(RS).filter(s => s.length > 0)
    .map(s => (s.charAt(0) === "b" ? { type: "4", data: fromBase64(s.slice(1)) } : decodeText(s)));
  const utf8Length = text => new TextEncoder().encode(text).length;

  // ---- transports: they emit "packet", "drain" and "close" (reason, error) ----------------------------

  /** HTTP long-polling: one GET outstanding to receive, one POST at a time to send. */
  class Polling extends Emitter {
    constructor(engine) {
      super();
      this.name = "polling"; this.engine = engine;
      this.polling = false; this.writing = false; this.paused = false; this.closed = false; this._get = null;
    }
    get writable() { return !this.closed && !this.writing; }
    open() { this._poll(); }
    async _request(method, body) {
      const controller = new AbortController();
      if (method === "GET") this._get = controller;
      const init = { method, credentials: "include", cache: "no-store", signal: controller.signal };
      if (body !== undefined) { init.body = body; init.headers = { "Content-Type": "text/plain;charset=UTF-8" }; }
      const response = await fetch(this.engine.url("polling"), init);
      const text = await response.text();
      if (!response.ok) throw new Error("xhr " + (body === undefined ? "poll" : "post") + " error " + response.status + ": " + text);
      return text;
    }
    async _poll() {
      this.polling = true;
      let text;
      try { text = await this._request("GET"); } catch (err) { this.polling = false; return this._fail("transport error", err); }
      this.polling = false;
      for (const packet of decodePayload(text)) { if (this.closed) return; this._fire("packet", packet); }
      if (this.closed) return;
      if (this.paused) this._fire("pollComplete"); else this._poll();
    }
    async send(packets) {
      this.writing = true;
      try { await this._request("POST", encodePayload(packets)); } catch (err) { this.writing = false; return this._fail("transport error", err); }
      this.writing = false;
      this._fire("drain");
    }
    /** For the upgrade: stops polling once the outstanding GET (ended by the server's noop) and POST are done. */
    pause(onPaused) {
      this.paused = true;
      let pending = (this.polling ? 1 : 0) + (this.writing ? 1 : 0);
      const done = () => { if (--pending === 0) onPaused(); };
      if (pending === 0) onPaused();
      if (this.polling) this.once("pollComplete", done);
      if (this.writing) this.once("drain", done);
    }
    resume() { this.paused = false; if (!this.polling && !this.closed) this._poll(); }
    /** `final`: packets to send, followed by a close packet (a clean close); null just drops the transport. */
    close(final) {
      if (this.closed) return;
      this.closed = true;
      if (this._get) this._get.abort();
      if (!final) return;
      const post = () => this._request("POST", encodePayload(final.concat([{ type: "1" }]))).catch(() => {});
      if (this.writing) this.once("drain", post); else post();
    }
    _fail(reason, err) {
      if (this.closed) return;
      this.closed = true;
      if (this._get) this._get.abort();
      this._fire("close", reason, err);
    }
  }

  /** WebSocket: text frames carry text packets, binary frames carry binary messages as they are. */
  class WebSocketTransport extends Emitter {
    constructor(engine) { super(); this.name = "websocket"; this.engine = engine; this.closed = false; this.ws = null; }
    get writable() { return !this.closed && this.ws !== null && this.ws.readyState === 1; }
    open() {
      try { this.ws = new WebSocket(this.engine.url("websocket")); } catch (err) { setTimeout(() => this._fail("transport error", err)); return; }
      this.ws.binaryType = "arraybuffer";
      this.ws.onopen = () => { if (!this.closed) this._fire("open"); };
      this.ws.onmessage = ev => {
        if (!this.closed) this._fire("packet", typeof ev.data === "string" ? decodeText(ev.data) : { type: "4", data: ev.data });
      };
      this.ws.onerror = () => this._fail("transport error", new Error("websocket error"));
      this.ws.onclose = ev => this._fail("transport close", new Error("websocket closed with code " + ev.code));
    }
    send(packets) {
      for (const p of packets) this.ws.send(encodeForWebSocket(p));
      setTimeout(() => { if (!this.closed) this._fire("drain"); });
    }
    close(final) {
      if (this.closed) return;
      this.closed = true;
      if (!this.ws) return;
      if (final && this.ws.readyState === 1) for (const p of final) this.ws.send(encodeForWebSocket(p));
      this.ws.close();
    }
    _fail(reason, err) {
      if (this.closed) return;
      this.closed = true;
      report(() => this.ws && this.ws.close());
      this._fire("close", reason, err);
    }
  }

  // ---- Engine.IO session: handshake, heartbeat, write buffer, upgrade -------------------------------

  let stamps = 0;
  const stamp = () => Date.now().toString(36) + "." + (stamps++).toString(36); // the `t` cache buster

  /** One Engine.IO session; emits "open", "message" (string | ArrayBuffer), "upgrade", "close" (reason, error). */
  class Engine extends Emitter {
    constructor(opts) {
      super();
      this.opts = opts; this.state = "opening"; this.sid = null; this.transport = null;
      this.buffer = []; this.upgrading = false; this.maxPayload = 0; this._pingTimer = null; this._probe = null;
    }
    url(transport) {
      const url = new URL(this.opts.path, this.opts.url || root.location.href), query = new URLSearchParams();
      for (const key of Object.keys(this.opts.query || {})) query.set(key, this.opts.query[key]);
      query.set("EIO", "4");
      query.set("transport", transport);
      if (this.sid) query.set("sid", this.sid);
      if (transport === "polling") query.set("t", stamp());
      url.search = query.toString();
      url.hash = "";
      if (transport === "websocket") url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      return url.href;
    }
    open() {
      this._use(this.opts.transports[0] === "websocket" ? new WebSocketTransport(this) : new Polling(this));
      this.transport.open();
    }
    send(data) { this._write("4", data); }
    close() { this._onClose("forced close", null, true); }
    _use(transport) {
      if (this.transport) this.transport.off();
      this.transport = transport;
      transport.off();
      transport.on("packet", p => this._onPacket(p));
      transport.on("drain", () => this._flush());
      transport.on("close", (reason, err) => this._onClose(reason, err));
    }
    _onPacket(p) {
      if (this.state === "closed") return undefined;
      switch (p.type) {
        case "0": {
          let handshake;
          try { handshake = JSON.parse(p.data); } catch (err) { return this._onClose("parse error", err); }
          return this._onHandshake(handshake);
        }
        case "1": return this._onClose("transport close", new Error("closed by the server"));
        // ping -> pong, ahead of what waits to be sent: behind a queue of big messages (a POST
        // carries at most maxPayload) it would reach the server after its pingTimeout.
        case "2": this._resetPingTimer(); return this._write("3", undefined, true);
        case "4": return this._fire("message", p.data);
        case "6": return undefined;
        default: return this._onClose("parse error", new Error("unknown Engine.IO packet type " + JSON.stringify(p.type)));
      }
    }
    _onHandshake(h) {
      this.sid = h.sid; this.pingInterval = h.pingInterval; this.pingTimeout = h.pingTimeout; this.maxPayload = h.maxPayload || 0;
      this.state = "open";
      this._resetPingTimer();
      this._fire("open");
      this._flush();
      const upgrade = (h.upgrades || []).indexOf("websocket") >= 0 && this.opts.transports.indexOf("websocket") >= 0;
      if (upgrade && this.state === "open" && this.transport.name === "polling") this._tryUpgrade();
    }
    // No ping for pingInterval + pingTimeout: the server or the network is gone.
    _resetPingTimer() {
      clearTimeout(this._pingTimer);
      this._pingTimer = setTimeout(() => this._onClose("ping timeout"), this.pingInterval + this.pingTimeout);
    }
    // Upgrade: "2probe" on a new WebSocket, "3probe" back, pause polling, then "5" on the WebSocket.
    // Writes wait in the buffer meanwhile. If the probe fails, polling simply goes on.
    _tryUpgrade() {
      const ws = this._probe = new WebSocketTransport(this);
      let settled = false;
      const fail = () => {
        if (settled) return;
        settled = true; this._probe = null; this.upgrading = false;
        ws.off(); ws.close(null);
        if (this.state === "open") { this.transport.resume(); this._flush(); }
      };
      ws.on("open", () => ws.send([{ type: "2", data: "probe" }]));
      ws.on("close", fail);
      ws.on("packet", p => {
        if (settled) return undefined;
        if (p.type !== "3" || p.data !== "probe") return fail();
        this.upgrading = true;
        return this.transport.pause(() => {
          if (settled || this.state !== "open" || ws.closed) return fail();
          settled = true; this._probe = null;
          const polling = this.transport;
          this._use(ws);
          polling.close(null);
          ws.send([{ type: "5" }]);
          this.upgrading = false;
          this._fire("upgrade", ws.name);
          return this._flush();
        });
      });
      ws.open();
    }
    _write(type, data, first) {
      if (this.state === "closed") return;
      if (first) this.buffer.unshift({ type, data }); else this.buffer.push({ type, data });
      this._flush();
    }
    _flush() {
      if (this.state !== "open" || this.upgrading || !this.transport.writable || this.buffer.length === 0) return;
      this.transport.send(this._takeWritable());
    }
    // One POST carries at most the maxPayload bytes the server announced; the rest waits for the next.
    _takeWritable() {
      if (this.transport.name !== "polling" || !this.maxPayload) return this.buffer.splice(0);
      let size = 0, count = 0;
      for (; count < this.buffer.length; count++) {
        size += utf8Length(encodeForPolling(this.buffer[count])) + (count > 0 ? 1 : 0);
        if (count > 0 && size > this.maxPayload) break;
      }
      return this.buffer.splice(0, count);
    }
    _onClose(reason, err, clean) {
      if (this.state === "closed") return;
      const wasOpen = this.state === "open";
      this.state = "closed";
      clearTimeout(this._pingTimer);
      if (this._probe) { this._probe.off(); this._probe.close(null); this._probe = null; }
      this.transport.off();
      this.transport.close(clean && wasOpen ? this.buffer.splice(0) : null);
      this.buffer = [];
      this._fire("close", reason, err);
    }
  }

  // ---- Socket.IO packets: <type>[<attachments>-][<namespace>,][<ack id>][JSON] ---------------------

  // Binary values become {_placeholder: true, num} and travel as separate binary messages.
  function deconstruct(value, buffers) {
    if (isBinary(value)) return { _placeholder: true, num: buffers.push(value) - 1 };
    if (Array.isArray(value)) return value.map(v => deconstruct(v, buffers));
    if (!value || typeof value !== "object" || typeof value.toJSON === "function") return value;
    const out = {};
    for (const key of Object.keys(value)) out[key] = deconstruct(value[key], buffers);
    return out;
  }

  function reconstruct(value, buffers) {
    if (Array.isArray(value)) return value.map(v => reconstruct(v, buffers));
    if (!value || typeof value !== "object") return value;
    if (value._placeholder === true && typeof value.num === "number") return buffers[value.num];
    for (const key of Object.keys(value)) value[key] = reconstruct(value[key], buffers);
    return value;
  }

  function encodeSocketPacket(p) {
    const buffers = [];
    let type = p.type, data = p.data;
    if (type === EVENT || type === ACK) {
      data = deconstruct(data, buffers);
      if (buffers.length > 0) type = type === EVENT ? BINARY_EVENT : BINARY_ACK;
    }
    let text = String(type);
    if (buffers.length > 0) text += buffers.length + "-";
    if (p.nsp !== "/") text += p.nsp + ",";
    if (p.id !== undefined) text += p.id;
    if (data !== undefined && data !== null) text += JSON.stringify(data);
    return { text, buffers };
  }

  function decodeSocketPacket(text) {
    const type = Number(text.charAt(0));
    if (!(type >= CONNECT && type <= BINARY_ACK)) throw new Error("unknown Socket.IO packet type " + text.charAt(0));
    let i = 1, attachments = 0, nsp = "/", id;
    if (type === BINARY_EVENT || type === BINARY_ACK) {
      const dash = text.indexOf("-", i);
      attachments = Number(text.slice(i, dash));
      if (dash < 0 || !(attachments >= 0)) throw new Error("bad attachment count");
      i = dash + 1;
    }
    if (text.charAt(i) === "/") {
      const comma = text.indexOf(",", i), end = comma < 0 ? text.length : comma;
      nsp = text.slice(i, end);
      i = end + 1;
    }
    const digits = /^\d+/.exec(text.slice(i));
    if (digits) { id = Number(digits[0]); i += digits[0].length; }
    return { type, nsp, id, attachments, data: i < text.length ? JSON.parse(text.slice(i)) : undefined };
  }

  // ---- the socket: one namespace over one Engine.IO session, reconnecting -------------------------

  class Socket extends Emitter {
    constructor(options) {
      super();
      this.opts = Object.assign({}, DEFAULTS, options || {});
      this.opts.transports = (this.opts.transports || DEFAULTS.transports).filter(t => t === "polling" || t === "websocket");
      if (this.opts.transports.length === 0) throw new Error("zenith: no usable transport");
      this.nsp = this.opts.namespace || "/";
      this.connected = false; this.id = null; this.transport = null;
      this._engine = null; this._sendBuffer = []; this._acks = new Map(); this._ackId = 0; this._partial = null;
      this._rooms = new Map(); this._attempts = 0; this._reconnectTimer = null; this._connectTimer = null; this._closed = false;
      this._pid = null; this._lastOffset = null; this.recovered = false;
      this.connect();
    }
    /** Opens a session (the constructor does; call it again after close() or a refused CONNECT). */
    connect() {
      if (this._engine || this.connected) return this;
      this._closed = false;
      clearTimeout(this._reconnectTimer); this._reconnectTimer = null;
      const engine = this._engine = new Engine(this.opts);
      engine.on("open", () => { this.transport = engine.transport.name; this._sendConnect(); });
      engine.on("upgrade", name => { this.transport = name; this._fire("upgrade", name); });
      engine.on("message", data => this._onMessage(data));
      engine.on("close", (reason, err) => this._onEngineClose(engine, reason, err));
      clearTimeout(this._connectTimer);
      this._connectTimer = setTimeout(() => engine._onClose("timeout", new Error("timeout")), this.opts.timeout);
      engine.open();
      return this;
    }
    /** Sends an event; a function as last argument receives the server's acknowledgement. */
    emit(event, ...args) {
      if (RESERVED.indexOf(event) >= 0) throw new Error('"' + event + '" is a reserved event name');
      const packet = { type: EVENT, nsp: this.nsp, data: [event].concat(args) };
      if (typeof packet.data[packet.data.length - 1] === "function") {
        packet.id = this._ackId++;
        this._acks.set(packet.id, packet.data.pop());
      }
      if (this.connected) this._sendPacket(packet); else this._sendBuffer.push(packet); // sent on connect
      return this;
    }
    /** Joins `room` (emit "subscribe") now and after every reconnect; resolves with the first ack. */
    subscribe(room) {
      let entry = this._rooms.get(room);
      if (!entry) {
        entry = { resolved: false };
        entry.promise = new Promise(resolve => { entry.resolve = resolve; });
        this._rooms.set(room, entry);
        if (this.connected) this._join(room, entry);
      }
      return entry.promise;
    }
    /** Leaves `room` and stops re-joining it; resolves with the ack (null when not connected). */
    unsubscribe(room) {
      this._rooms.delete(room);
      return this.connected ? new Promise(resolve => this.emit("unsubscribe", room, resolve)) : Promise.resolve(null);
    }
    /** Disconnects for good (until connect() is called). */
    close() {
      this._closed = true;
      clearTimeout(this._reconnectTimer); this._reconnectTimer = null;
      const engine = this._engine, wasConnected = this.connected;
      if (wasConnected) this._sendPacket({ type: DISCONNECT, nsp: this.nsp });
      this._detach();
      if (engine) engine.close();
      if (wasConnected) this._fire("disconnect", "io client disconnect");
      return this;
    }
    disconnect() { return this.close(); }
    _join(room, entry) {
      this.emit("subscribe", room, ack => {
        if (ack && ack.ok === false) this._rooms.delete(room); // refused: not asked again on reconnect
        if (!entry.resolved) { entry.resolved = true; entry.resolve(ack); }
      });
    }
    _sendConnect() {
      const send = auth => {
        const data = this._pid && this._lastOffset ? Object.assign({ pid: this._pid, offset: this._lastOffset }, auth || {}) : auth;
        this._sendPacket({ type: CONNECT, nsp: this.nsp, data: data || undefined });
      };
      if (typeof this.opts.auth === "function") this.opts.auth(send); else send(this.opts.auth);
    }
    _sendPacket(packet) {
      if (!this._engine) return;
      const encoded = encodeSocketPacket(packet);
      this._engine.send(encoded.text);
      for (const buffer of encoded.buffers) this._engine.send(buffer);
    }
    _onMessage(data) {
      if (typeof data !== "string") { // a binary attachment of the packet being assembled
        const partial = this._partial;
        if (!partial) return undefined;
        partial.buffers.push(data);
        if (partial.buffers.length < partial.attachments) return undefined;
        this._partial = null;
        partial.data = reconstruct(partial.data, partial.buffers);
        return this._onPacket(partial);
      }
      let packet;
      try { packet = decodeSocketPacket(data); } catch (err) { return this._engine._onClose("parse error", err); }
      if (packet.attachments > 0) { packet.buffers = []; this._partial = packet; return undefined; }
      return this._onPacket(packet);
    }
    _onPacket(p) {
      if (p.nsp !== this.nsp) return undefined;
      const engine = this._engine;
      switch (p.type) {
        case CONNECT:
          if (!p.data || typeof p.data.sid !== "string") return engine._onClose("parse error", new Error("CONNECT without sid"));
          return this._onConnect(p.data.sid, p.data.pid);
        case CONNECT_ERROR: { // refused: like the official client, no automatic retry
          const data = p.data || {}, err = new Error(typeof data === "string" ? data : data.message);
          err.data = data.data;
          this._closed = true; this._detach(); engine.close();
          return this._fire("connect_error", err);
        }
        case DISCONNECT: // the server ended it: no automatic reconnection either
          this._closed = true; this._detach(); engine.close();
          return this._fire("disconnect", "io server disconnect");
        case EVENT: case BINARY_EVENT: {
          const args = Array.isArray(p.data) ? p.data.slice() : [];
          if (typeof args[0] !== "string") return undefined;
          // A broadcast's offset is its last argument (left to the handlers, as the official client does).
          if (this._pid && p.id === undefined && args.length > 1 && typeof args[args.length - 1] === "string") {
            this._lastOffset = args[args.length - 1];
          }
          if (p.id !== undefined) args.push(this._ackFunction(p.id));
          return this._fire.apply(this, args);
        }
        case ACK: case BINARY_ACK: {
          const callback = this._acks.get(p.id);
          if (!callback) return undefined;
          this._acks.delete(p.id);
          return report(() => callback.apply(this, Array.isArray(p.data) ? p.data : []));
        }
        default: return undefined;
      }
    }
    // The callback handed to a handler when the server asked for an ack; it answers once.
    _ackFunction(id) {
      let sent = false;
      return (...args) => {
        if (!sent) { sent = true; this._sendPacket({ type: ACK, nsp: this.nsp, id, data: args }); }
      };
    }
    _onConnect(sid, pid) {
      clearTimeout(this._connectTimer);
      this.recovered = typeof pid === "string" && pid === this._pid;
      this._pid = typeof pid === "string" ? pid : null;
      if (!this.recovered) this._lastOffset = null;
      this.id = sid; this.connected = true; this._attempts = 0;
      for (const packet of this._sendBuffer.splice(0)) this._sendPacket(packet);
      for (const [room, entry] of this._rooms) this._join(room, entry);
      this._fire("connect");
    }
    _onEngineClose(engine, reason, err) {
      if (engine !== this._engine) return;
      const wasConnected = this.connected;
      this._detach();
      if (wasConnected) this._fire("disconnect", reason, err ? { description: err.message } : undefined);
      else this._fire("connect_error", err instanceof Error ? err : new Error(reason));
      if (!this._closed && this.opts.reconnection) this._scheduleReconnect();
    }
    _detach() {
      clearTimeout(this._connectTimer);
      this._engine = null; this.connected = false; this.id = null; this.transport = null; this._partial = null;
    }
    // Exponential backoff from reconnectionDelay up to reconnectionDelayMax, with +-randomizationFactor jitter.
    _scheduleReconnect() {
      if (this._reconnectTimer) return;
      const o = this.opts, base = Math.min(o.reconnectionDelayMax, o.reconnectionDelay * Math.pow(2, this._attempts));
      const delay = Math.round(Math.min(o.reconnectionDelayMax, base * (1 + o.randomizationFactor * (2 * Math.random() - 1))));
      this._attempts++;
      this._fire("reconnect_attempt", this._attempts, delay);
      this._reconnectTimer = setTimeout(() => { this._reconnectTimer = null; if (!this._closed) this.connect(); }, delay);
    }
  }

  root.zenith = { version: "1", Socket, connect: options => new Socket(options) };
})(typeof self !== "undefined" ? self : this);