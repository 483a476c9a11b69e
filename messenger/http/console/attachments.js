// A message's files: pictures as thumbnails, documents as a card with the
// file's name, type and size; both link to the file with the token in the
// address (<img> and <a> cannot send an Authorization header).

import { withToken } from "./state.js";
import { actionButton, element, sizeInWords } from "./dom.js";
import { isPicture } from "./uploads.js";

export function attachmentsBox(attachments) {
  const box = element("span", "message-attachments");
  for (const attachment of attachments) {
    const link = element("a");
    link.href = withToken(attachment.url);
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    if (isPicture(attachment)) {
      link.append(picture(attachment.thumbnail_url || attachment.url, attachment.url,
                          "message-picture"));
    } else {
      link.className = "document";
      link.dataset.testid = "message-document";
      link.download = attachment.name || "";
      link.append(...documentLines(attachment));
    }
    box.append(link);
  }
  return box;
}

function documentLines(file) {
  const type = file.content_type || "file";
  return [element("span", "document-icon", "📄"),
          element("span", "document-name", file.name || "document", "document-name"),
          element("span", "document-about", [type, sizeInWords(file.size)].filter(Boolean).join(" · "),
                  "document-about")];
}

// A thumbnail, or the file itself when it has none (a small picture).
export function picture(thumbnailPath, filePath, testid) {
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

// What waits to go with the next message, each with a button to take it off.
export function pendingItem(upload, index) {
  const path = "/api/v1/files/" + upload.upload_id;
  const item = element("li", "", null, isPicture(upload) ? "pending-picture" : "pending-document");
  if (isPicture(upload)) item.append(picture(upload.has_thumbnail ? path + "?thumbnail=1" : path, path));
  else {
    item.className = "document";
    item.append(...documentLines(upload));
  }
  const remove = actionButton("×", "unattach", "unattach");
  remove.dataset.index = String(index);
  remove.setAttribute("aria-label", "Do not send this file");
  item.append(remove);
  return item;
}
