// Frames from the server, and which chat is open. The open chat lives in the
// address (#chat_id), so a reload, a bookmark and the browser's back button
// all keep to it.

import { state } from "./state.js";
import { request, takeAsked } from "./connection.js";
import { clearError, showRefusal } from "./notices.js";
import { renderChat, renderChats, renderComposer, renderMessages } from "./view.js";

const PAGE = 50;

export function receive(frame) {
  const asked = takeAsked(frame);
  if (asked && asked.byUser && frame.type !== "error") clearError();
  const data = frame.data;
  switch (frame.type) {
    case "chat_list":
      state.chats = new Map(data.map((chat) => [chat.chat_id, chat]));
      state.order = data.map((chat) => chat.chat_id);
      renderChats();
      route();
      if (state.refetch && state.openChat) fetchPage(false);
      state.refetch = false;
      break;
    case "chat_updated":
      putChat(data);
      if (asked && asked.type === "create_chat") go(data.chat_id);
      else if (data.chat_id === state.openChat) renderChat();
      break;
    case "chat_removed":
      state.chats.delete(data.chat_id);
      state.order = state.order.filter((id) => id !== data.chat_id);
      renderChats();
      if (data.chat_id === state.openChat) {
        history.replaceState(null, "", listAddress());
        closeChat();
      }
      break;
    case "message_new":
    case "message_edited":
    case "message_deleted":
      onMessage(frame.type, data);
      break;
    case "unread": {
      const chat = state.chats.get(data.chat_id);
      if (chat) {
        chat.unread = data.unread;
        renderChats();
      }
      break;
    }
    case "read_receipt":
      onReadReceipt(data);
      break;
    case "chat_messages":
      onPage(frame, asked);
      break;
    case "error":
      showRefusal(data);
      if (asked && "content" in asked) restoreDraft(asked);
      break;
    default:
      break; // device_registered and anything newer: nothing to show
  }
}

// What was typed (and attached) is not lost to a refusal, unless the user has
// started on something else meanwhile.
function restoreDraft(asked) {
  const input = document.getElementById("message-input");
  if (asked.chatId !== state.openChat || input.value || state.editing || state.pictures.length) {
    return;
  }
  input.value = asked.content;
  state.editing = asked.messageId || "";
  state.pictures = asked.pictures || [];
  renderComposer();
  renderMessages(false);
}

// --- which chat is open ---------------------------------------------------

function listAddress() {
  return location.pathname + location.search;
}

export function go(chatId) {
  const hash = chatId ? "#" + encodeURIComponent(chatId) : "";
  if (location.hash !== hash) history.pushState(null, "", hash || listAddress());
  route();
}

export function route() {
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && state.chats.has(wanted)) {
    if (wanted === state.openChat) renderChat();
    else show(wanted);
    return;
  }
  if (wanted && state.chats.size) history.replaceState(null, "", listAddress());
  if (state.openChat) closeChat();
  else renderChat();
}

function show(chatId) {
  if (state.editing) document.getElementById("message-input").value = "";
  Object.assign(state, { openChat: chatId, messages: [], hasMore: false, editing: "",
                         pictures: [] });
  document.getElementById("chat-details").open = false;
  renderChats();
  renderChat();
  renderMessages(true);
  renderComposer();
  fetchPage(false);
  document.getElementById("message-input").focus();
}

export function closeChat() {
  Object.assign(state, { openChat: "", messages: [], hasMore: false, editing: "" });
  renderChats();
  renderChat();
}

export function fetchPage(older) {
  const data = { chat_id: state.openChat, limit: PAGE };
  if (older && state.messages.length) data.before = state.messages[0].id;
  request("get_chat_messages", data, { older: older, byUser: true });
}

// --- what the frames change -------------------------------------------------

function putChat(chat) {
  const known = state.chats.get(chat.chat_id);
  state.chats.set(chat.chat_id, chat);
  if (!known || chat.updated_at > known.updated_at) moveToTop(chat.chat_id);
  renderChats();
}

function moveToTop(chatId) {
  state.order = [chatId].concat(state.order.filter((id) => id !== chatId));
}

function onMessage(kind, message) {
  const chat = state.chats.get(message.chat_id);
  if (chat && kind === "message_new") {
    chat.lastest_message = message.content;
    chat.updated_at = message.created_at;
    moveToTop(chat.chat_id);
  }
  if (message.chat_id === state.openChat) {
    const at = state.messages.findIndex((shown) => shown.id === message.id);
    if (at >= 0) state.messages[at] = message;
    else state.messages.push(message);
    if (chat && kind !== "message_new") chat.lastest_message = newestText(chat.lastest_message);
    renderMessages(at < 0);
    if (kind === "message_new" && message.sender !== state.me) {
      // The chat is on screen: what arrives in it is read.
      request("mark_read", { chat_id: message.chat_id, message_id: message.id });
    }
  }
  renderChats();
}

// The list shows the newest message not deleted; after an edit or a deletion
// in the open chat it is among those loaded, unless all of them are deleted.
function newestText(known) {
  for (let i = state.messages.length - 1; i >= 0; i--) {
    if (!state.messages[i].deleted) return state.messages[i].content;
  }
  return state.hasMore ? known : "";
}

function onReadReceipt(receipt) {
  const chat = state.chats.get(receipt.chat_id);
  if (receipt.chat_id !== state.openChat || !chat || chat.kind === "group") return;
  // In a chat of two, the other one's receipt means every message up to it is read.
  const upTo = state.messages.findIndex((message) => message.id === receipt.message_id);
  for (let i = 0; i <= upTo; i++) state.messages[i].is_read = true;
  renderMessages(false);
}

function onPage(frame, asked) {
  if (frame.chat_id !== state.openChat) return;
  if (asked && asked.older) {
    const known = new Set(state.messages.map((message) => message.id));
    state.messages = frame.data.filter((message) => !known.has(message.id))
      .concat(state.messages);
  } else {
    state.messages = frame.data;
  }
  state.hasMore = frame.has_more;
  const chat = state.chats.get(frame.chat_id);
  if (chat) chat.unread = 0; // fetching a chat's messages reads it
  renderChats();
  renderMessages(!(asked && asked.older));
}
