// The business memory: the address book (aliases and defaults) and the common services, editable and deletable.
import * as api from "./api.js";
import { busy, confirmDialog, field, h, replace, toast } from "./dom.js";
import { date, decimalText, money, parseMoney, parseRate } from "./format.js";
import { clearProblem, showProblem } from "./forms.js";

function clientForm(entry, onDone) {
  const text = (name, value, type = "text", extra = {}) => h("input", { type, name, value: value ?? "", ...extra });
  const controls = {
    name: text("name", entry?.name, "text", { required: true, autocomplete: "off" }),
    aliases: text("aliases", entry?.aliases?.join(", ")),
    email: text("email", entry?.email, "email"),
    address: h("textarea", { name: "address", rows: 2 }, entry?.address ?? ""),
    phone: text("phone", entry?.phone, "tel"),
    currency: text("currency", entry?.currency, "text", { maxlength: 3, size: 4, autocapitalize: "characters" }),
    paymentTermsDays: text("paymentTermsDays", entry?.paymentTermsDays ?? "", "number", { min: 0, max: 3650 }),
    taxRate: text("taxRate", entry?.taxRate ?? "", "text", { inputmode: "decimal" }),
  };
  const submit = h("button", { type: "submit", class: "primary" }, entry ? "Save client" : "Add client");
  const cancel = entry ? h("button", { type: "button", class: "secondary", on: { click: () => onDone(false) } }, "Cancel") : null;
  const form = h("form", { class: "client-form", novalidate: true, "aria-label": entry ? `Edit ${entry.name}` : "Add a client" },
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" },
      field("Name", controls.name), field("Also known as", controls.aliases, { hint: "Comma-separated: names you might say instead." }),
      field("Email", controls.email), field("Phone", controls.phone), field("Address", controls.address, { wide: true }),
      field("Currency", controls.currency, { hint: "ISO code, e.g. EUR; blank: your default." }),
      field("Payment terms (days)", controls.paymentTermsDays), field("Tax %", controls.taxRate)),
    h("div", { class: "actions" }, submit, cancel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearProblem(form, controls);
    const or = (value) => (value.trim() === "" ? null : value.trim());
    const rate = parseRate(controls.taxRate.value);
    const body = {
      name: controls.name.value.trim(),
      aliases: controls.aliases.value.split(",").map((alias) => alias.trim()).filter(Boolean),
      email: or(controls.email.value), address: or(controls.address.value), phone: or(controls.phone.value),
      currency: or(controls.currency.value.toUpperCase()),
      paymentTermsDays: controls.paymentTermsDays.value === "" ? null : Number(controls.paymentTermsDays.value),
      taxRate: Number.isNaN(rate) ? controls.taxRate.value : rate,
    };
    const work = entry
      ? api.json("PATCH", `/api/clients/${entry.id}`, { json: body })
      : api.json("POST", "/api/clients", { json: body, headers: { "Idempotency-Key": api.idempotencyKey() } });
    busy(submit, () => work, "Saving…").then(() => onDone(true)).catch((error) => showProblem(form, error, controls));
  });
  return form;
}

