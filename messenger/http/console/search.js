// Search: in the list pane over all chats, in an open chat over that chat.
// Results name their chat and show an excerpt with the matches marked (the
// server's [start, end) code-point ranges, drawn as <mark> text nodes);
// "More" asks for the next page; a click opens the chat at the message.

import { nameOf, state, title } from "./state.js";
import { $, element, markedText, timeElement } from "./dom.js";
import { request } from "./connection.js";
import { renderChats } from "./chat-list.js";

const PAGE = 20;
const searches = { all: null, chat: null }; // {text, chatId, results, next, waiting}
const IDS = {
  all: { input: "search-input", list: "search-results", none: "search-none",
         more: "search-more", screen: "search-screen", about: "search-about" },
  chat: { input: "chat-search-input", list: "chat-search-results", none: "chat-search-none",
          more: "chat-search-more", screen: "chat-search-screen", about: "chat-search-about" },
};

export function search(scope, more) {
  const known = searches[scope];
  const text = more ? known.text : $(IDS[scope].input).value.trim();
  if (!text) return;
  const data = { text: text, limit: PAGE };
  if (scope === "chat") data.chat_id = state.openChat;
  if (more) data.before = known.next;
  if (!request("search_messages", data, { byUser: true, scope: scope, more: more })) return;
  if (!more) searches[scope] = { text: text, chatId: data.chat_id || null, results: [], next: null };
  searches[scope].waiting = true;
  if (scope === "all") state.listMode = "search";
  renderSearch(scope);
  renderChats();
}

export function closeSearch(scope) {
  searches[scope] = null;
  $(IDS[scope].input).value = "";
  if (scope === "all" && state.listMode === "search") state.listMode = "chats";
  renderSearch(scope);
  renderChats();
}

// Another chat opened: a search in the one before no longer applies.
export function chatChanged() {
  if (searches.chat && searches.chat.chatId !== state.openChat) closeSearch("chat");
}

export function onSearchResults(data, asked) {
  const scope = asked ? asked.scope : data.chat_id ? "chat" : "all";
  const known = searches[scope];
  if (!known || known.text !== data.text || (known.chatId || null) !== (data.chat_id || null)) {
    return; // a search closed or replaced since
  }
  const seen = new Set(known.results.map((result) => result.message.id));
  known.results = known.results.concat(data.results.filter((result) => !seen.has(result.message.id)));
  known.next = data.next;
  known.waiting = false;
  renderSearch(scope);
}

export function searchRefused(asked) {
  if (searches[asked.scope]) searches[asked.scope].waiting = false;
  renderSearch(asked.scope);
}

export function renderSearch(scope) {
  const ids = IDS[scope];
  const known = searches[scope];
  if (scope === "chat") $(ids.screen).hidden = !known; // the list pane's: renderChats
  if (!known) return;
  $(ids.about).textContent = known.waiting && !known.results.length ? "Searching…"
    : "Results for “" + known.text + "”";
  $(ids.list).replaceChildren(...known.results.map((result) => resultItem(result, scope)));
  $(ids.none).hidden = known.waiting || known.results.length > 0;
  $(ids.more).hidden = !known.next;
  $(ids.more).disabled = Boolean(known.waiting);
}

function resultItem(result, scope) {
  const chat = state.chats.get(result.chat_id);
  const item = element("li", "", null, "search-result");
  item.tabIndex = 0;
  item.setAttribute("role", "button");
  item.dataset.chatId = result.chat_id;
  item.dataset.messageId = result.message.id;
  const head = element("span", "result-head");
  if (scope === "all") {
    head.append(element("span", "result-chat", result.chat_name || (chat && title(chat)) || "a chat",
                        "result-chat"));
  }
  head.append(element("span", "result-sender", nameOf(result.message.sender, chat), "result-sender"),
              timeElement(result.message.created_at, "result-time"));
  const excerpt = element("span", "result-excerpt", null, "result-excerpt");
  excerpt.append(markedText(result.excerpt, result.highlights));
  item.append(head, excerpt);
  return item;
}
