// The list pane: the chats, pinned ones first (the latest pinned first), then
// the others by their latest activity; the archived ones (get_archived_chats)
// on a screen of their own.

import { state, title } from "./state.js";
import { $, element, timeElement } from "./dom.js";
import { renderTotal } from "./unread.js";

function chatItem(chat, testid) {
  const item = element("li", "", null, testid);
  item.tabIndex = 0;
  item.dataset.chatId = chat.chat_id;
  item.dataset.kind = chat.kind || "";
  item.dataset.pinned = String(Boolean(chat.pinned));
  item.setAttribute("role", "button");
  item.setAttribute("aria-current", String(chat.chat_id === state.openChat));
  const name = element("span", "chat-name", null, "chat-name");
  if (chat.pinned) {
    const pin = element("span", "chat-pinned", "📌", "chat-pinned");
    pin.title = "pinned";
    name.append(pin, " ");
  }
  name.append(title(chat));
  const marks = element("span", "chat-marks");
  const muted = element("span", "chat-muted", "muted", "chat-muted");
  muted.hidden = !chat.muted;
  const mentions = element("span", "chat-mentions", "@" + (chat.mentions_unread || 0),
                           "chat-mentions");
  mentions.title = "mentions you";
  mentions.hidden = !chat.mentions_unread;
  const unread = element("span", "chat-unread", String(chat.unread), "chat-unread");
  unread.hidden = !chat.unread;
  marks.append(muted, mentions, unread);
  item.append(name, timeElement(chat.updated_at, "chat-time"),
              element("span", "chat-last", chat.lastest_message || "", "chat-last"), marks);
  return item;
}

function known(archived) {
  const ids = state.order.filter((id) => state.chats.has(id) &&
                                   Boolean(state.chats.get(id).archived) === archived);
  return ids.map((id) => state.chats.get(id));
}

export function renderChats() {
  const shown = known(false);
  const recent = shown.filter((chat) => !chat.pinned)
    .sort((a, b) => (a.updated_at < b.updated_at) - (a.updated_at > b.updated_at));
  const items = shown.filter((chat) => chat.pinned).concat(recent)
    .map((chat) => chatItem(chat, "chat"));
  $("chats").replaceChildren(...items);
  $("no-chats").hidden = items.length > 0;
  const archived = known(true).map((chat) => chatItem(chat, "archived-chat"));
  $("archived-chats").replaceChildren(...archived);
  $("no-archived").hidden = archived.length > 0;
  $("chats-screen").hidden = state.listMode !== "chats";
  $("archived-screen").hidden = state.listMode !== "archived";
  $("search-screen").hidden = state.listMode !== "search";
  renderTotal();
}
