// The messenger's browser console: protocol version 2 over /ws on this host.
// Plain JavaScript, no build step. Whatever the server or a user wrote is put
// on the page with textContent, never parsed as HTML.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const PAGE = 50;
  const SYSTEM_KINDS = ["support", "bot_bookings", "online_bookings"];
  const READ_ONLY_KINDS = ["bot_bookings", "online_bookings"];

  const state = {
    token: "",
    me: "",
    myName: "",
    socket: null,
    accepted: false,      // this token has opened a connection: worth reconnecting
    retryMs: 1000,
    retryTimer: null,
    chats: new Map(),     // chat_id -> chat, as in chat_list
    order: [],            // chat ids in the server's order, most recent first
    openChat: "",
    messages: [],         // the open chat's messages, oldest first
    hasMore: false,
    refetch: false,       // after a reconnect: fetch the open chat again
    nextRequest: 1,
    pending: new Map(),   // request_id -> what was asked
  };

  // --- connecting -----------------------------------------------------------

  function claims(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
      return JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return null;
    }
  }

  function connect(token) {
    const identity = claims(token);
    if (!identity || typeof identity.sub !== "string") {
      showError("That is not a token: expected a JWT, as `python run.py token USER_ID` prints.");
      return;
    }
    disconnect();
    state.token = token;
    state.me = identity.sub;
    state.myName = identity.name || "";
    open();
  }

  function open() {
    const url = new URL("/ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    url.search = new URLSearchParams({ v: "2", token: state.token }).toString();
    setStatus(state.accepted ? "reconnecting" : "connecting");
    const socket = new WebSocket(url.toString());
    state.socket = socket;
    socket.onopen = () => {
      state.accepted = true;
      state.retryMs = 1000;
      sessionStorage.setItem("console-token", state.token);
      setStatus("connected");
      $("login").hidden = true;
      $("app").hidden = false;
      $("sign-out").hidden = false;
    };
    socket.onmessage = (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        showError("The server sent something that is not JSON.");
        return;
      }
      receive(frame);
    };
    socket.onclose = (event) => {
      if (state.socket !== socket) return; // replaced or signed out
      state.socket = null;
      state.pending.clear();
      if (!state.accepted) {
        showError("Could not connect: the token was refused, or the server is not reachable.");
        signOut();
      } else if (event.code === 1008) {
        showError("The server closed the connection: " + (event.reason || "policy") +
                  ". Sign in again.");
        signOut();
      } else {
        setStatus("reconnecting");
        state.refetch = true;
        state.retryTimer = setTimeout(open, state.retryMs);
        state.retryMs = Math.min(state.retryMs * 2, 30000);
      }
    };
  }

  function disconnect() {
    clearTimeout(state.retryTimer);
    const socket = state.socket;
    state.socket = null;
    if (socket) socket.close(1000, "signed out");
    state.pending.clear();
  }

  function signOut() {
    disconnect();
    sessionStorage.removeItem("console-token");
    Object.assign(state, { token: "", me: "", myName: "", accepted: false, openChat: "",
                           messages: [], order: [], hasMore: false });
    state.chats.clear();
    $("app").hidden = true;
    $("chat-view").hidden = true;
    $("login").hidden = false;
    $("sign-out").hidden = true;
    setStatus("signed-out");
    renderChats();
  }

  function setStatus(what) {
    const status = $("status");
    status.dataset.state = what;
    const who = state.me + (state.myName ? " (" + state.myName + ")" : "");
    status.textContent = {
      "signed-out": "signed out",
      connecting: "connecting…",
      reconnecting: "reconnecting as " + who + "…",
      connected: "connected as " + who,
    }[what];
  }

  function request(type, data, context) {
    if (!state.socket || state.socket.readyState !== WebSocket.OPEN) {
      showError("Not connected: wait for the connection to come back.");
      return false;
    }
    const requestId = "c" + state.nextRequest++;
    state.pending.set(requestId, Object.assign({ type: type }, context || {}));
    state.socket.send(JSON.stringify({ type: type, data: data, request_id: requestId }));
    return true;
  }

  function showError(text) {
    const error = $("error");
    error.textContent = text;
    error.hidden = false;
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  // --- frames from the server -----------------------------------------------

  function receive(frame) {
    const asked = frame.request_id != null ? state.pending.get(frame.request_id) : undefined;
    if (asked) state.pending.delete(frame.request_id);
    if (asked && asked.byUser && frame.type !== "error") clearError();
    const data = frame.data;
    switch (frame.type) {
      case "chat_list":
        state.chats = new Map(data.map((chat) => [chat.chat_id, chat]));
        state.order = data.map((chat) => chat.chat_id);
        if (state.openChat && !state.chats.has(state.openChat)) closeChat();
        renderChats();
        if (state.openChat) {
          renderChatHeader();
          if (state.refetch) fetchPage(false);
        }
        state.refetch = false;
        break;
      case "chat_updated":
        putChat(data);
        if (data.chat_id === state.openChat) renderChatHeader();
        if (asked && asked.type === "create_chat") openChat(data.chat_id);
        break;
      case "chat_removed":
        state.chats.delete(data.chat_id);
        state.order = state.order.filter((id) => id !== data.chat_id);
        if (data.chat_id === state.openChat) closeChat();
        renderChats();
        break;
      case "message_new":
      case "message_edited":
      case "message_deleted":
        onMessage(frame.type, data);
        break;
      case "unread": {
        const chat = state.chats.get(data.chat_id);
        if (chat) {
          chat.unread = data.unread;
          renderChats();
        }
        break;
      }
      case "read_receipt":
        onReadReceipt(data);
        break;
      case "chat_messages":
        onPage(frame, asked);
        break;
      case "error":
        showError(data.code + ": " + data.message +
                  (data.request_type ? " (" + data.request_type + ")" : "") +
                  (data.retry_after_s != null ? "; retry after " + data.retry_after_s + " s" : ""));
        if (asked && asked.type === "send_message" && !$("message-input").value) {
          $("message-input").value = asked.content;
        }
        break;
      default:
        break; // device_registered and anything newer: nothing to show
    }
  }

  function putChat(chat) {
    const known = state.chats.get(chat.chat_id);
    state.chats.set(chat.chat_id, chat);
    if (!known || chat.updated_at > known.updated_at) moveToTop(chat.chat_id);
    renderChats();
  }

  function moveToTop(chatId) {
    state.order = [chatId].concat(state.order.filter((id) => id !== chatId));
  }

  function onMessage(kind, message) {
    const chat = state.chats.get(message.chat_id);
    if (chat && kind === "message_new") {
      chat.lastest_message = message.content;
      chat.updated_at = message.created_at;
      moveToTop(chat.chat_id);
    }
    if (message.chat_id === state.openChat) {
      const at = state.messages.findIndex((shown) => shown.id === message.id);
      if (at >= 0) state.messages[at] = message;
      else state.messages.push(message);
      renderMessages(at < 0);
      if (kind === "message_new" && message.sender !== state.me) {
        // The chat is on screen: what arrives in it is read.
        request("mark_read", { chat_id: message.chat_id, message_id: message.id });
      }
    }
    renderChats();
  }

  function onReadReceipt(receipt) {
    const chat = state.chats.get(receipt.chat_id);
    if (receipt.chat_id !== state.openChat || !chat || chat.IsGroupChat) return;
    // In a chat of two, the other one's receipt means every message up to it is read.
    const upTo = state.messages.findIndex((message) => message.id === receipt.message_id);
    for (let i = 0; i <= upTo; i++) state.messages[i].is_read = true;
    renderMessages(false);
  }

  function onPage(frame, asked) {
    if (frame.chat_id !== state.openChat) return;
    if (asked && asked.older) {
      const known = new Set(state.messages.map((message) => message.id));
      state.messages = frame.data.filter((message) => !known.has(message.id))
        .concat(state.messages);
    } else {
      state.messages = frame.data;
    }
    state.hasMore = frame.has_more;
    const chat = state.chats.get(frame.chat_id);
    if (chat) chat.unread = 0; // fetching a chat's messages reads it
    renderChats();
    renderMessages(!(asked && asked.older));
  }

  // --- what the user does ---------------------------------------------------

  function openChat(chatId) {
    state.openChat = chatId;
    state.messages = [];
    state.hasMore = false;
    $("chat-view").hidden = false;
    $("rename-input").value = "";
    renderChatHeader();
    renderMessages(true);
    renderChats();
    fetchPage(false);
    $("message-input").focus();
  }

  function closeChat() {
    state.openChat = "";
    state.messages = [];
    $("chat-view").hidden = true;
  }

  function fetchPage(older) {
    const data = { chat_id: state.openChat, limit: PAGE };
    if (older && state.messages.length) data.before = state.messages[0].id;
    request("get_chat_messages", data, { older: older, byUser: true });
  }

  function title(chat) {
    return chat.chat_name || chat.users.map((user) => user.user_id).join(", ");
  }

  // --- drawing --------------------------------------------------------------

  function element(tag, props, text) {
    const made = document.createElement(tag);
    Object.assign(made, props || {});
    if (text != null) made.textContent = text;
    return made;
  }

  function renderChats() {
    const items = state.order.filter((id) => state.chats.has(id)).map((id) => {
      const chat = state.chats.get(id);
      const item = element("li", { tabIndex: 0 });
      item.dataset.testid = "chat";
      item.dataset.chatId = chat.chat_id;
      item.dataset.kind = chat.kind || "";
      item.setAttribute("role", "button");
      item.setAttribute("aria-current", String(chat.chat_id === state.openChat));
      const name = element("span", { className: "chat-name" }, title(chat));
      name.dataset.testid = "chat-name";
      const unread = element("span", { className: "chat-unread" }, String(chat.unread));
      unread.dataset.testid = "chat-unread";
      unread.hidden = !chat.unread;
      const last = element("span", { className: "chat-last" }, chat.lastest_message || "");
      last.dataset.testid = "chat-last";
      item.append(name, unread, last);
      item.addEventListener("click", () => openChat(chat.chat_id));
      item.addEventListener("keydown", (event) => {
        if (event.key === "Enter") openChat(chat.chat_id);
      });
      return item;
    });
    $("chats").replaceChildren(...items);
  }

  function renderChatHeader() {
    const chat = state.chats.get(state.openChat);
    if (!chat) return;
    $("chat-title").textContent = title(chat);
    $("chat-members").textContent = "members: " +
      chat.users.map((user) => user.user_id).join(", ") +
      (chat.group_admin ? " · admin: " + chat.group_admin : "");
    $("rename-form").hidden = SYSTEM_KINDS.includes(chat.kind);
    $("send-form").hidden = READ_ONLY_KINDS.includes(chat.kind);
  }

  function renderMessages(toBottom) {
    const list = $("messages");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const items = state.messages.map((message) => {
      const mine = message.sender === state.me;
      const item = element("li", { className: (mine ? "mine" : "") +
                                                (message.deleted ? " deleted" : "") });
      item.dataset.testid = "message";
      item.dataset.messageId = message.id;
      const sender = element("span", { className: "message-sender" },
                             mine ? "you" : message.sender);
      sender.dataset.testid = "message-sender";
      const content = element("span", { className: "message-content" },
                              message.deleted ? "message deleted" : message.content);
      content.dataset.testid = "message-content";
      item.append(sender, content);
      (message.attachments || []).forEach((attachment, index) => {
        const link = new URL(attachment.url, location.href);
        link.searchParams.set("token", state.token);
        item.append(" ", element("a", { href: link.toString(), target: "_blank",
                                        rel: "noopener noreferrer" },
                                 "attachment " + (index + 1)));
      });
      const meta = [new Date(message.created_at).toLocaleString()];
      if (message.edited_at) meta.push("edited");
      if (mine && message.is_read) meta.push("read");
      const details = element("span", { className: "message-meta" }, meta.join(" · "));
      details.dataset.testid = "message-meta";
      item.append(details);
      return item;
    });
    list.replaceChildren(...items);
    $("load-older").hidden = !state.hasMore;
    if (toBottom || atBottom) list.scrollTop = list.scrollHeight;
  }

  // --- wiring ---------------------------------------------------------------

  function wire() {
    const devTokens = document.body.dataset.devTokens === "true";
    $("mint-form").hidden = !devTokens;

    $("mint-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { user_id: $("mint-user").value.trim(), name: $("mint-name").value.trim() };
      try {
        const answer = await fetch("/console/token", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        });
        const json = await answer.json().catch(() => null);
        if (!answer.ok || !json || !json.token) {
          showError("Could not mint a token: " +
                    ((json && json.error && json.error.message) || answer.status));
          return;
        }
        clearError();
        $("token-input").value = json.token;
        connect(json.token);
      } catch (error) {
        showError("Could not mint a token: " + error);
      }
    });

    $("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      clearError();
      connect($("token-input").value.trim());
    });

    $("sign-out").addEventListener("click", () => signOut());
    $("error").addEventListener("click", clearError);

    $("new-chat-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const users = $("new-chat-users").value.split(/[\s,]+/).filter(Boolean);
      const data = { with_user_id: users.map((user) => ({ user_id: user })) };
      const name = $("new-chat-name").value.trim();
      if (name) data.chat_name = name;
      if (request("create_chat", data, { byUser: true })) {
        $("new-chat-users").value = "";
        $("new-chat-name").value = "";
      }
    });

    $("rename-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const data = { chat_id: state.openChat, new_name: $("rename-input").value.trim() };
      if (request("rename_chat", data, { byUser: true })) $("rename-input").value = "";
    });

    $("send-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const content = $("message-input").value;
      if (!content.trim()) return;
      const clientMsgId = (crypto.randomUUID && crypto.randomUUID()) ||
        String(Date.now()) + Math.random().toString(16).slice(2);
      const data = { chat_id: state.openChat, content: content, client_msg_id: clientMsgId };
      if (request("send_message", data, { byUser: true, content: content })) {
        $("message-input").value = "";
      }
    });

    $("message-input").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        $("send-form").requestSubmit();
      }
    });

    $("load-older").addEventListener("click", () => fetchPage(true));

    const saved = sessionStorage.getItem("console-token");
    if (saved) {
      $("token-input").value = saved;
      connect(saved);
    }
  }

  wire();
})();
