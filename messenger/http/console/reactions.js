// Reactions: under a message, each emoji used on it with its count, one's own
// highlighted; a click toggles one's own (react / unreact). The picker offers
// a small fixed set (docs/protocol.md, section 11).

import { state } from "./state.js";
import { element } from "./dom.js";
import { request } from "./connection.js";

export const REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

function reactionButton(emoji, label, action, testid) {
  const button = element("button", "reaction", label, testid);
  button.type = "button";
  button.dataset.action = action;
  button.dataset.emoji = emoji;
  return button;
}

// The counts under a message, and the picker when it is open for it.
export function reactionsRow(message) {
  const row = element("span", "message-reactions", null, "message-reactions");
  for (const reaction of message.reactions || []) {
    const button = reactionButton(reaction.emoji, reaction.emoji + " " + reaction.count,
                                  "toggle-reaction", "reaction");
    button.classList.toggle("me", Boolean(reaction.me));
    button.setAttribute("aria-pressed", String(Boolean(reaction.me)));
    button.title = reaction.me ? "You reacted: click to take it back" : "React with " + reaction.emoji;
    row.append(button);
  }
  if (state.picking === message.id) {
    const picker = element("span", "reaction-picker", null, "reaction-picker");
    picker.append(...REACTIONS.map((emoji) =>
      reactionButton(emoji, emoji, "toggle-reaction", "pick-reaction")));
    row.append(picker);
  }
  row.hidden = !row.childElementCount;
  return row;
}

// A click on a reaction (or in the picker): one's own is taken back, another added.
export function toggleReaction(message, emoji) {
  const mine = (message.reactions || []).some((reaction) => reaction.emoji === emoji && reaction.me);
  state.picking = "";
  request(mine ? "unreact" : "react", { message_id: message.id, emoji: emoji }, { byUser: true });
}

// reactions_changed: the message's reactions as they are now, for this user.
export function onReactionsChanged(data) {
  if (data.chat_id !== state.openChat) return false;
  const message = state.messages.find((shown) => shown.id === data.message_id);
  if (!message) return false;
  message.reactions = data.reactions;
  return true;
}
