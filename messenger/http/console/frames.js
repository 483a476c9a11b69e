// Frames from the server: what each changes in the state, and what is drawn again.

import { state } from "./state.js";
import { $ } from "./dom.js";
import { request, takeAsked } from "./connection.js";
import { clearError, showRefusal } from "./notices.js";
import { renderChats } from "./chat-list.js";
import { renderChat } from "./chat-view.js";
import { renderComposer } from "./composer.js";
import { renderMessages } from "./messages.js";
import { closeChat, fetchPage, found, go, listAddress, route } from "./routing.js";
import { onReactionsChanged } from "./reactions.js";
import { onSearchResults, searchRefused } from "./search.js";
import { onTyping, stopped } from "./typing.js";
import { notePresence, onPresence, onPresenceSettings, renderPresenceSetting } from "./presence.js";
import { noteTotal } from "./unread.js";
import { onArchivedChats } from "./chat-actions.js";

export function receive(frame) {
  const asked = takeAsked(frame);
  if (asked && asked.byUser && frame.type !== "error") clearError();
  const data = frame.data;
  switch (frame.type) {
    case "chat_list":
      onChatList(frame);
      break;
    case "chat_updated":
      putChat(data);
      if (asked && asked.type === "create_chat") go(data.chat_id);
      else if (data.chat_id === state.openChat) renderChat();
      break;
    case "chat_removed":
      countedAs(state.chats.get(data.chat_id), null);
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
    case "unread":
      onUnread(data);
      break;
    case "read_receipt":
      onReadReceipt(data);
      break;
    case "chat_messages":
      onPage(frame, asked);
      break;
    case "reactions_changed":
      if (onReactionsChanged(data)) renderMessages(false);
      break;
    case "typing":
      onTyping(data);
      break;
    case "presence":
      if (onPresence(data)) renderChat();
      break;
    case "presence_settings":
      onPresenceSettings(data);
      break;
    case "search_results":
      onSearchResults(data, asked);
      break;
    case "archived_chats":
      data.forEach(notePresence);
      onArchivedChats(data);
      break;
    case "error":
      onError(data, asked);
      break;
    default:
      break; // device_registered and anything newer: nothing to show
  }
}

function onError(error, asked) {
  if (error.request_type === "typing") return; // a hint to others, not worth a word
  if (asked && asked.quiet) return; // asked for the page's own sake, not the user's
  showRefusal(error);
  if (!asked) return;
  if ("content" in asked) restoreDraft(asked);
  if (asked.type === "search_messages") searchRefused(asked);
  if (asked.type === "set_presence_visible") renderPresenceSetting();
}

// What was typed (and attached, and answered) is not lost to a refusal,
// unless the user has started on something else meanwhile.
function restoreDraft(asked) {
  const input = $("message-input");
  if (asked.chatId !== state.openChat || input.value || state.editing || state.pictures.length) {
    return;
  }
  input.value = asked.content;
  state.editing = asked.messageId || "";
  state.pictures = asked.pictures || [];
  state.replyTo = asked.replyTo || null;
  renderComposer();
  renderMessages(false);
}

// --- what the frames change -------------------------------------------------

// The list as it is now. Archived chats are not in it: those known from the
// archived screen are kept (and asked for again when that screen is open).
function onChatList(frame) {
  const listed = new Map(frame.data.map((chat) => [chat.chat_id, chat]));
  const archived = [...state.chats.values()].filter((chat) => chat.archived && !listed.has(chat.chat_id));
  state.chats = listed;
  for (const chat of archived) state.chats.set(chat.chat_id, chat);
  state.order = frame.data.map((chat) => chat.chat_id).concat(archived.map((chat) => chat.chat_id));
  frame.data.forEach(notePresence);
  noteTotal(frame.unread_total);
  // The archived chats too: a message in one brings it back to the list.
  request("get_archived_chats", {}, { quiet: true });
  renderChats();
  route();
  if (state.refetch && state.openChat) fetchPage(false);
  state.refetch = false;
}

export function putChat(chat) {
  const known = state.chats.get(chat.chat_id);
  countedAs(known, chat);
  state.chats.set(chat.chat_id, chat);
  notePresence(chat);
  // Pinned chats keep the order they were pinned in, the latest first.
  if (!known || (chat.pinned && !known.pinned)) moveToTop(chat.chat_id);
  else if (!state.order.includes(chat.chat_id)) state.order.push(chat.chat_id);
  renderChats();
}

// The total counts the chats in the list: one archived, unarchived, come or
// gone changes it by its unread count, without an unread frame saying so.
function countedAs(known, chat) {
  const counted = (entry) => (entry && !entry.archived ? entry.unread || 0 : 0);
  if (state.unreadTotal != null) {
    state.unreadTotal = Math.max(0, state.unreadTotal - counted(known) + counted(chat));
  }
}

function moveToTop(chatId) {
  state.order = [chatId].concat(state.order.filter((id) => id !== chatId));
}

function onUnread(data) {
  noteTotal(data.unread_total);
  const chat = state.chats.get(data.chat_id);
  if (chat) {
    chat.unread = data.unread;
    if ("mentions_unread" in data) chat.mentions_unread = data.mentions_unread;
    else if (!data.unread) chat.mentions_unread = 0; // all read, the mentions too
  }
  renderChats();
}

function onMessage(kind, message) {
  const chat = state.chats.get(message.chat_id);
  const open = message.chat_id === state.openChat;
  if (kind === "message_new") {
    stopped(message.chat_id, message.sender);
    if (chat) {
      chat.lastest_message = message.content;
      chat.updated_at = message.created_at;
      const forMe = message.sender !== state.me && (message.mentions || []).includes(state.me);
      if (forMe && !open) chat.mentions_unread = (chat.mentions_unread || 0) + 1;
      chat.archived = false; // a newer message takes a chat out of the archive
      if (!chat.pinned) moveToTop(chat.chat_id);
    }
  }
  if (open) {
    const at = state.messages.findIndex((shown) => shown.id === message.id);
    if (at >= 0) state.messages[at] = message;
    else state.messages.push(message);
    if (kind !== "message_new") quotesOf(message);
    if (chat && kind !== "message_new") chat.lastest_message = newestText(chat.lastest_message);
    renderMessages(at < 0);
    if (kind === "message_new" && message.sender !== state.me) {
      // The chat is on screen: what arrives in it is read.
      request("mark_read", { chat_id: message.chat_id, message_id: message.id });
    }
  }
  renderChats();
}

// The loaded replies to an edited or deleted message quote it as it is now.
function quotesOf(original) {
  for (const message of state.messages) {
    if (message.reply_to && message.reply_to.id === original.id) {
      message.reply_to = Object.assign({}, message.reply_to, {
        deleted: original.deleted,
        excerpt: original.deleted ? "" : Array.from(original.content).slice(0, 100).join(""),
      });
    }
  }
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
  if (chat) { // fetching a chat's messages reads it; this connection hears no unread frame
    if (state.unreadTotal != null && !chat.archived) {
      state.unreadTotal = Math.max(0, state.unreadTotal - (chat.unread || 0));
    }
    Object.assign(chat, { unread: 0, mentions_unread: 0 });
  }
  renderChats();
  renderMessages(!(asked && asked.older));
  if (state.scrollTo) found();
}
