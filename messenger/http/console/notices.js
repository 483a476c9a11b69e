// Errors in words a person reads, at the top of the page: gone after a few
// seconds, or at once with the close button.

const SHOWN_MS = 6000;
let hideTimer = null;

// What the user was doing, by the request the server refused.
const ACTIONS = {
  create_chat: "start the chat",
  rename_chat: "rename the chat",
  delete_chat: "delete the chat",
  leave_chat: "leave the chat",
  add_user: "add the member",
  remove_user: "remove the member",
  get_chat_messages: "load the messages",
  send_message: "send the message",
  edit_message: "save the message",
  delete_message: "delete the message",
  mark_read: "mark the chat as read",
  mute_chat: "mute the chat",
  unmute_chat: "unmute the chat",
  react: "add the reaction",
  unreact: "take the reaction back",
  search_messages: "search",
  set_presence_visible: "change who sees you online",
  pin_chat: "pin the chat",
  unpin_chat: "unpin the chat",
  archive_chat: "archive the chat",
  unarchive_chat: "unarchive the chat",
  get_archived_chats: "list the archived chats",
};

// The server names request fields in quotes; these are the ones a user fills in.
const FIELDS = [
  ["'with_user_id'", "the user list"],
  ["'content'", "the message"],
  ["'new_name'", "the name"],
  ["'chat_name'", "the name"],
  ["'attachments'", "the files"],
  ["'text'", "the search"],
  ["'emoji'", "the reaction"],
  ["'reply_to'", "the message answered"],
];

export function showError(text, code) {
  const box = document.getElementById("error");
  document.getElementById("error-text").textContent = text;
  box.dataset.code = code || "";
  box.hidden = false;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(clearError, SHOWN_MS);
}

export function clearError() {
  clearTimeout(hideTimer);
  document.getElementById("error").hidden = true;
  document.getElementById("error-text").textContent = "";
}

export function showRefusal(error) {
  const action = ACTIONS[error.request_type];
  const lead = action ? "Could not " + action : "The server refused a request";
  showError(lead + ": " + reason(error) + ".", error.code);
}

function reason(error) {
  switch (error.code) {
    case "rate_limited":
      return "too many requests at once; try again in " +
        Math.max(1, Math.ceil(error.retry_after_s || 1)) + " s";
    case "unavailable":
      return "the server cannot reach its database just now; try again in a moment";
    case "not_found":
      return "it is gone, or you are not a member of that chat";
    case "unknown_type":
      return "the server does not know this request (is it older than this page?)";
    default: // forbidden, bad_request, too_large: the server's sentence says why
      return inWords(error.message) || "it was refused";
  }
}

function inWords(message) {
  let text = String(message || "").trim().replace(/\.$/, "");
  for (const [field, words] of FIELDS) text = text.split(field).join(words);
  return text;
}
