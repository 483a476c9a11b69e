// Files go to the uploads API first (POST /api/v1/uploads, as the `file`
// field of a form, which carries the file's name and type); the message then
// names them by upload_id. Pictures get a thumbnail, anything else is a document.

import { state } from "./state.js";

const REFUSALS = {
  400: "is empty or broken",
  401: "could not be sent: your session has expired, sign in again",
  413: "is too big to send",
  415: "is not a file the server takes",
  503: "could not be sent: the server is busy with other files, try again in a moment",
};

// The upload's answer ({upload_id, content_type, size, has_thumbnail, …}, with
// the chosen file's name), or an Error to show.
export async function upload(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  let answer;
  try {
    answer = await fetch("/api/v1/uploads", {
      method: "POST",
      headers: { Authorization: "Bearer " + state.token },
      body: form,
    });
  } catch (error) {
    throw new Error("Could not upload " + file.name + ": the server is not reachable.");
  }
  const json = await answer.json().catch(() => null);
  if (answer.status === 201 && json && json.upload_id) {
    return Object.assign({ name: file.name, content_type: file.type, size: file.size }, json);
  }
  const why = REFUSALS[answer.status];
  throw new Error(why ? file.name + " " + why + "." :
                  "Could not upload " + file.name + " (the server answered " + answer.status + ").");
}

// An attachment (or a pending upload) is a picture when the server says so;
// a server that names no kind took pictures only.
export function isPicture(attachment) {
  if (attachment.kind) return attachment.kind === "image";
  if (attachment.content_type) return attachment.content_type.startsWith("image/");
  return true;
}
