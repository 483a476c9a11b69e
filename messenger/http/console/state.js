// What the console knows: who is signed in, their chats, the open chat's
// messages and what the composer holds. Every other module reads and writes it.

export const SYSTEM_KINDS = ["support", "bot_bookings", "online_bookings"];
export const READ_ONLY_KINDS = ["bot_bookings", "online_bookings"];

export const state = {
  token: "",
  me: "",
  myName: "",
  chats: new Map(),     // chat_id -> chat, as in chat_list
  order: [],            // chat ids in the server's order, most recent first
  openChat: "",
  messages: [],         // the open chat's messages, oldest first
  hasMore: false,
  refetch: false,       // after a reconnect: fetch the open chat again
  editing: "",          // the id of one's own message being edited, or ""
  replyTo: null,        // the message the next one answers, or null
  pictures: [],         // uploads (pictures and documents) going with the next message
  uploading: 0,         // files still on their way to the server
  picking: "",          // the message whose reaction picker is open, or ""
  scrollTo: "",         // a message to bring into view once its chat's page is in
  pagesLooked: 0,       // older pages fetched to find it
  unreadTotal: null,    // the server's unread_total, or null before it says one
  listMode: "chats",    // the list pane shows "chats" or "archived"
  presence: new Map(),  // user_id -> {online, last_seen_at}
  typing: new Map(),    // chat_id -> Map(user_id -> {name, timer})
};

export function forget() {
  Object.assign(state, { token: "", me: "", myName: "", order: [], openChat: "", messages: [],
                         hasMore: false, refetch: false, editing: "", replyTo: null,
                         pictures: [], picking: "", scrollTo: "", unreadTotal: null,
                         listMode: "chats" });
  state.chats.clear();
  state.presence.clear();
  for (const users of state.typing.values()) for (const shown of users.values()) clearTimeout(shown.timer);
  state.typing.clear();
}

// A name wherever the server gives one: a member entry's `name` (when the
// server sends it), the token's own name, and in a system chat the other side
// is the system, called by the chat's name. Otherwise the id.
export function nameOf(userId, chat) {
  if (userId === state.me) return state.myName || userId;
  const member = chat && chat.users.find((user) => user.user_id === userId);
  if (member && member.name) return member.name;
  if (chat && SYSTEM_KINDS.includes(chat.kind) && chat.chat_name) return chat.chat_name;
  return userId;
}

export function title(chat) {
  return chat.chat_name || chat.users.map((user) => nameOf(user.user_id, chat)).join(", ");
}

// A file of the uploads API, with the token in the address: <img> and <a>
// cannot send an Authorization header.
export function withToken(path) {
  const link = new URL(path, location.href);
  link.searchParams.set("token", state.token);
  return link.toString();
}
