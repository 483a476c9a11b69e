// Drawing the state. Whatever the server or a user wrote is put on the page
// with textContent, never parsed as HTML. Buttons carry a data-action that
// console.js acts on; nothing here changes the state.

import { READ_ONLY_KINDS, SYSTEM_KINDS, nameOf, state, title, withToken } from "./state.js";

const $ = (id) => document.getElementById(id);

function element(tag, className, text, testid) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text != null) made.textContent = text;
  if (testid) made.dataset.testid = testid;
  return made;
}

function actionButton(label, action, testid) {
  const button = element("button", "link", label, testid);
  button.type = "button";
  button.dataset.action = action;
  return button;
}

// --- times: the time of day for today, the date before, all of it on hover ---

function compactTime(at, now) {
  if (at.toDateString() === now.toDateString()) {
    return at.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }
  const options = { day: "numeric", month: "short" };
  if (at.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return at.toLocaleDateString([], options);
}

function timeElement(iso, testid) {
  const at = new Date(iso);
  const shown = element("time", "", compactTime(at, new Date()), testid);
  shown.dateTime = iso;
  shown.title = at.toLocaleString([], { dateStyle: "full", timeStyle: "medium" });
  return shown;
}

// --- the chat list ----------------------------------------------------------

export function renderChats() {
  const items = state.order.filter((id) => state.chats.has(id)).map((id) => {
    const chat = state.chats.get(id);
    const item = element("li", "", null, "chat");
    item.tabIndex = 0;
    item.dataset.chatId = chat.chat_id;
    item.dataset.kind = chat.kind || "";
    item.setAttribute("role", "button");
    item.setAttribute("aria-current", String(chat.chat_id === state.openChat));
    const unread = element("span", "chat-unread", String(chat.unread), "chat-unread");
    unread.hidden = !chat.unread;
    const muted = element("span", "chat-muted", "muted", "chat-muted");
    muted.hidden = !chat.muted;
    item.append(element("span", "chat-name", title(chat), "chat-name"),
                timeElement(chat.updated_at, "chat-time"),
                element("span", "chat-last", chat.lastest_message || "", "chat-last"),
                muted, unread);
    return item;
  });
  $("chats").replaceChildren(...items);
  $("no-chats").hidden = items.length > 0;
}

// --- the open chat: its header and its settings -----------------------------

export function renderChat() {
  const chat = state.chats.get(state.openChat);
  $("app").dataset.chatOpen = String(Boolean(chat));
  $("chat-hint").hidden = Boolean(chat);
  $("chat-view").hidden = !chat;
  if (!chat) return;
  $("chat-title").textContent = title(chat);
  $("chat-subtitle").textContent = subtitle(chat);
  $("chat-muted").hidden = !chat.muted;
  $("send-form").hidden = READ_ONLY_KINDS.includes(chat.kind);
  renderSettings(chat);
}

function others(chat) {
  return chat.users.map((user) => user.user_id).filter((id) => id !== state.me);
}

function subtitle(chat) {
  if (chat.kind === "support") return "tech support";
  if (READ_ONLY_KINDS.includes(chat.kind)) return "booking notices";
  const names = others(chat).map((id) => nameOf(id, chat));
  if (chat.kind === "direct") return "with " + names.join(", ");
  return (chat.users_count || chat.users.length) + " members: you, " + names.join(", ");
}

function renderSettings(chat) {
  const group = chat.kind === "group";
  const system = SYSTEM_KINDS.includes(chat.kind);
  const admin = chat.group_admin === state.me;
  $("members").replaceChildren(...chat.users.map((user) => {
    const id = user.user_id;
    const item = element("li", "", null, "member");
    item.dataset.userId = id;
    const name = nameOf(id, chat);
    item.append(element("span", "member-name", id === state.me ? "you" : name, "member-name"));
    if (name !== id) item.append(element("span", "member-id", id));
    if (group && id === chat.group_admin) item.append(element("span", "badge", "admin"));
    if (group && admin && id !== state.me) {
      item.append(actionButton("Remove", "remove-member", "remove-member"));
    }
    return item;
  }));
  $("add-member-form").hidden = !(group && admin);
  $("rename-form").hidden = system || (group && !admin);
  $("mute-button").textContent = chat.muted ? "Unmute" : "Mute";
  $("mute-button").dataset.muted = String(Boolean(chat.muted));
  $("leave-button").hidden = !group;
  $("delete-chat-button").hidden = system || (group && !admin);
}

// --- messages ---------------------------------------------------------------

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
  // In a chat of two the header says who the other one is.
  if (!mine && chat && chat.kind !== "direct") {
    const sender = element("span", "message-sender", nameOf(message.sender, chat),
                           "message-sender");
    sender.title = message.sender;
    item.append(sender);
  }
  const text = message.deleted ? "message deleted" : message.content;
  const content = element("span", "message-content", text, "message-content");
  content.hidden = !text;
  item.append(content);
  if (!message.deleted && message.attachments.length) item.append(pictures(message.attachments));
  const meta = element("span", "message-meta", null, "message-meta");
  meta.append(timeElement(message.created_at, "message-time"));
  if (message.edited_at && !message.deleted) {
    const edited = element("span", "", " · edited", "message-edited");
    edited.title = "edited " + new Date(message.edited_at).toLocaleString();
    meta.append(edited);
  }
  if (mine && message.is_read) meta.append(" · read");
  if (mine && !message.deleted) {
    meta.append(actionButton("Edit", "edit", "edit-message"),
                actionButton("Delete", "delete", "delete-message"));
  }
  item.append(meta);
  return item;
}

function pictures(attachments) {
  const box = element("span", "message-pictures");
  for (const attachment of attachments) {
    const link = element("a");
    link.href = withToken(attachment.url);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    link.append(picture(attachment.thumbnail_url, attachment.url, "message-picture"));
    box.append(link);
  }
  return box;
}

// A thumbnail, or the file itself when it has none (a small picture).
function picture(thumbnailPath, filePath, testid) {
  const image = element("img", "", null, testid);
  image.alt = "picture";
  image.src = withToken(thumbnailPath);
  image.addEventListener("error", () => {
    if (image.dataset.fallback) image.replaceWith("picture (cannot be shown here)");
    else {
      image.dataset.fallback = "1";
      image.src = withToken(filePath);
    }
  });
  return image;
}

// --- the composer -------------------------------------------------------------

export function renderComposer() {
  $("editing").hidden = !state.editing;
  $("attach").hidden = Boolean(state.editing); // an edit changes the text only
  $("send-button").textContent = state.editing ? "Save" : "Send";
  $("send-button").disabled = state.uploading > 0;
  $("uploading").hidden = !state.uploading;
  $("pending-pictures").hidden = !state.pictures.length;
  $("pending-pictures").replaceChildren(...state.pictures.map((upload, index) => {
    const item = element("li", "", null, "pending-picture");
    const path = "/api/v1/files/" + upload.upload_id;
    item.append(picture(upload.has_thumbnail ? path + "?thumbnail=1" : path, path));
    const remove = actionButton("×", "unattach", "unattach");
    remove.dataset.index = String(index);
    remove.setAttribute("aria-label", "Do not send this picture");
    item.append(remove);
    return item;
  }));
}
