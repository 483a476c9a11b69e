// Replies: a message may answer an earlier one of its chat (`reply_to`: the
// original's id, sender and excerpt, or `deleted`). The quote sits above the
// reply; a click on it brings the original into view when it is loaded.

import { nameOf, state } from "./state.js";
import { $, element } from "./dom.js";
import { showError } from "./notices.js";

const EXCERPT_CHARS = 100; // as the server cuts it

export function excerptOf(message) {
  if (message.deleted) return "";
  const text = Array.from(message.content || "");
  if (!text.length) return message.attachments && message.attachments.length ? "(a file)" : "";
  return text.length > EXCERPT_CHARS ? text.slice(0, EXCERPT_CHARS).join("") + "…" : text.join("");
}

export function quote(replyTo, chat) {
  const box = element("button", "reply-quote", null, "reply-quote");
  box.type = "button";
  box.dataset.action = "show-original";
  box.dataset.originalId = replyTo.id;
  box.append(element("span", "reply-sender", nameOf(replyTo.sender, chat), "reply-sender"));
  const text = replyTo.deleted ? "message deleted" : replyTo.excerpt;
  box.append(element("span", "reply-excerpt" + (replyTo.deleted ? " deleted" : ""), text,
                     "reply-excerpt"));
  return box;
}

// Scrolls to a loaded message and makes it blink; false when it is not loaded.
export function bringIntoView(messageId) {
  const item = $("messages").querySelector(`[data-message-id="${CSS.escape(messageId)}"]`);
  if (!item) return false;
  item.scrollIntoView({ block: "center" });
  item.classList.remove("flash");
  void item.offsetWidth; // restart the animation
  item.classList.add("flash");
  return true;
}

export function showOriginal(messageId) {
  if (!bringIntoView(messageId)) {
    showError(state.hasMore ? "The original message is further back: load older messages to see it."
                            : "The original message is no longer in this chat.");
  }
}

export function renderReplying() {
  const replying = state.replyTo;
  $("replying").hidden = !replying;
  if (!replying) return;
  const chat = state.chats.get(state.openChat);
  $("replying-to").textContent = nameOf(replying.sender, chat);
  $("replying-excerpt").textContent = replying.deleted ? "message deleted" : excerptOf(replying);
}
