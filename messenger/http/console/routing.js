// Which chat is open. It lives in the address (#chat_id), so a reload, a
// bookmark and the browser's back button all keep to it.

import { state } from "./state.js";
import { $ } from "./dom.js";
import { request } from "./connection.js";
import { renderChats } from "./chat-list.js";
import { renderChat } from "./chat-view.js";
import { renderComposer } from "./composer.js";
import { renderMessages } from "./messages.js";
import { chatChanged } from "./search.js";
import { bringIntoView } from "./replies.js";

const PAGE = 50;
const MAX_PAGES_TO_FIND = 10; // how far back a search result is looked for

export function listAddress() {
  return location.pathname + location.search;
}

export function go(chatId, messageId) {
  state.scrollTo = messageId || "";
  const hash = chatId ? "#" + encodeURIComponent(chatId) : "";
  if (location.hash !== hash) history.pushState(null, "", hash || listAddress());
  route();
}

export function route() {
  const wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted && state.chats.has(wanted)) {
    if (wanted === state.openChat) {
      renderChat();
      if (state.scrollTo) found();
    } else show(wanted);
    return;
  }
  if (wanted && state.chats.size) history.replaceState(null, "", listAddress());
  if (state.openChat) closeChat();
  else renderChat();
}

function show(chatId) {
  if (state.editing) $("message-input").value = "";
  Object.assign(state, { openChat: chatId, messages: [], hasMore: false, editing: "",
                         replyTo: null, pictures: [], picking: "", pagesLooked: 0 });
  $("chat-details").open = false;
  chatChanged();
  renderChats();
  renderChat();
  renderMessages(true);
  renderComposer();
  fetchPage(false);
  $("message-input").focus();
}

export function closeChat() {
  Object.assign(state, { openChat: "", messages: [], hasMore: false, editing: "", replyTo: null,
                         picking: "", scrollTo: "" });
  chatChanged();
  renderChats();
  renderChat();
}

export function fetchPage(older) {
  const data = { chat_id: state.openChat, limit: PAGE };
  if (older && state.messages.length) data.before = state.messages[0].id;
  request("get_chat_messages", data, { older: older, byUser: true });
}

// A message asked for (a search result) is brought into view once it is
// loaded: older pages are fetched for it, a few at most.
export function found() {
  if (bringIntoView(state.scrollTo)) {
    state.scrollTo = "";
  } else if (state.hasMore && state.pagesLooked < MAX_PAGES_TO_FIND) {
    state.pagesLooked += 1;
    fetchPage(true);
  } else {
    state.scrollTo = "";
  }
}
