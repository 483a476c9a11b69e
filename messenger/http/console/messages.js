// The open chat's messages: who wrote each, the quote it answers, its text
// with mentions marked, its files, its reactions, and the actions on it
// (data-action, which composer.js acts on).

import { READ_ONLY_KINDS, nameOf, state } from "./state.js";
import { $, actionButton, element, timeElement } from "./dom.js";
import { attachmentsBox } from "./attachments.js";
import { mentionsMe, withMentions } from "./mentions.js";
import { quote } from "./replies.js";
import { reactionsRow } from "./reactions.js";

export function renderMessages(toBottom) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const chat = state.chats.get(state.openChat);
  list.replaceChildren(...state.messages.map((message) => messageItem(message, chat)));
  $("load-older").hidden = !state.hasMore;
  $("no-messages").hidden = state.messages.length > 0 || state.hasMore;
  if (toBottom || atBottom) list.scrollTop = list.scrollHeight;
}

function messageItem(message, chat) {
  const mine = message.sender === state.me;
  const item = element("li", (mine ? "mine" : "") + (message.deleted ? " deleted" : ""), null,
                       "message");
  item.dataset.messageId = message.id;
  if (message.id === state.editing) item.classList.add("editing");
  if (!message.deleted && mentionsMe(message)) item.classList.add("mentions-me");
  // In a chat of two the header says who the other one is.
  if (!mine && chat && chat.kind !== "direct") {
    const sender = element("span", "message-sender", nameOf(message.sender, chat),
                           "message-sender");
    sender.title = message.sender;
    item.append(sender);
  }
  if (message.reply_to && !message.deleted) item.append(quote(message.reply_to, chat));
  const content = element("span", "message-content", null, "message-content");
  if (message.deleted) content.textContent = "message deleted";
  else content.append(withMentions(message.content, message.mentions));
  content.hidden = !content.textContent;
  item.append(content);
  if (!message.deleted && message.attachments.length) {
    item.append(attachmentsBox(message.attachments));
  }
  if (!message.deleted) item.append(reactionsRow(message));
  item.append(meta(message, mine, chat));
  return item;
}

function meta(message, mine, chat) {
  const line = element("span", "message-meta", null, "message-meta");
  line.append(timeElement(message.created_at, "message-time"));
  if (message.edited_at && !message.deleted) {
    const edited = element("span", "", " · edited", "message-edited");
    edited.title = "edited " + new Date(message.edited_at).toLocaleString();
    line.append(edited);
  }
  if (mine && message.is_read) line.append(" · read");
  if (message.deleted) return line;
  if (!(chat && READ_ONLY_KINDS.includes(chat.kind))) line.append(actionButton("Reply", "reply", "reply-message"));
  line.append(actionButton(state.picking === message.id ? "Close" : "React", "pick",
                           "react-message"));
  if (mine) {
    line.append(actionButton("Edit", "edit", "edit-message"),
                actionButton("Delete", "delete", "delete-message"));
  }
  return line;
}
