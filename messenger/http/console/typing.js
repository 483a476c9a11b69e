// Typing: while the user types in a chat the server hears `typing` at most
// every TYPING_EVERY_MS; a `typing` frame from another member shows
// "<name> is typing…" until its expires_in_s runs out or their message comes.

import { state } from "./state.js";
import { $ } from "./dom.js";
import { send } from "./connection.js";

const TYPING_EVERY_MS = 3000;
let lastSent = { chatId: "", at: 0 };

// From the composer's input event. No reply is awaited (only errors are
// answered, and those about typing are not worth a word to the user).
export function typed() {
  const chatId = state.openChat;
  if (!chatId || state.editing || !$("message-input").value.trim()) return;
  const now = Date.now();
  if (lastSent.chatId === chatId && now - lastSent.at < TYPING_EVERY_MS) return;
  if (send("typing", { chat_id: chatId })) lastSent = { chatId: chatId, at: now };
}

// After sending a message: the next keystroke says "typing" again at once.
export function sentMessage() {
  lastSent = { chatId: "", at: 0 };
}

export function onTyping(data) {
  if (data.user_id === state.me) return; // one's own other tab
  const users = state.typing.get(data.chat_id) || new Map();
  state.typing.set(data.chat_id, users);
  const known = users.get(data.user_id);
  if (known) clearTimeout(known.timer);
  const timer = setTimeout(() => stopped(data.chat_id, data.user_id),
                           Math.max(1, Number(data.expires_in_s) || 5) * 1000);
  users.set(data.user_id, { name: data.name || data.user_id, timer: timer });
  renderTyping();
}

// Their message is in: they are no longer typing it.
export function stopped(chatId, userId) {
  const users = state.typing.get(chatId);
  if (!users || !users.has(userId)) return;
  clearTimeout(users.get(userId).timer);
  users.delete(userId);
  if (!users.size) state.typing.delete(chatId);
  renderTyping();
}

export function renderTyping() {
  const users = state.typing.get(state.openChat);
  const names = users ? [...users.values()].map((user) => user.name) : [];
  $("typing").hidden = !names.length;
  $("typing").textContent = !names.length ? "" : names.length === 1 ? names[0] + " is typing…"
    : names.slice(0, -1).join(", ") + " and " + names[names.length - 1] + " are typing…";
}
