// The open chat's heading (with the other member's presence in a chat of
// two) and its settings panel: members, rename, mute, pin, archive, leave.

import { READ_ONLY_KINDS, SYSTEM_KINDS, nameOf, state, title } from "./state.js";
import { $, actionButton, element } from "./dom.js";
import { fillPresence, presenceMark } from "./presence.js";
import { renderTyping } from "./typing.js";

export function renderChat() {
  const chat = state.chats.get(state.openChat);
  $("app").dataset.chatOpen = String(Boolean(chat));
  $("chat-hint").hidden = Boolean(chat);
  $("chat-view").hidden = !chat;
  if (!chat) return;
  $("chat-title").textContent = title(chat);
  $("chat-subtitle").textContent = subtitle(chat);
  const other = chat.kind === "direct" ? others(chat)[0] : "";
  fillPresence($("chat-presence"), other);
  $("chat-muted").hidden = !chat.muted;
  $("chat-archived").hidden = !chat.archived;
  $("send-form").hidden = READ_ONLY_KINDS.includes(chat.kind);
  renderSettings(chat);
  renderTyping();
}

function others(chat) {
  return chat.users.map((user) => user.user_id).filter((id) => id !== state.me);
}

function subtitle(chat) {
  if (chat.kind === "support") return "tech support";
  if (READ_ONLY_KINDS.includes(chat.kind)) return "booking notices";
  const names = others(chat).map((id) => nameOf(id, chat));
  if (chat.kind === "direct") return "with " + names.join(", ");
  return (chat.users_count || chat.users.length) + " members: you, " + names.join(", ");
}

function renderSettings(chat) {
  const group = chat.kind === "group";
  const system = SYSTEM_KINDS.includes(chat.kind);
  const admin = chat.group_admin === state.me;
  $("members").replaceChildren(...chat.users.map((user) => {
    const id = user.user_id;
    const item = element("li", "", null, "member");
    item.dataset.userId = id;
    const name = nameOf(id, chat);
    item.append(element("span", "member-name", id === state.me ? "you" : name, "member-name"));
    if (name !== id) item.append(element("span", "member-id", id));
    if (id !== state.me) item.append(presenceMark(id, "member-presence"));
    if (group && id === chat.group_admin) item.append(element("span", "badge", "admin"));
    if (group && admin && id !== state.me) {
      item.append(actionButton("Remove", "remove-member", "remove-member"));
    }
    return item;
  }));
  $("add-member-form").hidden = !(group && admin);
  $("rename-form").hidden = system || (group && !admin);
  toggle("mute-button", chat.muted, "Unmute", "Mute");
  toggle("pin-button", chat.pinned, "Unpin", "Pin");
  toggle("archive-button", chat.archived, "Unarchive", "Archive");
  $("leave-button").hidden = !group;
  $("delete-chat-button").hidden = system || (group && !admin);
}

function toggle(id, on, whenOn, whenOff) {
  $(id).textContent = on ? whenOn : whenOff;
  $(id).dataset.on = String(Boolean(on));
}
