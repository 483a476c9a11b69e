// Writing: send (with files, as a reply), edit and delete one's own
// messages, and the actions on any message (reply, react, show the original).

import { state } from "./state.js";
import { $ } from "./dom.js";
import { request } from "./connection.js";
import { showError } from "./notices.js";
import { upload } from "./uploads.js";
import { pendingItem } from "./attachments.js";
import { renderMessages } from "./messages.js";
import { renderReplying, showOriginal } from "./replies.js";
import { toggleReaction } from "./reactions.js";
import { sentMessage, typed } from "./typing.js";

export function renderComposer() {
  $("editing").hidden = !state.editing;
  $("attach").hidden = Boolean(state.editing); // an edit changes the text only
  $("send-button").textContent = state.editing ? "Save" : "Send";
  $("send-button").disabled = state.uploading > 0;
  $("uploading").hidden = !state.uploading;
  $("pending-pictures").hidden = !state.pictures.length;
  $("pending-pictures").replaceChildren(...state.pictures.map(pendingItem));
  renderReplying();
}

function startEditing(message) {
  Object.assign(state, { editing: message.id, replyTo: null, pictures: [] });
  $("message-input").value = message.content;
  renderComposer();
  renderMessages(false);
  $("message-input").focus();
}

function stopEditing() {
  state.editing = "";
  $("message-input").value = "";
  renderComposer();
  renderMessages(false);
}

function startReply(message) {
  if (state.editing) stopEditing();
  state.replyTo = message;
  renderComposer();
  $("message-input").focus();
}

function submitMessage() {
  const content = $("message-input").value;
  if (state.editing) {
    if (!content.trim()) return;
    const data = { message_id: state.editing, content: content };
    const context = { byUser: true, content: content, messageId: state.editing,
                      chatId: state.openChat };
    if (request("edit_message", data, context)) stopEditing();
    return;
  }
  const files = state.pictures;
  if (!content.trim() && !files.length) return;
  const clientMsgId = (crypto.randomUUID && crypto.randomUUID()) ||
    String(Date.now()) + Math.random().toString(16).slice(2);
  const data = { chat_id: state.openChat, content: content, client_msg_id: clientMsgId };
  if (files.length) data.attachments = files.map((file) => file.upload_id);
  if (state.replyTo) data.reply_to = state.replyTo.id;
  const context = { byUser: true, content: content, pictures: files, chatId: state.openChat,
                    replyTo: state.replyTo };
  if (request("send_message", data, context)) {
    $("message-input").value = "";
    Object.assign(state, { pictures: [], replyTo: null });
    sentMessage();
    renderComposer();
  }
}

async function attach(files) {
  const chatId = state.openChat;
  state.uploading += files.length;
  renderComposer();
  for (const file of files) {
    try {
      const uploaded = await upload(file);
      if (state.openChat === chatId && !state.editing) state.pictures.push(uploaded);
    } catch (error) {
      showError(error.message);
    }
    state.uploading -= 1;
    renderComposer();
  }
}

function onMessageAction(event) {
  const button = event.target.closest("[data-action]");
  if (!button) return;
  const id = button.closest("[data-message-id]").dataset.messageId;
  const message = state.messages.find((shown) => shown.id === id);
  if (!message) return;
  const action = button.dataset.action;
  if (action === "edit") startEditing(message);
  else if (action === "reply") startReply(message);
  else if (action === "show-original") showOriginal(button.dataset.originalId);
  else if (action === "toggle-reaction") toggleReaction(message, button.dataset.emoji);
  else if (action === "pick") {
    state.picking = state.picking === id ? "" : id;
    renderMessages(false);
  } else if (action === "delete" &&
             confirm("Delete this message? Everyone in the chat sees that it was deleted.")) {
    request("delete_message", { message_id: id }, { byUser: true });
  }
  if (action === "toggle-reaction") renderMessages(false);
}

export function wireComposer() {
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitMessage();
  });
  $("message-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    } else if (event.key === "Escape" && state.editing) {
      stopEditing();
    } else if (event.key === "Escape" && state.replyTo) {
      state.replyTo = null;
      renderComposer();
    }
  });
  $("message-input").addEventListener("input", typed);
  $("cancel-edit").addEventListener("click", stopEditing);
  $("cancel-reply").addEventListener("click", () => {
    state.replyTo = null;
    renderComposer();
  });
  $("messages").addEventListener("click", onMessageAction);
  $("file-input").addEventListener("change", () => {
    const files = Array.from($("file-input").files);
    $("file-input").value = ""; // the same file may be chosen again
    if (files.length) attach(files);
  });
  $("pending-pictures").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=unattach]");
    if (!button) return;
    state.pictures.splice(Number(button.dataset.index), 1);
    renderComposer();
  });
}
