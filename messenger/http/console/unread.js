// The unread total, in the header and the tab's title: the server's
// unread_total (chat_list, unread frames), which leaves archived chats out;
// until a server says one, the sum over the chats in the list.

import { state } from "./state.js";
import { $ } from "./dom.js";

const TITLE = "Messenger console";

export function noteTotal(total) {
  if (typeof total === "number") state.unreadTotal = total;
}

export function unreadTotal() {
  if (state.unreadTotal != null) return state.unreadTotal;
  let sum = 0;
  for (const chat of state.chats.values()) if (!chat.archived) sum += chat.unread || 0;
  return sum;
}

export function renderTotal() {
  const total = state.me ? unreadTotal() : 0;
  $("unread-total").textContent = total + " unread";
  $("unread-total").hidden = !total;
  document.title = total ? "(" + total + ") " + TITLE : TITLE;
}
