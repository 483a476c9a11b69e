// What the chat's settings panel does (members, rename, mute, pin, archive,
// leave, delete), and the archived chats' screen in the list pane.

import { state } from "./state.js";
import { $ } from "./dom.js";
import { request } from "./connection.js";
import { renderChats } from "./chat-list.js";
import { go } from "./routing.js";

export function userIds(input) {
  return input.value.split(/[\s,]+/).filter(Boolean).map((user) => ({ user_id: user }));
}

export function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    handler();
  });
}

// A button that asks one of two things, by the open chat's flag.
function flagButton(id, flag, whenOn, whenOff) {
  $(id).addEventListener("click", () => {
    const chat = state.chats.get(state.openChat);
    request(chat[flag] ? whenOn : whenOff, { chat_id: chat.chat_id }, { byUser: true });
  });
}

function confirmed(id, question, type) {
  $(id).addEventListener("click", () => {
    if (confirm(question)) request(type, { chat_id: state.openChat }, { byUser: true });
  });
}

export function wireChatActions() {
  onSubmit("rename-form", () => {
    const data = { chat_id: state.openChat, new_name: $("rename-input").value.trim() };
    if (request("rename_chat", data, { byUser: true })) $("rename-input").value = "";
  });
  onSubmit("add-member-form", () => {
    const data = { chat_id: state.openChat, with_user_id: userIds($("add-member-users")) };
    if (request("add_user", data, { byUser: true })) $("add-member-users").value = "";
  });
  $("members").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=remove-member]");
    if (!button) return;
    const userId = button.closest("[data-user-id]").dataset.userId;
    if (confirm("Remove " + userId + " from this chat?")) {
      request("remove_user", { chat_id: state.openChat, with_user_id: [{ user_id: userId }] },
              { byUser: true });
    }
  });
  flagButton("mute-button", "muted", "unmute_chat", "mute_chat");
  flagButton("pin-button", "pinned", "unpin_chat", "pin_chat");
  flagButton("archive-button", "archived", "unarchive_chat", "archive_chat");
  confirmed("leave-button", "Leave this chat? You will no longer see its messages.", "leave_chat");
  confirmed("delete-chat-button", "Delete this chat for everyone in it?", "delete_chat");
  wireArchivedScreen();
}

// --- the archived chats -------------------------------------------------------

function wireArchivedScreen() {
  $("archived-button").addEventListener("click", () => {
    request("get_archived_chats", {}, { byUser: true }); // known already: drawn again when answered
    state.listMode = "archived";
    renderChats();
  });
  $("archived-back").addEventListener("click", () => {
    state.listMode = "chats";
    renderChats();
  });
  const openFrom = (event) => {
    const item = event.target.closest("[data-chat-id]");
    if (item && (event.type === "click" || event.key === "Enter")) go(item.dataset.chatId);
  };
  for (const list of ["chats", "archived-chats"]) {
    $(list).addEventListener("click", openFrom);
    $(list).addEventListener("keydown", openFrom);
  }
}

// The archived chats as they are now: those no longer in the answer were
// unarchived or left elsewhere (the open one stays until it is closed).
export function onArchivedChats(chats) {
  const listed = new Set(chats.map((chat) => chat.chat_id));
  for (const chat of [...state.chats.values()]) {
    if (chat.archived && !listed.has(chat.chat_id) && chat.chat_id !== state.openChat) {
      state.chats.delete(chat.chat_id);
    }
  }
  for (const chat of chats) {
    state.chats.set(chat.chat_id, chat);
    if (!state.order.includes(chat.chat_id)) state.order.push(chat.chat_id);
  }
  renderChats();
}
