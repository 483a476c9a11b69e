// Pictures go to the uploads API first (POST /api/v1/uploads, the raw file as
// the body); the message then names them by upload_id.

import { state } from "./state.js";

const REFUSALS = {
  400: "That picture is empty or broken.",
  401: "Your session has expired: sign in again to send pictures.",
  413: "That picture is too big to send.",
  415: "That file is not a picture the server takes (JPEG, PNG, WebP or HEIC).",
  503: "The server is busy with other pictures: try again in a moment.",
};

// The upload's answer ({upload_id, has_thumbnail, …}), or an Error to show.
export async function upload(file) {
  let answer;
  try {
    answer = await fetch("/api/v1/uploads", {
      method: "POST",
      headers: { Authorization: "Bearer " + state.token },
      body: file,
    });
  } catch (error) {
    throw new Error("Could not upload " + file.name + ": the server is not reachable.");
  }
  const json = await answer.json().catch(() => null);
  if (answer.status === 201 && json && json.upload_id) return json;
  throw new Error(REFUSALS[answer.status] ||
                  "Could not upload " + file.name + " (the server answered " + answer.status + ").");
}
