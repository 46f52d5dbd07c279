/* asexor web app: generated from web/src/*.ts by scripts/build-web-app.ts; do not edit. */
"use strict";
(() => {
  // shared/wamp/app-uris.ts
  var AUTHID_UNSAFE = /[.#%\s]/gu;
  var encoder = new TextEncoder();
  function percentEncode(char) {
    let out = "";
    for (const byte of encoder.encode(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    return out;
  }
  function escapeAuthid(authid) {
    if (authid.length === 0) throw new RangeError("authid must not be empty");
    return authid.replace(AUTHID_UNSAFE, percentEncode);
  }
  function statusTopic(prefix, authid) {
    return `${prefix}.status.${escapeAuthid(authid)}`;
  }

  // web/src/store.ts
  var STATUSES = ["queued", "started", "progress", "success", "error", "cancelled", "timeout"];
  function isTerminal(status) {
    return status === "success" || status === "error" || status === "cancelled" || status === "timeout";
  }
  function rank(status) {
    switch (status) {
      case "queued":
        return 0;
      case "started":
        return 1;
      case "progress":
        return 2;
      default:
        return 3;
    }
  }
  function isRecord(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  function toStatusEvent(value) {
    if (!isRecord(value)) return void 0;
    const { task_id: id, task, status, at } = value;
    if (typeof id !== "string" || typeof task !== "string" || typeof at !== "string") return void 0;
    if (typeof status !== "string" || !STATUSES.includes(status)) return void 0;
    return value;
  }
  var TaskStore = class {
    #tasks = /* @__PURE__ */ new Map();
    /** Applies one event; returns the task's new view, or undefined when the event changed nothing. */
    apply(event) {
      const old = this.#tasks.get(event.task_id);
      const next = old === void 0 ? fresh(event) : advance(old, event);
      if (next === old) return void 0;
      this.#tasks.set(event.task_id, next);
      return next;
    }
    get(id) {
      return this.#tasks.get(id);
    }
    /** Newest first (by the time of the first known event). */
    all() {
      return [...this.#tasks.values()].sort((a, b) => startOf(b).localeCompare(startOf(a)));
    }
    /** Ids of the tasks not yet finished: after a reconnect, their status is fetched again. */
    pending() {
      return [...this.#tasks.values()].filter((t) => !isTerminal(t.status)).map((t) => t.id);
    }
    clear() {
      this.#tasks.clear();
    }
  };
  function startOf(view) {
    return view.queuedAt ?? view.startedAt ?? view.at;
  }
  function fresh(event) {
    return withEvent({ id: event.task_id, task: event.task, status: event.status, at: event.at, steps: [], hasResult: false }, event);
  }
  function advance(old, event) {
    if (isTerminal(old.status)) return old;
    if (rank(event.status) < rank(old.status)) {
      if (event.status === "queued" && old.queuedAt === void 0) return { ...old, queuedAt: event.at };
      if (event.status === "started" && old.startedAt === void 0) return { ...old, startedAt: event.at };
      return old;
    }
    if (event.status === "progress" && old.status === "progress") {
      if (event.at < old.at) return old;
      const last = old.steps.at(-1);
      if (last !== void 0 && last.at === event.at && last.progress === event.progress && last.message === (event.message ?? "")) return old;
    }
    if (event.status === old.status && event.status !== "progress") return old;
    return withEvent(old, event);
  }
  function withEvent(base, event) {
    const view = { ...base, status: event.status, at: event.at };
    switch (event.status) {
      case "queued":
        view.queuedAt = event.at;
        break;
      case "started":
        view.startedAt = event.at;
        break;
      case "progress": {
        const progress = typeof event.progress === "number" ? Math.min(1, Math.max(0, event.progress)) : base.progress ?? 0;
        view.progress = progress;
        if (typeof event.message === "string" && event.message !== "") {
          view.message = event.message;
          view.steps = [...base.steps, { at: event.at, progress, message: event.message }];
        }
        break;
      }
      default:
        if (typeof event.duration === "number") view.duration = event.duration;
        if (event.status === "success") {
          view.result = event.result;
          view.hasResult = true;
          view.progress = 1;
        }
        if (event.error !== void 0) view.error = event.error;
    }
    return view;
  }
  function eventsOfActive(task) {
    const base = { task_id: task.task_id, task: task.task };
    const events = [{ ...base, status: "queued", at: task.queued_at }];
    if (task.status === "running") {
      events.push({ ...base, status: "started", at: task.started_at ?? task.queued_at });
      if (typeof task.progress === "number") {
        events.push({ ...base, status: "progress", at: task.started_at ?? task.queued_at, progress: task.progress, ...task.message === void 0 ? {} : { message: task.message } });
      }
    }
    return events;
  }
  function matchesFilter(view, filter) {
    if (filter.task !== "" && view.task !== filter.task) return false;
    if (filter.status === "active" && isTerminal(view.status)) return false;
    if (filter.status === "started" && view.status !== "started" && view.status !== "progress") return false;
    if (filter.status !== "" && filter.status !== "active" && filter.status !== "started" && view.status !== filter.status) return false;
    const text = filter.text.trim().toLowerCase();
    if (text === "") return true;
    const haystack = [
      view.id,
      view.task,
      view.status,
      view.message ?? "",
      view.error?.code ?? "",
      view.error?.message ?? "",
      view.error?.stderr_tail ?? "",
      view.hasResult ? JSON.stringify(view.result) : "",
      ...view.steps.map((s) => s.message)
    ].join("\n").toLowerCase();
    return haystack.includes(text);
  }
  function resultFiles(result) {
    const found = /* @__PURE__ */ new Set();
    const visit = (value, key, depth) => {
      if (depth > 6) return;
      if (typeof value === "string") {
        if (/^(output|outputs|file|files|path)$/.test(key) && value !== "") found.add(value);
      } else if (Array.isArray(value)) {
        for (const item of value) visit(item, key, depth + 1);
      } else if (isRecord(value)) {
        for (const [k, v] of Object.entries(value)) if (k !== "params") visit(v, k, depth + 1);
      }
    };
    visit(result, "", 0);
    return [...found];
  }

  // web/src/api.ts
  var CallError = class extends Error {
    uri;
    kwargs;
    constructor(uri, message, kwargs = {}) {
      super(message);
      this.name = "CallError";
      this.uri = uri;
      this.kwargs = kwargs;
    }
  };
  function isRecord2(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  function callError(error) {
    if (error instanceof CallError) return error;
    if (isRecord2(error) && typeof error["error"] === "string") {
      const kwargs = isRecord2(error["kwargs"]) ? error["kwargs"] : {};
      const args = Array.isArray(error["args"]) ? error["args"] : [];
      const message = typeof kwargs["message"] === "string" ? kwargs["message"] : typeof args[0] === "string" ? args[0] : error["error"];
      return new CallError(error["error"], message, kwargs);
    }
    return new CallError("", error instanceof Error ? error.message : String(error));
  }
  var NO_SUCH_PROCEDURE = "wamp.error.no_such_procedure";
  var Api = class {
    #session;
    #prefix;
    constructor(session, prefix = "asexor") {
      this.#session = session;
      this.#prefix = prefix;
    }
    async #call(procedure, args = [], kwargs = {}) {
      return await this.#session.call(`${this.#prefix}.${procedure}`, args, kwargs);
    }
    async list() {
      const value = await this.#call("control.list");
      return Array.isArray(value) ? value : [];
    }
    /** Submits a task with keyword params; resolves with its id. */
    async submit(task, params) {
      return String(await this.#call(`task.${task}`, [], params));
    }
    async status(taskId) {
      return toStatusEvent(await this.#call("control.status", [taskId]));
    }
    async cancel(taskId) {
      return await this.#call("control.cancel", [taskId]);
    }
    async history(limit) {
      const value = await this.#call("control.history", [limit]);
      return Array.isArray(value) ? value.map(toStatusEvent).filter((e) => e !== void 0) : [];
    }
    async stats() {
      return await this.#call("control.stats");
    }
    /** Queued and running tasks: the caller's, or with `all` (admins) everyone's. */
    async tasks(all) {
      const value = await this.#call("control.tasks", [], all ? { all: true } : {});
      return Array.isArray(value) ? value : [];
    }
    async files() {
      const value = await this.#call("files.list");
      return Array.isArray(value) ? value : [];
    }
    async upload(path, base64, overwrite) {
      return await this.#call("files.upload", [path, base64], overwrite ? { overwrite: true } : {});
    }
    async link(path) {
      return await this.#call("files.link", [path]);
    }
    /** Subscribes to the caller's status topic (only the owner may, docs/worker.md "The worker: serve, CLI, WAMP API"). */
    async subscribeStatus(authid, onEvent2) {
      await this.#session.subscribe(statusTopic(this.#prefix, authid), (_args, kwargs) => {
        const event = toStatusEvent(kwargs);
        if (event !== void 0) onEvent2(event);
      });
    }
  };

  // web/src/dom.ts
  function h(tag, props = {}, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === void 0 || value === null || value === false) continue;
      if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
      else if (key === "class") el.className = String(value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    append(el, ...children);
    return el;
  }
  function append(parent, ...children) {
    for (const child of children) {
      if (child === null || child === void 0 || child === false) continue;
      parent.appendChild(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
  }
  function fill(parent, ...children) {
    parent.replaceChildren();
    append(parent, ...children);
  }
  function byId(id, type) {
    const el = document.getElementById(id);
    if (!(el instanceof type)) throw new Error(`#${id} is missing from index.html or is not a ${type.name}`);
    return el;
  }
  function setHidden(el, hidden, fallback) {
    if (el.hidden === hidden) return;
    const hadFocus = hidden && el.contains(document.activeElement);
    el.hidden = hidden;
    if (hadFocus && fallback !== void 0) fallback.focus();
  }

  // web/src/format.ts
  function formatDuration(seconds) {
    if (!Number.isFinite(seconds) || seconds < 0) return "";
    if (seconds < 1) return `${Math.round(seconds * 1e3)} ms`;
    if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
    return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  }
  function formatBytes(bytes) {
    if (!Number.isFinite(bytes) || bytes < 0) return "";
    if (bytes < 1024) return `${bytes} B`;
    const units = ["KiB", "MiB", "GiB", "TiB"];
    let value = bytes / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit += 1;
    }
    return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit] ?? ""}`;
  }
  function formatTime(iso, now = /* @__PURE__ */ new Date()) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const pad = (n) => String(n).padStart(2, "0");
    const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    const sameDay = date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
    return sameDay ? time : `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${time}`;
  }
  function secondsBetween(from, to) {
    const start = new Date(from).getTime();
    return Number.isNaN(start) ? void 0 : Math.max(0, (to.getTime() - start) / 1e3);
  }
  function prettyJson(value) {
    if (value === void 0) return "";
    try {
      return JSON.stringify(value, null, 2);
    } catch {
      return "(a value that is not JSON)";
    }
  }
  function toBase64(bytes) {
    let binary = "";
    const chunk = 32768;
    for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
    return btoa(binary);
  }

  // web/src/admin-view.ts
  var AdminView = class {
    #stats;
    #body;
    #note;
    #rows = /* @__PURE__ */ new Map();
    #announce;
    #api;
    #timer;
    #busy = false;
    constructor(root, announce2) {
      this.#announce = announce2;
      this.#stats = h("div", { class: "stats", id: "admin-stats" });
      this.#note = h("p", { class: "help", role: "status", id: "admin-note", tabindex: "-1" });
      this.#body = h("tbody", {});
      const table = h(
        "table",
        { id: "admin-tasks" },
        h("caption", { class: "visually-hidden" }, "Queued and running tasks of every user"),
        h("thead", {}, h("tr", {}, ...["Owner", "Task", "Status", "Priority", "Queued", "Progress", ""].map((t) => h("th", { scope: "col" }, t)))),
        this.#body
      );
      const refresh = h("button", { type: "button", class: "secondary", onclick: () => void this.refresh() }, "Refresh");
      fill(
        root,
        h("h2", { id: "admin-title" }, "Admin: all users"),
        h("h3", {}, "Queue"),
        this.#stats,
        h("div", { class: "row-between" }, h("h3", {}, "Queued and running tasks"), refresh),
        h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "All tasks" }, table),
        this.#note
      );
    }
    start(api2) {
      this.#api = api2;
      clearInterval(this.#timer);
      void this.refresh();
      this.#timer = setInterval(() => void this.refresh(), 2e3);
    }
    stop() {
      this.#api = void 0;
      clearInterval(this.#timer);
      this.#timer = void 0;
    }
    /** Stops polling and forgets what was shown (logout). */
    clear() {
      this.stop();
      this.#rows.clear();
      this.#body.replaceChildren();
      this.#stats.replaceChildren();
      this.#note.textContent = "";
    }
    async refresh() {
      const api2 = this.#api;
      if (api2 === void 0 || this.#busy) return;
      this.#busy = true;
      try {
        const [stats, tasks2] = await Promise.allSettled([api2.stats(), api2.tasks(true)]);
        if (stats.status === "fulfilled") this.#renderStats(stats.value);
        if (tasks2.status === "fulfilled") {
          this.#renderTasks(tasks2.value);
          this.#note.textContent = tasks2.value.length === 0 ? "No task is queued or running." : "";
        } else {
          const error = callError(tasks2.reason);
          this.#note.textContent = error.uri === NO_SUCH_PROCEDURE ? "This server cannot list every user's tasks (no asexor.control.tasks)." : `Could not list the tasks: ${error.message}`;
        }
      } finally {
        this.#busy = false;
      }
    }
    #renderStats(stats) {
      const items = [
        ["Queued", String(stats.queued)],
        ["Running", String(stats.running)],
        ...stats.concurrency === void 0 ? [] : [["Concurrency", String(stats.concurrency)]],
        ...stats.users === void 0 ? [] : [["Users with tasks", String(stats.users)]],
        ...stats.maxQueued === void 0 ? [] : [["Max queued", String(stats.maxQueued)]],
        ...stats.accepting === void 0 ? [] : [["Accepting", stats.accepting ? "yes" : "no (shutting down)"]]
      ];
      const priorities = Object.entries(stats.byPriority ?? {}).sort(([a], [b]) => Number(a) - Number(b));
      fill(
        this.#stats,
        h("dl", { class: "numbers" }, ...items.map(([k, v]) => h("div", {}, h("dt", {}, k), h("dd", { "data-stat": k }, v)))),
        priorities.length === 0 ? null : h(
          "table",
          { class: "priorities", id: "admin-priorities" },
          h("caption", {}, "Queued by priority (0 runs first)"),
          h("thead", {}, h("tr", {}, h("th", { scope: "row" }, "Priority"), ...priorities.map(([p]) => h("th", { scope: "col" }, p)))),
          h("tbody", {}, h("tr", {}, h("th", { scope: "row" }, "Queued"), ...priorities.map(([, n]) => h("td", {}, String(n)))))
        )
      );
    }
    #renderTasks(tasks2) {
      const seen = /* @__PURE__ */ new Set();
      let index = 0;
      for (const task of tasks2) {
        seen.add(task.task_id);
        let entry = this.#rows.get(task.task_id);
        if (entry === void 0) {
          const cells = Array.from({ length: 6 }, () => h("td", {}));
          const cancel = h("button", { type: "button", class: "danger small", "aria-label": `Cancel ${task.task} of ${task.owner}`, onclick: () => void this.#cancel(task) }, "Cancel");
          const row = h("tr", { "data-task-id": task.task_id, "data-owner": task.owner }, ...cells, h("td", {}, cancel));
          entry = { row, cells };
          this.#rows.set(task.task_id, entry);
        }
        const values = [
          task.owner,
          task.task,
          task.status,
          String(task.priority),
          formatTime(task.queued_at),
          task.progress === void 0 ? "" : `${Math.round(task.progress * 100)} %${task.message === void 0 ? "" : ` ${task.message}`}`
        ];
        values.forEach((value, i) => {
          const cell = entry.cells[i];
          if (cell !== void 0 && cell.textContent !== value) cell.textContent = value;
        });
        const at = this.#body.children[index] ?? null;
        if (at !== entry.row) this.#body.insertBefore(entry.row, at);
        index += 1;
      }
      for (const [id, entry] of this.#rows) {
        if (seen.has(id)) continue;
        if (entry.row.contains(document.activeElement)) this.#note.focus();
        entry.row.remove();
        this.#rows.delete(id);
      }
    }
    async #cancel(task) {
      const api2 = this.#api;
      if (api2 === void 0) return;
      try {
        await api2.cancel(task.task_id);
        this.#announce(`Cancelled ${task.task} of ${task.owner}.`);
      } catch (error) {
        this.#announce(`Could not cancel ${task.task} of ${task.owner}: ${callError(error).message}`);
      }
      await this.refresh();
    }
  };

  // web/src/reconnect.ts
  var DEFAULT_BACKOFF = { initialMs: 1e3, maxMs: 3e4, growth: 1.8, jitter: 0.2 };
  function retryDelay(round, backoff = DEFAULT_BACKOFF, random = Math.random) {
    const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.growth ** Math.max(0, round - 1));
    return Math.round(base * (1 + backoff.jitter * (2 * random() - 1)));
  }
  function transportOrder(available, lastGood) {
    if (lastGood === void 0 || !available.includes(lastGood)) return [...available];
    return [lastGood, ...available.filter((kind) => kind !== lastGood)];
  }
  var REFUSALS = {
    "wamp.error.authentication_denied": "Wrong user name or ticket/secret.",
    "wamp.error.authentication_required": "Enter a user name.",
    "wamp.error.no_matching_auth_method": "The server does not accept this login method here; try the other one.",
    "wamp.error.authentication_failed": "The server could not check the login (its authenticator failed); try again later.",
    "wamp.error.no_such_realm": 'The server has no realm "asexor".',
    "wamp.error.no_such_role": "Your user has a role the server does not know.",
    "wamp.error.not_authorized": "You may not join this realm."
  };
  function isRefusal(reason) {
    return reason !== "" && !reason.startsWith("wamp.close.");
  }
  function verdict(info) {
    const reason = info.wampReason ?? "";
    if (!info.joined && isRefusal(reason)) {
      const known = REFUSALS[reason];
      const detail = info.message !== void 0 && info.message !== null && info.message !== "" ? info.message : void 0;
      const message = known ?? `Login refused (${reason}${detail === void 0 ? "" : `: ${detail}`}).`;
      return { kind: "refused", message };
    }
    if (!info.joined) {
      return { kind: "next-transport", message: info.reason === "unsupported" ? "this browser cannot open the transport" : "the server could not be reached" };
    }
    if (reason === "wamp.close.system_shutdown") return { kind: "lost", message: "The server is shutting down." };
    if (reason === "wamp.close.killed") return { kind: "lost", message: "The server closed this session." };
    return { kind: "lost", message: "The connection was lost." };
  }
  function unreachableMessage(url) {
    return `Cannot reach the server at ${url}: check that it is running and that the address is right.`;
  }

  // web/src/connection.ts
  function onchallenge(credentials) {
    return (_session, method, extra) => {
      if (method === "ticket") return credentials.secret;
      if (method === "wampcra") {
        const key = extra.salt !== void 0 ? autobahn.auth_cra.derive_key(credentials.secret, extra.salt, extra.iterations, extra.keylen) : credentials.secret;
        return autobahn.auth_cra.sign(key, extra.challenge ?? "");
      }
      throw new Error(`unsupported authentication method ${method}`);
    };
  }
  function serializers() {
    const out = [];
    const { MsgpackSerializer, JSONSerializer } = autobahn.serializer;
    if (MsgpackSerializer !== void 0) {
      try {
        out.push(new MsgpackSerializer());
      } catch {
      }
    }
    if (JSONSerializer !== void 0) out.push(new JSONSerializer());
    return out;
  }
  var Connector = class {
    #options;
    #stopped = false;
    #everJoined = false;
    #lastGood;
    #round = 0;
    #current;
    #timer;
    #state = { kind: "closed" };
    constructor(options) {
      this.#options = options;
    }
    get state() {
      return this.#state;
    }
    start() {
      this.#round = 0;
      this.#startRound();
    }
    /** Skips the wait of a pending retry. */
    retryNow() {
      if (this.#state.kind !== "waiting") return;
      clearTimeout(this.#timer);
      this.#startRound();
    }
    stop() {
      this.#stopped = true;
      clearTimeout(this.#timer);
      const current = this.#current;
      this.#current = void 0;
      if (current !== void 0) {
        try {
          current.close("wamp.close.normal", "logged out");
        } catch {
        }
      }
      this.#set({ kind: "closed" });
    }
    #set(state) {
      this.#state = state;
      this.#options.onState(state);
    }
    #startRound() {
      if (this.#stopped) return;
      this.#round += 1;
      this.#attempt(transportOrder(this.#options.transports, this.#lastGood), 0);
    }
    #attempt(order, index) {
      const kind = order[index];
      if (kind === void 0 || this.#stopped) return;
      const { credentials } = this.#options;
      const transport = kind === "websocket" ? { type: "websocket", url: this.#options.wsUrl, serializers: serializers() } : { type: "longpoll", url: this.#options.lpUrl };
      const connection = new autobahn.Connection({
        transports: [transport],
        realm: this.#options.realm,
        authmethods: [credentials.method],
        authid: credentials.authid,
        onchallenge: onchallenge(credentials),
        max_retries: 0,
        retry_if_unreachable: false
      });
      this.#current = connection;
      let joined = false;
      const giveUp = setTimeout(() => {
        try {
          connection.close();
        } catch {
        }
      }, this.#options.attemptTimeoutMs);
      connection.onopen = (session, details) => {
        clearTimeout(giveUp);
        if (this.#current !== connection) return;
        joined = true;
        this.#everJoined = true;
        this.#lastGood = kind;
        this.#round = 0;
        this.#set({ kind: "open", transport: kind, protocol: details.transport?.protocol ?? "" });
        this.#options.onOpen(session, details);
      };
      connection.onclose = (reason, details) => {
        clearTimeout(giveUp);
        if (this.#current !== connection) return true;
        this.#current = void 0;
        if (joined) this.#options.onLost();
        if (this.#stopped) return true;
        const outcome = verdict({ reason, wampReason: details.reason, message: details.message, joined });
        if (outcome.kind === "refused") {
          this.#set({ kind: "failed", message: outcome.message, joinedBefore: this.#everJoined });
        } else if (outcome.kind === "next-transport" && index + 1 < order.length) {
          this.#attempt(order, index + 1);
        } else if (!this.#everJoined) {
          this.#set({ kind: "failed", message: unreachableMessage(this.#options.wsUrl.replace(/\/ws$/, "/")), joinedBefore: false });
        } else {
          if (outcome.kind === "lost") this.#round = 0;
          const delay = retryDelay(this.#round + 1);
          this.#set({ kind: "waiting", until: Date.now() + delay, round: this.#round + 1, message: outcome.message });
          this.#timer = setTimeout(() => {
            this.#startRound();
          }, delay);
        }
        return true;
      };
      this.#set({ kind: "connecting", transport: kind, round: this.#round });
      connection.open();
    }
  };

  // web/src/login.ts
  var DEMO = { method: "ticket", authid: "demo", secret: "demo-ticket" };
  function isLocalHost(hostname) {
    return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]" || hostname === "::1";
  }
  function endpoints(pageUrl) {
    const ws = new URL("ws", pageUrl);
    ws.protocol = ws.protocol === "https:" ? "wss:" : "ws:";
    ws.search = "";
    ws.hash = "";
    const lp = new URL("lp", pageUrl);
    lp.search = "";
    lp.hash = "";
    return { wsUrl: ws.href, lpUrl: lp.href };
  }
  function parseSaved(text) {
    if (text === null) return void 0;
    try {
      const value = JSON.parse(text);
      if (typeof value !== "object" || value === null) return void 0;
      const { method, authid, secret } = value;
      if (method !== "ticket" && method !== "wampcra" || typeof authid !== "string" || typeof secret !== "string") return void 0;
      return { method, authid, secret };
    } catch {
      return void 0;
    }
  }

  // web/src/task-card.ts
  var STATUS_LABEL = {
    queued: "queued",
    started: "running",
    progress: "running",
    success: "succeeded",
    error: "failed",
    cancelled: "cancelled",
    timeout: "timed out"
  };
  function statusLabel(status) {
    return STATUS_LABEL[status] ?? status;
  }
  var TaskCard = class {
    element;
    #hooks;
    #title;
    #badge = h("span", { class: "badge" });
    #meta = h("p", { class: "meta" });
    #params = h("p", { class: "meta params", hidden: true });
    #bar = h("progress", { max: "1", value: "0" });
    #barText = h("span", { class: "bar-text" });
    #barRow;
    #message = h("p", { class: "message", hidden: true });
    #steps = h("ol", { class: "steps" });
    #stepsBox;
    #stepsSummary = h("summary", {});
    #error = h("div", { class: "error-box", hidden: true });
    #result = h("div", { class: "result", hidden: true });
    #cancel;
    #cancelNote = h("span", { class: "help", role: "status" });
    #view;
    #shownFiles = "";
    constructor(view, hooks) {
      this.#hooks = hooks;
      this.#title = h("h3", { tabindex: "-1" }, view.task);
      this.#barRow = h("div", { class: "bar-row" }, this.#bar, this.#barText);
      this.#stepsBox = h("details", { class: "steps-box", hidden: true }, this.#stepsSummary, this.#steps);
      this.#cancel = h("button", { type: "button", class: "danger", onclick: () => {
        this.#onCancel();
      } }, "Cancel");
      this.element = h(
        "article",
        { class: "task-card", "data-task-id": view.id, "data-task": view.task, "aria-labelledby": `t-${view.id}` },
        h("header", {}, this.#title, this.#badge),
        this.#meta,
        this.#params,
        this.#barRow,
        this.#message,
        this.#stepsBox,
        this.#error,
        this.#result,
        h("div", { class: "actions" }, this.#cancel, this.#cancelNote)
      );
      this.#title.id = `t-${view.id}`;
      this.update(view);
    }
    setParams(params) {
      const text = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
      this.#params.textContent = text === "" ? "" : `params: ${text}`;
      this.#params.hidden = text === "";
    }
    update(view, now = /* @__PURE__ */ new Date()) {
      this.#view = view;
      const el = this.element;
      el.dataset["status"] = view.status;
      this.#badge.textContent = statusLabel(view.status);
      this.#badge.className = `badge badge-${view.status === "progress" ? "started" : view.status}`;
      const started = view.startedAt ?? view.queuedAt;
      const elapsed = view.duration ?? (!isTerminal(view.status) && view.startedAt !== void 0 ? secondsBetween(view.startedAt, now) : void 0);
      fill(
        this.#meta,
        h("code", { title: view.id }, view.id.slice(0, 8)),
        this.#hooks.owner === void 0 ? null : ` · ${this.#hooks.owner}`,
        started === void 0 ? null : ` · ${view.startedAt === void 0 ? "queued" : "started"} ${formatTime(started)}`,
        isTerminal(view.status) ? ` · ended ${formatTime(view.at)}` : null,
        elapsed === void 0 ? null : h("span", { class: "duration" }, ` · ${isTerminal(view.status) ? "took" : "running for"} ${formatDuration(elapsed)}`)
      );
      const running = view.status === "started" || view.status === "progress";
      const showBar = running || view.status === "queued";
      this.#barRow.hidden = !showBar;
      if (view.progress !== void 0 || isTerminal(view.status)) {
        const value = view.status === "success" ? 1 : view.progress ?? 0;
        this.#bar.value = value;
        this.#barText.textContent = `${Math.round(value * 100)} %`;
      } else {
        this.#bar.removeAttribute("value");
        this.#barText.textContent = view.status === "queued" ? "waiting" : "";
      }
      this.#bar.setAttribute("aria-label", `progress of ${view.task}`);
      this.#message.textContent = view.message ?? "";
      this.#message.hidden = view.message === void 0 || view.steps.length > 1;
      if (view.steps.length > 1 || view.steps.length === 1 && isTerminal(view.status)) {
        this.#stepsBox.hidden = false;
        this.#stepsSummary.textContent = `Steps (${view.steps.length})${view.message === void 0 ? "" : `: ${view.message}`}`;
        for (let i = this.#steps.children.length; i < view.steps.length; i++) {
          const step = view.steps[i];
          if (step !== void 0) this.#steps.append(h("li", {}, h("span", { class: "meta" }, `${formatTime(step.at)} · ${Math.round(step.progress * 100)} % · `), step.message));
        }
      }
      this.#renderError(view);
      this.#renderResult(view);
      setHidden(this.#cancel, isTerminal(view.status), this.#title);
      if (isTerminal(view.status)) this.#cancelNote.textContent = "";
    }
    /** Refreshes the elapsed time of a running task. */
    tick(now) {
      if (this.#view !== void 0 && !isTerminal(this.#view.status)) this.update(this.#view, now);
    }
    #renderError(view) {
      const failed = view.status === "error" || view.status === "timeout" || view.status === "cancelled";
      if (!failed) {
        this.#error.hidden = true;
        return;
      }
      const err = view.error;
      const text = err?.message ?? (view.status === "timeout" ? "The task ran longer than its time limit and was stopped." : "The task was cancelled.");
      fill(
        this.#error,
        h("p", {}, err === void 0 ? null : h("strong", { class: "code" }, err.code), err === void 0 ? null : " ", text),
        err?.exit_code === void 0 ? null : h("p", {}, `exit code ${err.exit_code}`),
        err?.stderr_tail === void 0 || err.stderr_tail === "" ? null : h("details", { open: true }, h("summary", {}, "stderr (last lines)"), h("pre", { class: "stderr", tabindex: "0" }, err.stderr_tail))
      );
      this.#error.hidden = false;
      this.#error.className = `error-box ${view.status === "cancelled" ? "quiet" : ""}`;
    }
    #renderResult(view) {
      if (view.status !== "success" || !view.hasResult) {
        this.#result.hidden = true;
        return;
      }
      const files = resultFiles(view.result);
      const key = `${files.join("\n")}|${prettyJson(view.result)}`;
      if (key === this.#shownFiles) return;
      this.#shownFiles = key;
      const json = prettyJson(view.result);
      fill(
        this.#result,
        files.length === 0 ? null : h("ul", { class: "downloads" }, ...files.map((path) => h(
          "li",
          {},
          h("button", { type: "button", class: "link", onclick: (event) => {
            this.#onDownload(path, event);
          } }, `Download ${path}`)
        ))),
        view.result === null ? h("p", { class: "help" }, "Succeeded (no result).") : h("details", { open: files.length === 0 }, h("summary", {}, "Result"), h("pre", { class: "json", tabindex: "0" }, json))
      );
      this.#result.hidden = false;
    }
    #onCancel() {
      const view = this.#view;
      if (view === void 0) return;
      this.#cancel.disabled = true;
      this.#cancelNote.textContent = "Cancelling…";
      this.#hooks.cancel(view.id).then(() => {
        this.#cancelNote.textContent = "";
      }, (error) => {
        this.#cancelNote.textContent = `Cancel failed: ${error.message ?? String(error)}`;
      }).finally(() => {
        this.#cancel.disabled = false;
      });
    }
    #onDownload(path, event) {
      const button = event.currentTarget;
      button.disabled = true;
      this.#hooks.download(path).catch((error) => {
        this.#cancelNote.textContent = `Download failed: ${error.message ?? String(error)}`;
      }).finally(() => {
        button.disabled = false;
      });
    }
  };

  // web/src/schema.ts
  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  function num(value) {
    return typeof value === "number" && Number.isFinite(value) ? value : void 0;
  }
  function stringList(value) {
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : void 0;
  }
  var NO_LIMIT = 2 ** 53 - 1;
  function kindOf(prop) {
    const type = prop["type"];
    if (stringList(prop["enum"]) !== void 0) return "enum";
    if (type === "boolean") return "boolean";
    if (type === "integer") return "integer";
    if (type === "number") return "number";
    if (type === "string") return "string";
    if (type === "array" && isObject(prop["items"])) {
      const items = prop["items"];
      if (stringList(items["enum"]) !== void 0) return "enum-list";
      if (items["type"] === "string") return "string-list";
    }
    return "json";
  }
  var FILES_PATH_FORMAT = "asexor-files-path";
  function fileRoleOf(name, kind, description, format) {
    if (kind !== "string") return void 0;
    if (format !== FILES_PATH_FORMAT && (description === void 0 || !/files folder/i.test(description))) return void 0;
    description ??= "";
    if (/folder/i.test(name) || /^folder\b/i.test(description)) return "folder";
    if (/output|target|destination/i.test(name) || /^where to write/i.test(description)) return "output";
    return "input";
  }
  function acceptOf(description) {
    const match = description === void 0 ? null : /ending in ((?:\.[\w]+(?:, | or |,)?)+)/i.exec(description);
    if (match === null) return void 0;
    return (match[1] ?? "").match(/\.\w+/g) ?? void 0;
  }
  function fieldsOf(schema) {
    if (!isObject(schema) || !isObject(schema["properties"])) return [];
    const required = new Set(stringList(schema["required"]) ?? []);
    return Object.entries(schema["properties"]).map(([name, raw]) => {
      const prop = isObject(raw) ? raw : {};
      const kind = kindOf(prop);
      const description = typeof prop["description"] === "string" ? prop["description"] : void 0;
      const items = isObject(prop["items"]) ? prop["items"] : {};
      const options = kind === "enum" ? stringList(prop["enum"]) : kind === "enum-list" ? stringList(items["enum"]) : void 0;
      const file = fileRoleOf(name, kind, description, prop["format"]);
      const accept = file === "input" ? acceptOf(description) : void 0;
      const maximum = num(prop["maximum"]);
      const spec = {
        name,
        kind,
        required: required.has(name),
        description,
        default: prop["default"],
        options,
        minimum: num(prop["minimum"]),
        maximum: maximum !== void 0 && maximum >= NO_LIMIT ? void 0 : maximum,
        exclusiveMinimum: num(prop["exclusiveMinimum"]),
        exclusiveMaximum: num(prop["exclusiveMaximum"]),
        minLength: num(prop["minLength"]),
        maxLength: num(prop["maxLength"]),
        pattern: typeof prop["pattern"] === "string" ? prop["pattern"] : void 0,
        minItems: num(prop["minItems"]),
        maxItems: num(prop["maxItems"]),
        file,
        accept
      };
      for (const key of Object.keys(spec)) if (spec[key] === void 0) Reflect.deleteProperty(spec, key);
      return spec;
    });
  }
  function initialRaw(spec) {
    const value = spec.default;
    switch (spec.kind) {
      case "boolean":
        return value === true;
      case "enum-list":
        return stringList(value) ?? [];
      case "string-list":
        return (stringList(value) ?? []).join("\n");
      case "json":
        return value === void 0 ? "" : JSON.stringify(value, null, 2);
      default:
        return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : "";
    }
  }
  function rangeText(spec) {
    const low = spec.minimum ?? spec.exclusiveMinimum;
    const high = spec.maximum ?? spec.exclusiveMaximum;
    if (low !== void 0 && high !== void 0) return `between ${low} and ${high}`;
    if (low !== void 0) return spec.exclusiveMinimum !== void 0 ? `greater than ${low}` : `of at least ${low}`;
    if (high !== void 0) return spec.exclusiveMaximum !== void 0 ? `less than ${high}` : `of at most ${high}`;
    return void 0;
  }
  function constraintText(spec) {
    switch (spec.kind) {
      case "number":
      case "integer": {
        const range = rangeText(spec);
        const noun = spec.kind === "integer" ? "a whole number" : "a number";
        return range === void 0 ? noun : `${noun} ${range}`;
      }
      case "string":
        if (spec.maxLength !== void 0) return `at most ${spec.maxLength} characters`;
        return void 0;
      case "string-list":
        return "one value per line";
      case "json":
        return "JSON";
      default:
        return void 0;
    }
  }
  function checkNumber(spec, text) {
    const value = Number(text);
    const noun = spec.kind === "integer" ? "an integer" : "a number";
    const range = rangeText(spec);
    const expected = `expected ${noun}${range === void 0 ? "" : ` ${range}`}`;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(value)) return { error: expected };
    if (spec.kind === "integer" && !Number.isInteger(value)) return { error: expected };
    if (spec.minimum !== void 0 && value < spec.minimum) return { error: expected };
    if (spec.maximum !== void 0 && value > spec.maximum) return { error: expected };
    if (spec.exclusiveMinimum !== void 0 && value <= spec.exclusiveMinimum) return { error: expected };
    if (spec.exclusiveMaximum !== void 0 && value >= spec.exclusiveMaximum) return { error: expected };
    return { value };
  }
  function matches(pattern, value) {
    try {
      return new RegExp(pattern, "u").test(value);
    } catch {
      return true;
    }
  }
  function checkString(spec, value) {
    if (spec.minLength !== void 0 && value.length < spec.minLength) return `expected at least ${spec.minLength} characters`;
    if (spec.maxLength !== void 0 && value.length > spec.maxLength) return `expected at most ${spec.maxLength} characters`;
    if (spec.pattern !== void 0 && !matches(spec.pattern, value)) {
      return /[\u0000-\u001f\u007f]/u.test(value) ? "must not contain control characters" : "has an invalid format";
    }
    if (spec.file !== void 0) {
      if (value.startsWith("/")) return "expected a path relative to the files folder, not an absolute one";
      if (value.split("/").includes("..")) return "expected a path inside the files folder (no '..')";
      if (value.includes("\\")) return "separate folders with '/'";
    }
    if (spec.accept !== void 0 && spec.accept.length > 0 && !spec.accept.some((ext) => value.toLowerCase().endsWith(ext))) {
      return `expected a file name ending in ${spec.accept.join(", ")}`;
    }
    return void 0;
  }
  function checkCount(spec, count) {
    if (spec.minItems !== void 0 && count < spec.minItems) return `choose at least ${spec.minItems}`;
    if (spec.maxItems !== void 0 && count > spec.maxItems) return `choose at most ${spec.maxItems}`;
    return void 0;
  }
  function parseField(spec, raw) {
    if (spec.kind === "boolean") return { value: raw === true };
    if (spec.kind === "enum-list") {
      const chosen = Array.isArray(raw) ? [...raw] : [];
      if (chosen.length === 0 && !spec.required) return {};
      const error = chosen.length === 0 ? "choose at least one" : checkCount(spec, chosen.length);
      return error === void 0 ? { value: chosen } : { error };
    }
    const text = typeof raw === "string" ? raw : "";
    const trimmed = spec.kind === "string" ? text : text.trim();
    if (trimmed === "") {
      if (spec.required) return { error: "required" };
      return {};
    }
    switch (spec.kind) {
      case "number":
      case "integer":
        return checkNumber(spec, trimmed);
      case "enum":
        return spec.options?.includes(trimmed) === true ? { value: trimmed } : { error: `expected one of ${(spec.options ?? []).join(", ")}` };
      case "string": {
        const error = checkString(spec, text);
        return error === void 0 ? { value: text } : { error };
      }
      case "string-list": {
        const items = trimmed.split("\n").map((line) => line.trim()).filter((line) => line !== "");
        const error = checkCount(spec, items.length);
        return error === void 0 ? { value: items } : { error };
      }
      case "json":
        try {
          return { value: JSON.parse(trimmed) };
        } catch {
          return { error: "expected valid JSON" };
        }
    }
  }
  function validateForm(specs, raws) {
    const params = {};
    const issues = [];
    for (const spec of specs) {
      const parsed = parseField(spec, raws[spec.name] ?? initialRaw(spec));
      if (parsed.error !== void 0) issues.push({ field: spec.name, message: parsed.error });
      else if ("value" in parsed) params[spec.name] = parsed.value;
    }
    return { params, issues };
  }
  function issuesByField(kwargs, fields) {
    const out = /* @__PURE__ */ new Map();
    const issues = isObject(kwargs) && Array.isArray(kwargs["issues"]) ? kwargs["issues"] : [];
    for (const issue of issues) {
      if (!isObject(issue) || typeof issue["message"] !== "string") continue;
      const raw = typeof issue["field"] === "string" ? issue["field"] : "";
      const top = raw.split(/[.[]/)[0] ?? "";
      const field = fields.includes(top) ? top : "";
      const message = field !== "" && raw === field && issue["message"].startsWith(`${raw}: `) ? issue["message"].slice(raw.length + 2) : issue["message"];
      out.set(field, [...out.get(field) ?? [], message]);
    }
    return out;
  }

  // web/src/task-form.ts
  function fieldId(name) {
    return `param-${name}`;
  }
  function labelText(spec) {
    return [spec.name.replace(/_/g, " "), spec.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : " (optional)"];
  }
  function textWidget(spec, hooks, describedBy, status) {
    const id = fieldId(spec.name);
    const initial = initialRaw(spec);
    const common = { id, name: spec.name, "aria-describedby": describedBy, "aria-required": spec.required ? "true" : void 0 };
    if (spec.kind === "enum") {
      const select = h(
        "select",
        common,
        spec.required && spec.default === void 0 ? h("option", { value: "" }, "— choose —") : spec.required ? null : h("option", { value: "" }, "(default)"),
        ...(spec.options ?? []).map((option) => h("option", { value: option, selected: option === initial }, option))
      );
      return { control: select, input: select };
    }
    if (spec.kind === "json" || spec.kind === "string-list") {
      const area = h("textarea", { ...common, rows: spec.kind === "json" ? 4 : 3, spellcheck: "false" });
      area.value = typeof initial === "string" ? initial : "";
      return { control: area, input: area };
    }
    const numeric = spec.kind === "number" || spec.kind === "integer";
    const input = h("input", {
      ...common,
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
      inputmode: spec.kind === "integer" ? "numeric" : numeric ? "decimal" : void 0,
      maxlength: spec.maxLength,
      list: spec.file === "folder" ? hooks.foldersListId : spec.file !== void 0 ? hooks.filesListId : void 0
    });
    input.value = typeof initial === "string" ? initial : "";
    if (spec.file !== "input") return { control: input, input };
    const picker = h("input", { type: "file", class: "visually-hidden", id: `${id}-upload`, accept: spec.accept?.join(","), tabindex: "-1", "aria-label": `Upload a file for ${spec.name}` });
    const button = h("button", { type: "button", class: "secondary", "aria-controls": id, "aria-label": `Upload a file for ${spec.name}`, onclick: () => {
      picker.click();
    } }, "Upload…");
    picker.addEventListener("change", () => {
      const file = picker.files?.[0];
      if (file === void 0) return;
      button.disabled = true;
      status(`Uploading ${file.name}…`);
      hooks.upload(file).then((path) => {
        input.value = path;
        status(`Uploaded ${path}.`);
        input.focus();
      }, (error) => {
        status(`Upload failed: ${error instanceof Error ? error.message : String(error)}`);
      }).finally(() => {
        button.disabled = false;
        picker.value = "";
      });
    });
    const extra = h("span", { class: "upload" }, button, picker);
    return { control: h("div", { class: "file-row" }, input, extra), input, extra };
  }
  function buildWidget(spec, hooks) {
    const id = fieldId(spec.name);
    const helpId = `${id}-help`;
    const errorId = `${id}-error`;
    const hint = constraintText(spec);
    const help = spec.description !== void 0 || hint !== void 0 ? h("p", { class: "help", id: helpId }, [spec.description, hint].filter((t) => t !== void 0).join(" — ")) : null;
    const error = h("p", { class: "field-error", id: errorId, hidden: true });
    const uploadStatus = h("p", { class: "help", role: "status", id: `${id}-upload-status` });
    const describedBy = [help === null ? void 0 : helpId, errorId].filter((t) => t !== void 0).join(" ");
    if (spec.kind === "boolean") {
      const box = h("input", { type: "checkbox", id, name: spec.name, "aria-describedby": describedBy, checked: initialRaw(spec) === true });
      const element2 = h("div", { class: "field field-check" }, h("div", { class: "check-row" }, box, h("label", { for: id }, spec.name.replace(/_/g, " "))), help, error);
      return { element: element2, widget: { spec, read: () => box.checked, focusTarget: box, setInvalid: (bad) => box.toggleAttribute("aria-invalid", bad), error } };
    }
    if (spec.kind === "enum-list") {
      const initial = initialRaw(spec);
      const boxes = (spec.options ?? []).map((option) => h("input", { type: "checkbox", id: `${id}-${option}`, value: option, checked: Array.isArray(initial) && initial.includes(option) }));
      const group = h(
        "fieldset",
        { class: "field", id, "aria-describedby": describedBy },
        h("legend", {}, ...labelText(spec)),
        help,
        h("div", { class: "options" }, ...boxes.map((box) => h("span", { class: "check-row" }, box, h("label", { for: box.id }, box.value)))),
        error
      );
      const first = boxes[0] ?? group;
      return {
        element: group,
        widget: { spec, read: () => boxes.filter((b) => b.checked).map((b) => b.value), focusTarget: first, setInvalid: (bad) => group.toggleAttribute("aria-invalid", bad), error }
      };
    }
    const { control, input } = textWidget(spec, hooks, describedBy, (text) => {
      uploadStatus.textContent = text;
    });
    const element = h("div", { class: "field" }, h("label", { for: id }, ...labelText(spec)), control, help, spec.file === "input" ? uploadStatus : null, error);
    return {
      element,
      widget: {
        spec,
        read: () => input.value,
        focusTarget: input,
        error,
        setInvalid: (bad) => {
          if (bad) input.setAttribute("aria-invalid", "true");
          else input.removeAttribute("aria-invalid");
        }
      }
    };
  }
  function taskForm(task, hooks) {
    const specs = fieldsOf(task.params);
    const built = specs.map((spec) => buildWidget(spec, hooks));
    const widgets = built.map((b) => b.widget);
    const formError = h("div", { class: "form-error", role: "alert", id: `form-error-${task.name}`, hidden: true });
    const submit = h("button", { type: "submit", class: "primary" }, `Run ${task.name}`);
    const sent = h("p", { class: "help", role: "status", id: "form-sent" });
    const showIssues = (byField) => {
      let first;
      for (const widget of widgets) {
        const messages = byField.get(widget.spec.name);
        widget.error.textContent = messages === void 0 ? "" : messages.join("; ");
        widget.error.hidden = messages === void 0;
        widget.setInvalid(messages !== void 0);
        if (messages !== void 0) first ??= widget.focusTarget;
      }
      const general = byField.get("");
      formError.textContent = general === void 0 ? first === void 0 ? "" : "Please correct the marked fields." : general.join("; ");
      formError.hidden = formError.textContent === "";
      first?.focus();
    };
    const form = h(
      "form",
      { class: "task-form", novalidate: true, "aria-label": `Parameters of ${task.name}` },
      ...built.map((b) => b.element),
      specs.length === 0 ? h("p", { class: "help" }, "This task has no parameters.") : null,
      formError,
      h("div", { class: "actions" }, submit),
      sent
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const raws = {};
      for (const widget of widgets) raws[widget.spec.name] = widget.read();
      const { params, issues } = validateForm(specs, raws);
      sent.textContent = "";
      if (issues.length > 0) {
        showIssues(new Map(issues.map((issue) => [issue.field, [issue.message]])));
        return;
      }
      showIssues(/* @__PURE__ */ new Map());
      submit.disabled = true;
      hooks.submit(task.name, params).then(() => {
        sent.textContent = `${task.name} submitted.`;
      }, (error) => {
        const err = callError(error);
        if (err.uri.endsWith(".error.invalid_params")) {
          const byField = issuesByField(err.kwargs, specs.map((s) => s.name));
          if (byField.size === 0) byField.set("", [err.message]);
          showIssues(byField);
        } else {
          showIssues(/* @__PURE__ */ new Map([["", [err.message]]]));
        }
      }).finally(() => {
        submit.disabled = false;
      });
    });
    return form;
  }

  // web/src/app.ts
  var REALM = "asexor";
  var SAVED_KEY = "asexor.login";
  var HISTORY_LIMIT = 100;
  var MAX_UPLOAD_BYTES = 11 * 1024 * 1024;
  var TRANSPORT_NAMES = { websocket: "WebSocket", longpoll: "long poll" };
  var els = {
    conn: byId("conn", HTMLElement),
    retry: byId("retry-now", HTMLButtonElement),
    who: byId("who", HTMLElement),
    logout: byId("logout", HTMLButtonElement),
    nav: byId("nav", HTMLElement),
    navAdmin: byId("nav-admin", HTMLElement),
    loginSection: byId("login", HTMLElement),
    loginForm: byId("login-form", HTMLFormElement),
    loginError: byId("login-error", HTMLElement),
    loginSubmit: byId("login-submit", HTMLButtonElement),
    authid: byId("authid", HTMLInputElement),
    secret: byId("secret", HTMLInputElement),
    secretLabel: byId("secret-label", HTMLElement),
    remember: byId("remember", HTMLInputElement),
    app: byId("app", HTMLElement),
    taskSelect: byId("task-select", HTMLSelectElement),
    taskDescription: byId("task-description", HTMLElement),
    taskForm: byId("task-form", HTMLElement),
    filterStatus: byId("filter-status", HTMLSelectElement),
    filterTask: byId("filter-task", HTMLSelectElement),
    filterText: byId("filter-text", HTMLInputElement),
    taskCount: byId("task-count", HTMLElement),
    taskList: byId("task-list", HTMLElement),
    filesSection: byId("files", HTMLElement),
    filesList: byId("files-list", HTMLElement),
    filesNote: byId("files-note", HTMLElement),
    filesUpload: byId("files-upload", HTMLInputElement),
    filesOverwrite: byId("files-overwrite", HTMLInputElement),
    filesRefresh: byId("files-refresh", HTMLButtonElement),
    filesDatalist: byId("files-datalist", HTMLElement),
    foldersDatalist: byId("folders-datalist", HTMLElement),
    adminSection: byId("admin", HTMLElement),
    announcer: byId("announcer", HTMLElement)
  };
  var store = new TaskStore();
  var cards = /* @__PURE__ */ new Map();
  var submitted = /* @__PURE__ */ new Map();
  var tasks = [];
  var connector;
  var api;
  var user;
  var filesAvailable = true;
  var admin = new AdminView(els.adminSection, announce);
  function announce(text) {
    els.announcer.replaceChildren(document.createTextNode(text));
  }
  function renderState(state) {
    let text;
    let kind;
    switch (state.kind) {
      case "connecting":
        text = `Connecting (${TRANSPORT_NAMES[state.transport]})…`;
        kind = "busy";
        break;
      case "open":
        text = `Connected · ${TRANSPORT_NAMES[state.transport]}${state.protocol === "" ? "" : ` · ${state.protocol.replace(/^wamp\.2\./, "")}`}`;
        kind = "open";
        break;
      case "waiting":
        text = `${state.message} Reconnecting in ${Math.max(1, Math.round((state.until - Date.now()) / 1e3))} s (attempt ${state.round})…`;
        kind = "down";
        break;
      case "failed":
        text = "Not connected";
        kind = "down";
        break;
      case "closed":
        text = "Not connected";
        kind = "closed";
        break;
    }
    els.conn.textContent = text;
    els.conn.className = `conn conn-${kind}`;
    els.conn.dataset["state"] = state.kind;
    els.conn.dataset["transport"] = state.kind === "open" || state.kind === "connecting" ? state.transport : "";
    els.retry.hidden = state.kind !== "waiting";
  }
  setInterval(() => {
    const state = connector?.state;
    if (state?.kind === "waiting") renderState(state);
    const now = /* @__PURE__ */ new Date();
    for (const card of cards.values()) card.tick(now);
  }, 1e3);
  function transportsFromPage() {
    const only = new URLSearchParams(location.search).get("transport");
    return only === "longpoll" || only === "websocket" ? [only] : ["websocket", "longpoll"];
  }
  function selectedMethod() {
    const checked = els.loginForm.querySelector('input[name="method"]:checked');
    return checked?.value === "wampcra" ? "wampcra" : "ticket";
  }
  function syncMethodLabel() {
    els.secretLabel.textContent = selectedMethod() === "wampcra" ? "Secret (WAMP-CRA)" : "Ticket";
  }
  function showLoginError(message) {
    els.loginError.textContent = message;
    els.loginError.hidden = message === "";
  }
  function setLoggedIn(loggedIn) {
    els.loginSection.hidden = loggedIn;
    els.app.hidden = !loggedIn;
    els.nav.hidden = !loggedIn;
    els.who.hidden = !loggedIn;
    els.logout.hidden = !loggedIn;
  }
  function login(credentials) {
    connector?.stop();
    showLoginError("");
    els.loginSubmit.disabled = true;
    let joined = false;
    const { wsUrl, lpUrl } = endpoints(location.href);
    const current = new Connector({
      wsUrl,
      lpUrl,
      realm: REALM,
      credentials,
      transports: transportsFromPage(),
      attemptTimeoutMs: 1e4,
      onState: (state) => {
        if (connector !== current) return;
        renderState(state);
        if (state.kind === "failed") {
          sessionStorage.removeItem(SAVED_KEY);
          onDisconnected();
          setLoggedIn(false);
          els.loginSubmit.disabled = false;
          showLoginError(state.message);
          (state.message.startsWith("Wrong") ? els.secret : els.authid).focus();
        }
      },
      onOpen: (session, details) => {
        if (connector !== current) return;
        if (!joined) {
          joined = true;
          if (els.remember.checked) sessionStorage.setItem(SAVED_KEY, JSON.stringify(credentials));
          els.secret.value = "";
        }
        void onConnected(new Api(session), details);
      },
      onLost: () => {
        if (connector === current) onDisconnected();
      }
    });
    connector = current;
    current.start();
  }
  function logout() {
    sessionStorage.removeItem(SAVED_KEY);
    const old = connector;
    connector = void 0;
    old?.stop();
    onDisconnected();
    renderState({ kind: "closed" });
    store.clear();
    submitted.clear();
    for (const card of cards.values()) card.element.remove();
    cards.clear();
    tasks = [];
    user = void 0;
    els.taskSelect.replaceChildren();
    els.taskForm.replaceChildren();
    els.taskDescription.replaceChildren();
    els.filesList.replaceChildren();
    els.filesDatalist.replaceChildren();
    els.foldersDatalist.replaceChildren();
    els.filesNote.textContent = "";
    filesAvailable = true;
    els.filterTask.replaceChildren(h("option", { value: "" }, "any"));
    els.filterStatus.value = "";
    els.filterText.value = "";
    els.adminSection.hidden = true;
    els.navAdmin.hidden = true;
    admin.clear();
    renderCount();
    setLoggedIn(false);
    els.loginSubmit.disabled = false;
    showLoginError("");
    if (els.loginForm.dataset["demo"] === "true") els.secret.value = DEMO.secret;
    announce("Logged out.");
    els.authid.focus();
  }
  async function onConnected(session, details) {
    const firstJoin = user === void 0;
    if (user !== void 0 && user.authid !== details.authid) {
      logout();
      return;
    }
    user = { authid: details.authid, role: details.authrole };
    api = session;
    fill(els.who, h("span", { class: "visually-hidden" }, "Logged in as "), details.authid, h("span", { class: "role" }, ` (${details.authrole})`));
    setLoggedIn(true);
    els.loginSubmit.disabled = false;
    try {
      await session.subscribeStatus(details.authid, onEvent);
      const listed = await session.list();
      renderTaskChooser(listed);
      await catchUp(session);
      renderCount();
    } catch (error) {
      announce(`Could not load your tasks: ${callError(error).message}`);
    }
    void refreshFiles();
    const isAdmin = details.authrole === "admin";
    els.navAdmin.hidden = !isAdmin;
    els.adminSection.hidden = !isAdmin;
    if (isAdmin) admin.start(session);
    if (firstJoin) {
      announce(`Logged in as ${details.authid}.`);
      els.taskSelect.focus();
    } else {
      announce("Reconnected.");
    }
  }
  function onDisconnected() {
    api = void 0;
    admin.stop();
  }
  async function catchUp(session) {
    const history = await session.history(HISTORY_LIMIT);
    for (const event of [...history].reverse()) onEvent(event);
    const fromHistory = new Set(history.map((e) => e.task_id));
    try {
      for (const task of await session.tasks(false)) for (const event of eventsOfActive(task)) onEvent(event);
    } catch (error) {
      if (callError(error).uri !== NO_SUCH_PROCEDURE) throw error;
    }
    await Promise.all(store.pending().filter((id) => !fromHistory.has(id)).map(async (id) => {
      try {
        const event = await session.status(id);
        if (event !== void 0) onEvent(event);
      } catch {
      }
    }));
  }
  function onEvent(event) {
    const before = store.get(event.task_id)?.status;
    const view = store.apply(event);
    if (view === void 0) return;
    renderTask(view);
    if (before !== view.status && (view.status === "started" || isTerminal(view.status)) && (before !== "progress" || isTerminal(view.status))) {
      announce(`${view.task} ${view.id.slice(0, 8)}: ${statusLabel(view.status)}${view.error === void 0 ? "" : ` (${view.error.code})`}.`);
    }
    if (view.status === "success" && resultFiles(view.result).length > 0) void refreshFiles();
  }
  function currentFilter() {
    return { status: els.filterStatus.value, task: els.filterTask.value, text: els.filterText.value };
  }
  function renderTask(view) {
    let card = cards.get(view.id);
    if (card === void 0) {
      card = new TaskCard(view, { cancel: cancelTask, download });
      const params = submitted.get(view.id);
      if (params !== void 0) card.setParams(params);
      cards.set(view.id, card);
      const ordered = store.all();
      const index = ordered.findIndex((v) => v.id === view.id);
      const next = ordered.slice(index + 1).map((v) => cards.get(v.id)).find((c) => c !== void 0);
      els.taskList.insertBefore(card.element, next?.element ?? null);
      ensureTaskFilterOption(view.task);
    } else {
      card.update(view);
    }
    card.element.hidden = !matchesFilter(view, currentFilter());
    renderCount();
  }
  function applyFilter() {
    const filter = currentFilter();
    for (const view of store.all()) {
      const card = cards.get(view.id);
      if (card !== void 0) card.element.hidden = !matchesFilter(view, filter);
    }
    renderCount();
  }
  function renderCount() {
    const all = store.all();
    const shown = all.filter((v) => cards.get(v.id)?.element.hidden === false).length;
    const running = all.filter((v) => !isTerminal(v.status)).length;
    els.taskCount.textContent = all.length === 0 ? "No tasks yet: run one above." : `${shown === all.length ? `${all.length}` : `${shown} of ${all.length}`} task${all.length === 1 ? "" : "s"}, ${running} unfinished`;
  }
  function ensureTaskFilterOption(name) {
    if ([...els.filterTask.options].some((o) => o.value === name)) return;
    els.filterTask.append(h("option", { value: name }, name));
  }
  async function cancelTask(taskId) {
    if (api === void 0) throw new Error("not connected");
    try {
      await api.cancel(taskId);
    } catch (error) {
      throw new Error(callError(error).message);
    }
  }
  async function submitTask(task, params) {
    if (api === void 0) throw new CallError("", "Not connected: wait for the connection to come back.");
    try {
      const id = await api.submit(task, params);
      submitted.set(id, params);
      cards.get(id)?.setParams(params);
      announce(`${task} submitted.`);
    } catch (error) {
      throw callError(error);
    }
  }
  function renderTaskChooser(list) {
    tasks = list;
    const previous = els.taskSelect.value;
    fill(els.taskSelect, ...list.map((t) => h("option", { value: t.name }, t.name)));
    for (const t of list) ensureTaskFilterOption(t.name);
    if (list.some((t) => t.name === previous)) els.taskSelect.value = previous;
    if (previous === "" || previous !== els.taskSelect.value || els.taskForm.childElementCount === 0) renderForm();
    if (list.length === 0) fill(els.taskDescription, "Your role may not run any task.");
  }
  function renderForm() {
    const task = tasks.find((t) => t.name === els.taskSelect.value);
    if (task === void 0) {
      els.taskForm.replaceChildren();
      return;
    }
    fill(els.taskDescription, task.description, " ", h("span", { class: "kind" }, task.kind === "multi" ? "(runs subtasks)" : ""));
    fill(els.taskForm, taskForm(task, {
      filesListId: els.filesDatalist.id,
      foldersListId: els.foldersDatalist.id,
      upload: (file) => uploadFile(file, false),
      submit: submitTask
    }));
  }
  async function refreshFiles() {
    if (api === void 0 || !filesAvailable) return;
    let files;
    try {
      files = await api.files();
    } catch (error) {
      const err = callError(error);
      if (err.uri === NO_SUCH_PROCEDURE) {
        filesAvailable = false;
        els.filesNote.textContent = "This server has no files API.";
      } else {
        els.filesNote.textContent = `Could not list the files: ${err.message}`;
      }
      return;
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    els.filesNote.textContent = files.length === 0 ? "The files folder is empty: upload a document." : `${files.length} file${files.length === 1 ? "" : "s"}`;
    fill(els.filesList, ...files.map((f) => h(
      "li",
      {},
      h("span", { class: "path" }, f.path),
      " ",
      h("span", { class: "meta" }, `${formatBytes(f.size)} · ${formatTime(typeof f.mtime === "number" ? new Date(f.mtime).toISOString() : f.mtime)}`),
      " ",
      h("button", { type: "button", class: "link", "aria-label": `Download ${f.path}`, onclick: () => void download(f.path).catch((e) => {
        announce(`Download failed: ${callError(e).message}`);
      }) }, "Download")
    )));
    fill(els.filesDatalist, ...files.map((f) => h("option", { value: f.path })));
    const folders = /* @__PURE__ */ new Set(["."]);
    for (const f of files) {
      const parts = f.path.split("/");
      for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join("/"));
    }
    fill(els.foldersDatalist, ...[...folders].sort().map((f) => h("option", { value: f })));
  }
  async function uploadFile(file, overwrite) {
    if (api === void 0) throw new Error("not connected");
    if (file.size > MAX_UPLOAD_BYTES) throw new Error(`${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_UPLOAD_BYTES)}`);
    const content = toBase64(new Uint8Array(await file.arrayBuffer()));
    try {
      const stored = await api.upload(file.name, content, overwrite);
      await refreshFiles();
      return stored.path;
    } catch (error) {
      throw new Error(callError(error).message);
    }
  }
  async function download(path) {
    if (api === void 0) throw new Error("not connected");
    let url;
    try {
      ({ url } = await api.link(path));
    } catch (error) {
      throw new Error(callError(error).message);
    }
    const anchor = h("a", { href: new URL(url, location.href).href, download: path.split("/").at(-1) ?? "download", hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
  }
  function init() {
    if (typeof autobahn === "undefined") {
      showLoginError("The WAMP client (vendor/autobahn.min.js) did not load; reload the page.");
      els.loginSubmit.disabled = true;
      return;
    }
    for (const radio of els.loginForm.querySelectorAll('input[name="method"]')) radio.addEventListener("change", syncMethodLabel);
    els.loginForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const authid = els.authid.value.trim();
      if (authid === "") {
        showLoginError("Enter a user name.");
        els.authid.focus();
        return;
      }
      if (els.secret.value === "") {
        showLoginError(`Enter the ${selectedMethod() === "wampcra" ? "secret" : "ticket"}.`);
        els.secret.focus();
        return;
      }
      login({ method: selectedMethod(), authid, secret: els.secret.value });
    });
    els.logout.addEventListener("click", logout);
    els.retry.addEventListener("click", () => connector?.retryNow());
    els.taskSelect.addEventListener("change", renderForm);
    els.filterStatus.addEventListener("change", applyFilter);
    els.filterTask.addEventListener("change", applyFilter);
    els.filterText.addEventListener("input", applyFilter);
    els.filesRefresh.addEventListener("click", () => void refreshFiles());
    els.filesUpload.addEventListener("change", () => {
      const file = els.filesUpload.files?.[0];
      if (file === void 0) return;
      els.filesNote.textContent = `Uploading ${file.name}…`;
      uploadFile(file, els.filesOverwrite.checked).then((path) => {
        announce(`Uploaded ${path}.`);
      }, (error) => {
        els.filesNote.textContent = `Upload failed: ${error instanceof Error ? error.message : String(error)}`;
      }).finally(() => {
        els.filesUpload.value = "";
      });
    });
    const saved = parseSaved(sessionStorage.getItem(SAVED_KEY));
    if (saved !== void 0) {
      els.authid.value = saved.authid;
      els.loginForm.querySelector(`input[name="method"][value="${saved.method}"]`)?.click();
      login(saved);
    } else if (isLocalHost(location.hostname)) {
      els.authid.value = DEMO.authid;
      els.secret.value = DEMO.secret;
      els.loginForm.dataset["demo"] = "true";
    }
    syncMethodLabel();
    renderState({ kind: "closed" });
  }
  init();
})();