export async function clientsView({ navigate }) {
  const list = h("ul", { class: "memory" });
  const footer = h("div", { class: "list-footer" });
  let cursor = null;
  const refresh = (message) => { if (message) toast(message, "success"); navigate("/clients", { replace: true }); };

  const item = (entry) => {
    const li = h("li", {});
    const show = () => replace(li,
      h("div", { class: "memory-main" }, h("h3", {}, entry.name),
        entry.aliases?.length ? h("p", { class: "hint" }, `Also: ${entry.aliases.join(", ")}`) : null,
        h("p", { class: "hint" }, [entry.email, entry.phone, entry.currency, entry.paymentTermsDays != null ? `net ${entry.paymentTermsDays}` : null,
          entry.taxRate != null ? `tax ${entry.taxRate}%` : null].filter(Boolean).join(" · ")),
        h("p", { class: "hint" }, `${entry.invoiceCount} invoice${entry.invoiceCount === 1 ? "" : "s"}${entry.lastInvoicedAt ? `, last ${date(entry.lastInvoicedAt)}` : ""}`)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-label": `Edit ${entry.name}`, on: { click: edit } }, "Edit"),
        h("button", { type: "button", class: "danger", "aria-label": `Delete ${entry.name}`, on: { click: remove } }, "Delete")));
    const edit = () => {
      replace(li, clientForm(entry, (saved) => (saved ? refresh("Client saved.") : show())));
      li.querySelector("input")?.focus();
    };
    const remove = async () => {
      if (!(await confirmDialog(`Delete ${entry.name}?`, "The address book forgets this client; invoices keep their copy.", "Delete client"))) return;
      api.request("DELETE", `/api/clients/${entry.id}`).then(() => refresh("Client deleted.")).catch((error) => toast(error.friendly, "error"));
    };
    show();
    return li;
  };

  async function load() {
    const page = await api.json("GET", `/api/clients?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    for (const entry of page.items) list.append(item(entry));
    cursor = page.nextCursor ?? null;
    const more = h("button", { type: "button", class: "secondary", on: { click: (event) => busy(event.currentTarget, load, "Loading…") } }, "Load more");
    replace(footer, cursor ? more : null);
    if (!list.childElementCount) list.append(h("li", {}, "No clients yet: they are added as you invoice them, or here."));
  }
  await load();
  return [h("h1", { tabindex: "-1" }, "Clients"),
    h("section", { class: "card", "aria-labelledby": "add-client" }, h("h2", { id: "add-client" }, "Add a client"), clientForm(null, () => refresh("Client added."))),
    h("section", { "aria-labelledby": "book" }, h("h2", { id: "book" }, "Address book"), list, footer)];
}

export async function servicesView({ navigate }) {
  const page = await api.json("GET", "/api/catalog?limit=100");
  const refresh = (message) => { if (message) toast(message, "success"); navigate("/services", { replace: true }); };
  const item = (entry) => {
    const li = h("li", {});
    const show = () => replace(li,
      h("div", { class: "memory-main" }, h("h3", {}, entry.description),
        h("p", { class: "hint" }, `${money(entry.unitPrice, entry.currency)}${entry.unit ? ` per ${entry.unit}` : ""} · used ${entry.useCount}× · last ${date(entry.lastUsedAt)}`)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", "aria-label": `Edit ${entry.description}`, on: { click: edit } }, "Edit"),
        h("button", { type: "button", class: "danger", "aria-label": `Forget ${entry.description}`, on: { click: remove } }, "Forget")));
    const edit = () => {
      const price = h("input", { type: "text", inputmode: "decimal", name: "unitPrice", value: decimalText(entry.unitPrice, entry.currency) });
      const unit = h("input", { type: "text", name: "unit", value: entry.unit ?? "" });
      const submit = h("button", { type: "submit", class: "primary" }, "Save");
      const form = h("form", { novalidate: true, "aria-label": `Edit ${entry.description}` },
        h("h3", {}, entry.description), h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
        h("div", { class: "grid" }, field(`Usual price (${entry.currency})`, price), field("Unit", unit)),
        h("div", { class: "actions" }, submit, h("button", { type: "button", class: "secondary", on: { click: show } }, "Cancel")));
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const minor = parseMoney(price.value, entry.currency);
        if (minor === null) return showProblem(form, new Error(`An amount in ${entry.currency}, e.g. 85.00.`), { unitPrice: price });
        busy(submit, () => api.json("PATCH", `/api/catalog/${entry.id}`, { json: { unitPrice: minor, unit: unit.value.trim() || null } }), "Saving…")
          .then(() => refresh("Service saved.")).catch((error) => showProblem(form, error, { unitPrice: price, unit }));
      });
      replace(li, form);
      price.focus();
    };
    const remove = async () => {
      if (!(await confirmDialog(`Forget ${entry.description}?`, "It is no longer suggested or used to check prices.", "Forget service"))) return;
      api.request("DELETE", `/api/catalog/${entry.id}`).then(() => refresh("Service forgotten.")).catch((error) => toast(error.friendly, "error"));
    };
    show();
    return li;
  };
  const list = h("ul", { class: "memory" }, page.items.map(item));
  if (!page.items.length) list.append(h("li", {}, "No services yet: each invoice teaches the services it bills and their rates."));
  return [h("h1", { tabindex: "-1" }, "Services"), h("p", {}, "What you bill and what you last charged: the usual rate a new price is checked against."), list];
}
