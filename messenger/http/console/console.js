// The messenger's browser console: protocol version 2 over /ws on this host.
// Plain JavaScript modules, no build step. This one wires what the user does
// to requests; frames.js takes the answers, view.js draws (with textContent,
// never HTML), connection.js keeps the socket.

import { forget, state } from "./state.js";
import { connect, disconnect, request, setStatus } from "./connection.js";
import { clearError, showError } from "./notices.js";
import { closeChat, fetchPage, go, receive, route } from "./frames.js";
import { renderChat, renderChats, renderComposer, renderMessages } from "./view.js";
import { upload } from "./pictures.js";

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "console-token";

// --- signing in and out -----------------------------------------------------

function signIn(token) {
  connect(token, {
    opened() {
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $("login").hidden = true;
      $("app").hidden = false;
      $("sign-out").hidden = false;
    },
    frame: receive,
    refused(text) {
      showError(text);
      signOut();
    },
  });
}

function signOut() {
  disconnect();
  sessionStorage.removeItem(TOKEN_KEY);
  forget();
  history.replaceState(null, "", location.pathname + location.search);
  $("app").hidden = true;
  $("login").hidden = false;
  $("sign-out").hidden = true;
  setStatus("signed-out");
  closeChat();
  renderComposer();
}

async function mint() {
  const body = { user_id: $("mint-user").value.trim(), name: $("mint-name").value.trim() };
  try {
    const answer = await fetch("/console/token", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await answer.json().catch(() => null);
    if (!answer.ok || !json || !json.token) {
      showError("Could not make a token: " +
                ((json && json.error && json.error.message) || "the server answered " + answer.status) + ".");
      return;
    }
    clearError();
    $("token-input").value = json.token;
    signIn(json.token);
  } catch (error) {
    showError("Could not make a token: the server is not reachable.");
  }
}

// --- the chat and its settings ------------------------------------------------

function userIds(input) {
  return input.value.split(/[\s,]+/).filter(Boolean).map((user) => ({ user_id: user }));
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", (event) => {
    event.preventDefault();
    handler();
  });
}

function wireChats() {
  const openFrom = (event) => {
    const item = event.target.closest("[data-chat-id]");
    if (item) go(item.dataset.chatId);
  };
  $("chats").addEventListener("click", openFrom);
  $("chats").addEventListener("keydown", (event) => {
    if (event.key === "Enter") openFrom(event);
  });
  $("back").addEventListener("click", () => go(""));
  window.addEventListener("popstate", route);

  onSubmit("new-chat-form", () => {
    const data = { with_user_id: userIds($("new-chat-users")) };
    const name = $("new-chat-name").value.trim();
    if (name) data.chat_name = name;
    if (request("create_chat", data, { byUser: true })) {
      $("new-chat-users").value = "";
      $("new-chat-name").value = "";
    }
  });
  onSubmit("rename-form", () => {
    const data = { chat_id: state.openChat, new_name: $("rename-input").value.trim() };
    if (request("rename_chat", data, { byUser: true })) $("rename-input").value = "";
  });
  onSubmit("add-member-form", () => {
    const data = { chat_id: state.openChat, with_user_id: userIds($("add-member-users")) };
    if (request("add_user", data, { byUser: true })) $("add-member-users").value = "";
  });
  $("members").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=remove-member]");
    if (!button) return;
    const userId = button.closest("[data-user-id]").dataset.userId;
    if (confirm("Remove " + userId + " from this chat?")) {
      request("remove_user", { chat_id: state.openChat, with_user_id: [{ user_id: userId }] },
              { byUser: true });
    }
  });
  $("mute-button").addEventListener("click", () => {
    const chat = state.chats.get(state.openChat);
    request(chat.muted ? "unmute_chat" : "mute_chat", { chat_id: chat.chat_id }, { byUser: true });
  });
  $("leave-button").addEventListener("click", () => {
    if (confirm("Leave this chat? You will no longer see its messages.")) {
      request("leave_chat", { chat_id: state.openChat }, { byUser: true });
    }
  });
  $("delete-chat-button").addEventListener("click", () => {
    if (confirm("Delete this chat for everyone in it?")) {
      request("delete_chat", { chat_id: state.openChat }, { byUser: true });
    }
  });
  $("load-older").addEventListener("click", () => fetchPage(true));
}

// --- writing: send, edit, delete, pictures --------------------------------------

function startEditing(message) {
  state.editing = message.id;
  state.pictures = [];
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
  const pictures = state.pictures;
  if (!content.trim() && !pictures.length) return;
  const clientMsgId = (crypto.randomUUID && crypto.randomUUID()) ||
    String(Date.now()) + Math.random().toString(16).slice(2);
  const data = { chat_id: state.openChat, content: content, client_msg_id: clientMsgId };
  if (pictures.length) data.attachments = pictures.map((picture) => picture.upload_id);
  const context = { byUser: true, content: content, pictures: pictures, chatId: state.openChat };
  if (request("send_message", data, context)) {
    $("message-input").value = "";
    state.pictures = [];
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

function wireComposer() {
  onSubmit("send-form", submitMessage);
  $("message-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("send-form").requestSubmit();
    } else if (event.key === "Escape" && state.editing) {
      stopEditing();
    }
  });
  $("cancel-edit").addEventListener("click", stopEditing);
  $("messages").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const id = button.closest("[data-message-id]").dataset.messageId;
    const message = state.messages.find((shown) => shown.id === id);
    if (!message) return;
    if (button.dataset.action === "edit") startEditing(message);
    else if (button.dataset.action === "delete" &&
             confirm("Delete this message? Everyone in the chat sees that it was deleted.")) {
      request("delete_message", { message_id: id }, { byUser: true });
    }
  });
  $("picture-input").addEventListener("change", () => {
    const files = Array.from($("picture-input").files);
    $("picture-input").value = ""; // the same file may be chosen again
    if (files.length) attach(files);
  });
  $("pending-pictures").addEventListener("click", (event) => {
    const button = event.target.closest("[data-action=unattach]");
    if (!button) return;
    state.pictures.splice(Number(button.dataset.index), 1);
    renderComposer();
  });
}

// --- start ------------------------------------------------------------------

function wire() {
  $("mint-form").hidden = document.body.dataset.devTokens !== "true";
  onSubmit("mint-form", mint);
  onSubmit("token-form", () => {
    clearError();
    signIn($("token-input").value.trim());
  });
  $("sign-out").addEventListener("click", signOut);
  $("error-close").addEventListener("click", clearError);
  wireChats();
  wireComposer();
  renderChats();
  renderChat();

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    $("token-input").value = saved;
    signIn(saved);
  }
}

wire();
