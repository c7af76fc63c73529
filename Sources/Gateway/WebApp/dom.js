// Building the page. Every piece of data becomes a text node or an attribute value, never markup: the app's
// Content-Security-Policy enforces Trusted Types with no policy, so an HTML string sink (innerHTML, outerHTML,
// insertAdjacentHTML, document.write) throws instead of parsing. There is no other way to make elements here.

/** h("button", {class: "primary", on: {click}}, "Save") → an element; children are nodes, strings or arrays. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "on") {
      for (const [event, handler] of Object.entries(value)) element.addEventListener(event, handler);
    } else if (name === "value" && "value" in element) {
      element.value = value;
    } else if (name === "checked" || name === "selected") {
      element[name] = Boolean(value);
    } else if (name.startsWith("on")) {
      throw new Error(`event handlers are attached with {on: {…}}, not ${name}`);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces the children of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

let uniqueCounter = 0;
export const uid = (prefix = "f") => `${prefix}-${++uniqueCounter}`;

// Each control's message element, found without the document (views are built before they are attached).
const messages = new WeakMap();

/** A paragraph under `control` for its error or warning (described-by the control). */
export function messageFor(control) {
  if (!control.id) control.id = uid();
  const element = h("p", { class: "field-error", id: `${control.id}-error`, hidden: true });
  messages.set(control, element);
  return element;
}

/** A labelled form control with a place for its error; `control` is an input, select or textarea. */
export function field(labelText, control, { hint, wide } = {}) {
  const error = messageFor(control);
  const described = [error.id];
  let hintNode = null;
  if (hint) {
    hintNode = h("p", { class: "hint", id: `${control.id}-hint` }, hint);
    described.unshift(hintNode.id);
  }
  control.setAttribute("aria-describedby", described.join(" "));
  return h("div", { class: wide ? "field wide" : "field" }, h("label", { for: control.id }, labelText), control, hintNode, error);
}

/** Shows (or clears, with null) the message under a control made by `field`. */
export function setFieldMessage(control, message, kind = "error") {
  const error = messages.get(control);
  if (!error) return false;
  error.textContent = message ?? "";
  error.hidden = !message;
  error.className = kind === "warning" ? "field-warning" : "field-error";
  if (kind === "error") {
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  return true;
}

/** A status message in the page's live region (read out by screen readers), gone after a while. */
let toastTimer = null;
export function toast(message, kind = "info") {
  const region = document.getElementById("toast");
  if (!region) return;
  region.className = `toast ${kind}`;
  region.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { region.textContent = ""; region.className = "toast"; }, 6000);
}

/** A button that shows it is busy while `work` runs, and cannot be pressed twice meanwhile. */
export async function busy(button, work, label = "Working…") {
  const text = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = text;
  }
}

/** Asks for confirmation in a modal <dialog> (focus trapped by the browser); resolves true or false. */
export function confirmDialog(title, message, confirmLabel = "Confirm") {
  return new Promise((resolve) => {
    const titleId = uid("dialog");
    const dialog = h("dialog", { "aria-labelledby": titleId, class: "confirm" },
      h("h2", { id: titleId }, title), h("p", {}, message),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", on: { click: () => dialog.close("cancel") } }, "Cancel"),
        h("button", { type: "button", class: "danger", on: { click: () => dialog.close("ok") } }, confirmLabel)));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "ok"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
