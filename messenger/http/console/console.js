// The messenger's browser console: protocol version 2 over /ws on this host.
// Plain JavaScript modules, no build step, one feature each. This one signs
// in and out and wires the page's controls to the modules that act on them:
// frames.js takes the server's answers, connection.js keeps the socket.

import { forget, state } from "./state.js";
import { $ } from "./dom.js";
import { connect, disconnect, request, setStatus } from "./connection.js";
import { clearError, showError } from "./notices.js";
import { receive } from "./frames.js";
import { closeChat, fetchPage, go, route } from "./routing.js";
import { renderChats } from "./chat-list.js";
import { renderChat } from "./chat-view.js";
import { renderComposer, wireComposer } from "./composer.js";
import { onSubmit, userIds, wireChatActions } from "./chat-actions.js";
import { closeSearch, search } from "./search.js";
import { renderPresenceSetting, wirePresenceSetting } from "./presence.js";
import { renderTotal } from "./unread.js";

const TOKEN_KEY = "console-token";

// --- signing in and out -----------------------------------------------------

function signIn(token) {
  connect(token, {
    opened() {
      sessionStorage.setItem(TOKEN_KEY, state.token);
      $("login").hidden = true;
      $("app").hidden = false;
      $("sign-out").hidden = false;
      renderPresenceSetting();
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
  closeSearch("all");
  closeSearch("chat");
  closeChat();
  renderComposer();
  renderTotal();
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

// --- the list pane: new chats and search ------------------------------------------

function wireList() {
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
  $("load-older").addEventListener("click", () => fetchPage(true));
}

function wireSearch() {
  for (const [scope, prefix] of [["all", "search"], ["chat", "chat-search"]]) {
    onSubmit(prefix + "-form", () => search(scope, false));
    $(prefix + "-more").addEventListener("click", () => search(scope, true));
    $(prefix + "-close").addEventListener("click", () => closeSearch(scope));
    $(prefix + "-results").addEventListener("click", (event) => {
      const item = event.target.closest("[data-message-id]");
      if (item) go(item.dataset.chatId, item.dataset.messageId);
    });
  }
  $("chat-search-toggle").addEventListener("click", () => {
    $("chat-search-form").hidden = !$("chat-search-form").hidden;
    if (!$("chat-search-form").hidden) $("chat-search-input").focus();
    else closeSearch("chat");
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
  wireList();
  wireSearch();
  wireChatActions();
  wireComposer();
  wirePresenceSetting();
  renderChats();
  renderChat();

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    $("token-input").value = saved;
    signIn(saved);
  }
}

wire();
