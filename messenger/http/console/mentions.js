// Mentions: a message lists the users it mentions (`mentions`, user ids); the
// "@user_id" words for them in its text are marked, one's own more strongly.
// Writing "@user_id" is all it takes to mention a member: the server reads it.

import { state } from "./state.js";
import { element } from "./dom.js";

const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function mentionsMe(message) {
  return Boolean(message.mentions && message.mentions.includes(state.me));
}

// The message's text, with its mentions in <mark>s (text nodes only).
export function withMentions(text, mentions) {
  const box = document.createDocumentFragment();
  if (!mentions || !mentions.length) {
    box.append(text);
    return box;
  }
  const ids = [...mentions].sort((a, b) => b.length - a.length).map(escaped);
  const words = new RegExp("@(" + ids.join("|") + ")(?![\\p{L}\\p{N}_])", "gu");
  let at = 0;
  for (const found of text.matchAll(words)) {
    box.append(text.slice(at, found.index));
    const mark = element("mark", found[1] === state.me ? "mention me" : "mention", found[0],
                         "mention");
    mark.dataset.userId = found[1];
    box.append(mark);
    at = found.index + found[0].length;
  }
  box.append(text.slice(at));
  return box;
}
