// Small helpers for drawing. Whatever the server or a user wrote goes on the
// page with textContent, never parsed as HTML.

export const $ = (id) => document.getElementById(id);

export function element(tag, className, text, testid) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text != null) made.textContent = text;
  if (testid) made.dataset.testid = testid;
  return made;
}

export function actionButton(label, action, testid) {
  const button = element("button", "link", label, testid);
  button.type = "button";
  button.dataset.action = action;
  return button;
}

// --- times: the time of day for today, the date before, all of it on hover ---

export function compactTime(at, now) {
  if (at.toDateString() === now.toDateString()) {
    return at.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }
  const options = { day: "numeric", month: "short" };
  if (at.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return at.toLocaleDateString([], options);
}

export function timeElement(iso, testid) {
  const at = new Date(iso);
  const shown = element("time", "", compactTime(at, new Date()), testid);
  shown.dateTime = iso;
  shown.title = at.toLocaleString([], { dateStyle: "full", timeStyle: "medium" });
  return shown;
}

// Text with some stretches marked: `ranges` are [start, end) in code points
// (as the server counts), so an emoji before a match does not shift it.
export function markedText(text, ranges, className) {
  const points = Array.from(text);
  const box = document.createDocumentFragment();
  let at = 0;
  const sorted = (ranges || []).map(([start, end]) => [Math.max(start, 0), Math.min(end, points.length)])
    .filter(([start, end]) => start < end).sort((a, b) => a[0] - b[0]);
  for (const [start, end] of sorted) {
    if (start < at) continue; // overlapping: the first one wins
    if (start > at) box.append(points.slice(at, start).join(""));
    box.append(element("mark", className || "", points.slice(start, end).join("")));
    at = end;
  }
  if (at < points.length) box.append(points.slice(at).join(""));
  return box;
}

export function sizeInWords(bytes) {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(bytes < 10240 ? 1 : 0) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}
