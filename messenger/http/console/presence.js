// Presence: whether a member is online, or when they were last seen (null
// when they hide it). Chat entries carry it per member; `presence` frames
// update it. One's own visibility is a setting (set_presence_visible).

import { state } from "./state.js";
import { $, compactTime, element } from "./dom.js";
import { request } from "./connection.js";

const VISIBLE_KEY = "console-presence-visible:";

// What chat entries say about their members (chat_list, chat_updated, archived_chats).
export function notePresence(chat) {
  for (const user of chat.users || []) {
    if ("online" in user) {
      state.presence.set(user.user_id, { online: user.online, last_seen_at: user.last_seen_at });
    }
  }
}

// A presence frame; true when it is about someone the open chat shows.
export function onPresence(data) {
  state.presence.set(data.user_id, { online: data.online, last_seen_at: data.last_seen_at });
  for (const chat of state.chats.values()) {
    const member = chat.users.find((user) => user.user_id === data.user_id);
    if (member) Object.assign(member, { online: data.online, last_seen_at: data.last_seen_at });
  }
  const open = state.chats.get(state.openChat);
  return Boolean(open && open.users.some((user) => user.user_id === data.user_id));
}

// "online", "last seen 14:05", or "" when the server does not say.
export function presenceText(userId) {
  const known = state.presence.get(userId);
  if (!known) return "";
  if (known.online) return "online";
  if (known.last_seen_at) return "last seen " + compactTime(new Date(known.last_seen_at), new Date());
  return "";
}

// A dot and the words, for the chat's heading and the members panel.
export function presenceMark(userId, testid) {
  return fillPresence(element("span", "presence", null, testid), userId);
}

export function fillPresence(mark, userId) {
  const text = userId ? presenceText(userId) : "";
  mark.textContent = text;
  mark.dataset.online = String(text === "online");
  mark.hidden = !text;
  return mark;
}

// --- one's own setting ----------------------------------------------------------

export function renderPresenceSetting() {
  const saved = localStorage.getItem(VISIBLE_KEY + state.me);
  $("presence-visible").checked = saved !== "false"; // shown, unless this user hid it
}

export function wirePresenceSetting() {
  $("presence-visible").addEventListener("change", () => {
    const visible = $("presence-visible").checked;
    if (!request("set_presence_visible", { visible: visible }, { byUser: true })) {
      $("presence-visible").checked = !visible;
    }
  });
}

export function onPresenceSettings(data) {
  localStorage.setItem(VISIBLE_KEY + state.me, String(Boolean(data.visible)));
  renderPresenceSetting();
}
