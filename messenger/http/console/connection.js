// The socket to /ws on this host, protocol version 2: connecting, coming back
// by itself with backoff, and requests matched to their replies by request_id.

import { state } from "./state.js";
import { showError } from "./notices.js";

const link = {
  socket: null,
  accepted: false,      // this token has opened a connection: worth reconnecting
  retryMs: 1000,
  retryTimer: null,
  nextRequest: 1,
  pending: new Map(),   // request_id -> what was asked
  hooks: null,          // { opened(), frame(frame), refused(text) }
};

export function claims(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return null;
  }
}

export function connect(token, hooks) {
  const identity = claims(token);
  if (!identity || typeof identity.sub !== "string") {
    showError("That is not a token: expected a JWT, as `python run.py token USER_ID` prints.");
    return;
  }
  disconnect();
  Object.assign(state, { token: token, me: identity.sub, myName: identity.name || "" });
  link.accepted = false;
  link.hooks = hooks;
  open();
}

function open() {
  const url = new URL("/ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  url.search = new URLSearchParams({ v: "2", token: state.token }).toString();
  setStatus(link.accepted ? "reconnecting" : "connecting");
  const socket = new WebSocket(url.toString());
  link.socket = socket;
  socket.onopen = () => {
    link.accepted = true;
    link.retryMs = 1000;
    setStatus("connected");
    link.hooks.opened();
  };
  socket.onmessage = (event) => {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (error) {
      showError("The server sent something this page cannot read.");
      return;
    }
    link.hooks.frame(frame);
  };
  socket.onclose = (event) => {
    if (link.socket !== socket) return; // replaced or signed out
    link.socket = null;
    link.pending.clear();
    if (!link.accepted) {
      link.hooks.refused("Could not connect: the token was refused, or the server is not reachable.");
    } else if (event.code === 1008) {
      link.hooks.refused("The server ended the session (" + (event.reason || "policy") +
                         "). Sign in again.");
    } else {
      setStatus("reconnecting");
      state.refetch = true;
      link.retryTimer = setTimeout(open, link.retryMs);
      link.retryMs = Math.min(link.retryMs * 2, 30000);
    }
  };
}

export function disconnect() {
  clearTimeout(link.retryTimer);
  const socket = link.socket;
  link.socket = null;
  link.accepted = false;
  if (socket) socket.close(1000, "signed out");
  link.pending.clear();
}

export function request(type, data, context) {
  if (!link.socket || link.socket.readyState !== WebSocket.OPEN) {
    showError("Not connected: wait for the connection to come back, then try again.");
    return false;
  }
  const requestId = "c" + link.nextRequest++;
  link.pending.set(requestId, Object.assign({ type: type }, context || {}));
  link.socket.send(JSON.stringify({ type: type, data: data, request_id: requestId }));
  return true;
}

// A request no reply is awaited for (none comes on success): no request_id.
export function send(type, data) {
  if (!link.socket || link.socket.readyState !== WebSocket.OPEN) return false;
  link.socket.send(JSON.stringify({ type: type, data: data }));
  return true;
}

// What was asked, for a reply to one of our requests (once), else undefined.
export function takeAsked(frame) {
  if (frame.request_id == null) return undefined;
  const asked = link.pending.get(frame.request_id);
  link.pending.delete(frame.request_id);
  return asked;
}

export function setStatus(what) {
  const status = document.getElementById("status");
  status.dataset.state = what;
  const who = state.me + (state.myName ? " (" + state.myName + ")" : "");
  status.textContent = {
    "signed-out": "signed out",
    connecting: "connecting…",
    reconnecting: "reconnecting as " + who + "…",
    connected: "connected as " + who,
  }[what];
}
