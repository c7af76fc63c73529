// One invoice: a draft is reviewed and edited here (client, items, dates, rates, notes, terms, PO; the server's
// warnings beside their fields; totals as the server computed them; regenerate from new words), then finalized;
// a finalized invoice is sent, paid (partial payments keep a balance) or voided; the PDF is previewed and downloaded.
import * as api from "./api.js";
import { busy, confirmDialog, field, h, messageFor, replace, setFieldMessage, toast, uid } from "./dom.js";
import { date, decimalText, money, parseMoney, parseRate, quantityText } from "./format.js";
import { clearProblem, showProblem } from "./forms.js";
import { saveBlob } from "./files.js";
import { statusBadge } from "./invoice-list.js";

const CURRENCIES = ["USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "INR", "BRL", "MXN", "NZD", "SGD", "ZAR", "KWD"];

async function load(id) {
  const response = await api.request("GET", `/api/invoices/${id}`);
  return { invoice: await response.json(), etag: response.headers.get("ETag") };
}

export async function invoiceView({ params, query, navigate }) {
  const [id] = params;
  let { invoice, etag } = await load(id);
  const reload = (message) => {
    if (message) toast(message, "success");
    return navigate(`/invoices/${id}`, { replace: true });
  };
  const mutate = async (button, label, method, path, json) => {
    const response = await busy(button, () => api.request(method, path, {
      json, headers: { "If-Match": etag, "Idempotency-Key": api.idempotencyKey() },
    }), label);
    return response.status === 204 ? null : response.json();
  };

  const heading = h("div", { class: "title-row" },
    h("h1", { tabindex: "-1" }, invoice.number ? `Invoice ${invoice.number}` : "Draft invoice"), statusBadge(invoice));
  const fresh = query.get("new");
  const intro = fresh ? h("p", { class: "notice" }, "Here is the draft. Check what was heard, fix anything, then finalize.") : null;
  const sections = invoice.status === "draft" ? draftEditor(invoice, () => etag, (next) => { etag = next; }, reload, navigate)
    : finalizedView(invoice, mutate, reload);
  return [heading, intro, ...sections, totalsPanel(invoice), pdfPanel(invoice)];
}

// MARK: the draft

function draftEditor(invoice, currentETag, setETag, reload, navigate) {
  const controls = {};
  const alert = h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });
  const clients = h("datalist", { id: uid("clients") });
  let addressBook = [];
  api.json("GET", "/api/clients?limit=100").then((page) => {
    addressBook = page.items;
    for (const entry of page.items) clients.append(h("option", { value: entry.name }));
  }).catch(() => {});

  const client = controls.clientName = h("input", { type: "text", name: "client", value: invoice.to?.name ?? "", list: clients.id, autocomplete: "off", required: true });
  const currency = controls.currency = h("select", { name: "currency" },
    [...new Set([invoice.currency, ...CURRENCIES])].map((code) => h("option", { value: code, selected: code === invoice.currency }, code)));
  const issueDate = controls.issueDate = h("input", { type: "date", name: "issueDate", value: invoice.issueDate?.slice(0, 10) ?? "" });
  const dueDate = controls.dueDate = h("input", { type: "date", name: "dueDate", value: invoice.dueDate?.slice(0, 10) ?? "" });
  const taxRate = controls.taxRate = h("input", { type: "text", inputmode: "decimal", name: "taxRate", value: String(invoice.taxRate ?? 0) });
  const discountRate = controls.discountRate = h("input", { type: "text", inputmode: "decimal", name: "discountRate", value: String(invoice.discountRate ?? 0) });
  controls.discountPercent = discountRate;
  const poNumber = controls.poNumber = h("input", { type: "text", name: "poNumber", value: invoice.poNumber ?? "" });
  const notes = controls.notes = h("textarea", { name: "notes", rows: 2 }, invoice.notes ?? "");
  const terms = controls.terms = h("textarea", { name: "terms", rows: 2 }, invoice.terms ?? "");

  const rows = [];
  const itemsBody = h("tbody");
  const addRow = (item = { description: "", quantity: 1, unit: "", unitPrice: 0, discountRate: 0 }, amount = null) => {
    const index = rows.length;
    const label = (what) => `Item ${index + 1} ${what}`;
    const row = {
      description: h("input", { type: "text", value: item.description, "aria-label": label("description"), required: true }),
      quantity: h("input", { type: "text", inputmode: "decimal", value: String(item.quantity), "aria-label": label("quantity"), size: 5 }),
      unit: h("input", { type: "text", value: item.unit ?? "", "aria-label": label("unit"), size: 6 }),
      unitPrice: h("input", { type: "text", inputmode: "decimal", value: decimalText(item.unitPrice, currency.value), "aria-label": label("unit price"), size: 8 }),
      discountRate: h("input", { type: "text", inputmode: "decimal", value: String(item.discountRate ?? 0), "aria-label": label("discount percent"), size: 4 }),
      taxRate: h("input", { type: "text", inputmode: "decimal", value: item.taxRate === undefined || item.taxRate === null ? "" : String(item.taxRate), "aria-label": label("tax percent (blank: the invoice's)"), size: 4 }),
    };
    for (const control of Object.values(row)) control.id = uid("item");
    const cell = (control) => {
      const message = messageFor(control);
      control.setAttribute("aria-describedby", message.id);
      return h("td", {}, control, message);
    };
    const remove = h("button", { type: "button", class: "link danger", "aria-label": `Remove item ${index + 1}` }, "Remove");
    const tr = h("tr", {}, cell(row.description), cell(row.quantity), cell(row.unit), cell(row.unitPrice), cell(row.discountRate), cell(row.taxRate),
      h("td", { class: "num" }, amount === null ? "—" : money(amount, invoice.currency)), h("td", {}, remove));
    row.element = tr;
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(row), 1);
      tr.remove();
      toast(`Item removed. Save to update the totals.`);
    });
    rows.push(row);
    itemsBody.append(tr);
    controls[`items[${index}]`] = row.description;
    controls[`items[${index}].description`] = row.description;
    controls[`items[${index}].quantity`] = row.quantity;
    controls[`items[${index}].unitPrice`] = row.unitPrice;
    controls[`items[${index}].discountPercent`] = row.discountRate;
    controls[`items[${index}].discountRate`] = row.discountRate;
    controls[`items[${index}].taxRate`] = row.taxRate;
    return row;
  };
  invoice.items.forEach((item) => addRow(item, item.amount));
  const addItem = h("button", { type: "button", class: "secondary" }, "Add item");
  addItem.addEventListener("click", () => addRow().description.focus());

  const table = h("table", { class: "items" },
    h("caption", {}, "Items"),
    h("thead", {}, h("tr", {}, ["Description", "Qty", "Unit", "Unit price", "Disc. %", "Tax %", "Amount", ""].map((text) => h("th", { scope: "col" }, text)))),
    itemsBody);

  const general = h("ul", { class: "warnings", "aria-label": "Warnings" });
  // The server's warnings beside the fields they concern; the rest in a list above the form.
  for (const warning of invoice.warnings ?? []) {
    const control = controls[warning.field] ?? controls[String(warning.field ?? "").replace(/\.[^.]*$/, "")];
    if (!control || !setFieldMessage(control, warning.message, "warning")) general.append(h("li", {}, warning.message));
  }

  const save = h("button", { type: "submit", class: "primary" }, "Save changes");
  const finalize = h("button", { type: "button", class: "primary" }, "Finalize");
  const remove = h("button", { type: "button", class: "danger" }, "Delete draft");
  const form = h("form", { class: "card draft", novalidate: true, "aria-labelledby": "draft-heading" },
    h("h2", { id: "draft-heading" }, "Review"), alert, general.childElementCount ? general : null,
    h("div", { class: "grid" },
      field("Client", client, { hint: "Pick from your address book or type a new name." }), clients,
      field("Currency", currency), field("Issue date", issueDate), field("Due date", dueDate),
      field("Tax %", taxRate), field("Discount %", discountRate), field("PO number", poNumber)),
    h("div", { class: "table-scroll" }, table), h("div", { class: "actions" }, addItem),
    h("div", { class: "grid" }, field("Notes", notes, { wide: true }), field("Terms", terms, { wide: true })),
    h("div", { class: "actions" }, save, finalize, remove));

  let dirty = false;
  form.addEventListener("input", () => { dirty = true; });

  function patchBody() {
    const problems = [];
    const number = (control, text, what) => {
      const value = parseRate(text);
      if (Number.isNaN(value)) problems.push([control, `${what} must be a percentage such as 8.25.`]);
      return value;
    };
    const items = rows.map((row) => {
      const quantity = Number(row.quantity.value.trim().replace(",", "."));
      if (!Number.isFinite(quantity) || quantity <= 0) problems.push([row.quantity, "A positive number, e.g. 1.5."]);
      const unitPrice = parseMoney(row.unitPrice.value, currency.value);
      if (unitPrice === null) problems.push([row.unitPrice, `An amount in ${currency.value}, e.g. 85.00.`]);
      if (!row.description.value.trim()) problems.push([row.description, "Say what this item is."]);
      const item = { description: row.description.value.trim(), quantity, unitPrice: unitPrice ?? 0,
        discountRate: number(row.discountRate, row.discountRate.value, "The discount") ?? 0 };
      if (row.unit.value.trim()) item.unit = row.unit.value.trim();
      const tax = number(row.taxRate, row.taxRate.value, "The tax");
      if (tax !== null) item.taxRate = tax;
      return item;
    });
    if (!items.length) problems.push([addItem, "An invoice needs at least one item."]);
    const body = {
      items, currency: currency.value, issueDate: issueDate.value, dueDate: dueDate.value,
      taxRate: number(taxRate, taxRate.value, "The tax rate") ?? 0, discountRate: number(discountRate, discountRate.value, "The discount") ?? 0,
      notes: notes.value.trim() || null, terms: terms.value.trim() || null, poNumber: poNumber.value.trim() || null,
    };
    const known = addressBook.find((entry) => entry.name.toLocaleLowerCase() === client.value.trim().toLocaleLowerCase());
    if (known) body.clientId = known.id;
    else body.clientName = client.value.trim();
    if (!client.value.trim()) problems.push([client, "Who is this invoice for?"]);
    return { body, problems };
  }

  async function saveDraft() {
    clearProblem(form, controls);
    const { body, problems } = patchBody();
    if (problems.length) {
      for (const [control, message] of problems) setFieldMessage(control, message) || toast(message, "error");
      replace(alert, "Some fields need fixing before this can be saved.");
      alert.hidden = false;
      problems[0][0].focus();
      throw new Error("invalid");
    }
    const response = await api.request("PATCH", `/api/invoices/${invoice.id}`, { json: body, headers: { "If-Match": currentETag() } });
    setETag(response.headers.get("ETag"));
    dirty = false;
  }

  const handle = (error) => {
    if (error.message === "invalid") return;
    if (error.status === 412) {
      replace(alert, "This draft was changed elsewhere. ", h("button", { type: "button", class: "link", on: { click: () => reload() } }, "Load the latest version"));
      alert.hidden = false;
      alert.focus();
      return;
    }
    showProblem(form, error, controls);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, saveDraft, "Saving…").then(() => reload("Saved.")).catch(handle);
  });
  finalize.addEventListener("click", () => busy(finalize, async () => {
    if (dirty) await saveDraft();
    await api.request("POST", `/api/invoices/${invoice.id}/finalize`, { headers: { "If-Match": currentETag(), "Idempotency-Key": api.idempotencyKey() } });
  }, "Finalizing…").then(() => reload("Finalized: the invoice has its number.")).catch(handle));
  remove.addEventListener("click", async () => {
    if (!(await confirmDialog("Delete this draft?", "The draft is deleted for good. Finalized invoices are never deleted.", "Delete draft"))) return;
    busy(remove, () => api.request("DELETE", `/api/invoices/${invoice.id}`), "Deleting…")
      .then(() => { toast("Draft deleted.", "success"); navigate("/"); }).catch(handle);
  });

  return [form, heardPanel(invoice), regeneratePanel(invoice, currentETag, reload)];
}

/** What was heard, with the parts the invoice was read from marked (spans are UTF-16 offsets, as JS strings index). */
function heardPanel(invoice) {
  const text = invoice.originalTranscript;
  if (!text) return null;
  const paragraph = h("p", { class: "transcript" });
  const spans = [...(invoice.sources ?? [])].filter((s) => s.start >= 0 && s.end <= text.length && s.start < s.end).sort((a, b) => a.start - b.start);
  let at = 0;
  for (const span of spans) {
    if (span.start < at) continue;
    paragraph.append(text.slice(at, span.start));
    paragraph.append(h("mark", { title: `${span.field} (confidence ${Math.round(span.confidence * 100)}%)` }, text.slice(span.start, span.end)));
    at = span.end;
  }
  paragraph.append(text.slice(at));
  return h("section", { class: "card", "aria-labelledby": "heard-heading" }, h("h2", { id: "heard-heading" }, "What was heard"), paragraph);
}

function regeneratePanel(invoice, currentETag, reload) {
  const words = h("textarea", { name: "regenerate", rows: 3 }, invoice.originalTranscript ?? "");
  const button = h("button", { type: "submit", class: "secondary" }, "Regenerate draft");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "regen-heading" },
    h("h2", { id: "regen-heading" }, "Start again from new words"),
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Sentence", words, { hint: "The draft is rebuilt from these words; your edits above are replaced." }), h("div", { class: "actions" }, button));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(button, () => api.request("POST", `/api/invoices/${invoice.id}/regenerate`, {
      json: { transcript: words.value }, headers: { "If-Match": currentETag(), "Idempotency-Key": api.idempotencyKey() },
    }), "Regenerating…").then(() => reload("Draft regenerated.")).catch((error) => showProblem(form, error, { transcript: words }));
  });
  return form;
}

// MARK: after finalizing

function finalizedView(invoice, mutate, reload) {
  const sections = [partiesPanel(invoice), itemsPanel(invoice)];
  const actions = h("div", { class: "actions" });
  const fail = (error) => toast(error.friendly ?? String(error), "error");
  if (invoice.status === "finalized") {
    const send = h("button", { type: "button", class: "primary" }, "Mark as sent");
    send.addEventListener("click", () => mutate(send, "Marking…", "POST", `/api/invoices/${invoice.id}/send`).then(() => reload("Marked as sent.")).catch(fail));
    actions.append(send);
  }
  if ((invoice.status === "finalized" || invoice.status === "sent") && invoice.amountPaid === 0) {
    const voidButton = h("button", { type: "button", class: "danger" }, "Void");
    voidButton.addEventListener("click", async () => {
      if (!(await confirmDialog("Void this invoice?", `Invoice ${invoice.number} stays on record as void; its number is not reused.`, "Void invoice"))) return;
      mutate(voidButton, "Voiding…", "POST", `/api/invoices/${invoice.id}/void`).then(() => reload("Voided.")).catch(fail);
    });
    actions.append(voidButton);
  }
  if (actions.childElementCount) sections.push(h("section", { class: "card", "aria-label": "Actions" }, actions));
  sections.push(paymentsPanel(invoice, mutate, reload));
  return sections;
}

function partiesPanel(invoice) {
  const party = (title, who) => h("div", {}, h("h3", {}, title),
    h("p", { class: "party" }, [who?.name, who?.address, who?.email, who?.phone].filter(Boolean).flatMap((line, index) => (index ? [h("br"), line] : [line]))));
  return h("section", { class: "card parties", "aria-label": "From and to" }, party("From", invoice.from), party("Bill to", invoice.to),
    h("div", {}, h("h3", {}, "Dates"), h("p", {}, `Issued ${date(invoice.issueDate)}`, h("br"), `Due ${date(invoice.dueDate)}`,
      invoice.poNumber ? [h("br"), `PO ${invoice.poNumber}`] : null)));
}

function itemsPanel(invoice) {
  return h("section", { class: "card", "aria-labelledby": "items-heading" }, h("h2", { id: "items-heading" }, "Items"),
    h("div", { class: "table-scroll" }, h("table", { class: "items compact" },
      h("thead", {}, h("tr", {}, ["Description", "Qty", "Unit price", "Amount"].map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, invoice.items.map((item) => h("tr", {},
        h("td", {}, item.description), h("td", { class: "num" }, `${quantityText(item.quantity)}${item.unit ? ` ${item.unit}` : ""}`),
        h("td", { class: "num" }, money(item.unitPrice, invoice.currency)), h("td", { class: "num" }, money(item.amount, invoice.currency))))))),
    invoice.notes ? h("p", { class: "notes" }, invoice.notes) : null, invoice.terms ? h("p", { class: "terms" }, invoice.terms) : null);
}

function paymentsPanel(invoice, mutate, reload) {
  const list = h("ul", { class: "payments" }, (invoice.payments ?? []).map((payment) =>
    h("li", {}, `${date(payment.date)} · ${money(payment.amount, invoice.currency)}${payment.method ? ` · ${payment.method}` : ""}`)));
  const section = h("section", { class: "card", "aria-labelledby": "payments-heading" }, h("h2", { id: "payments-heading" }, "Payments"),
    invoice.payments?.length ? list : h("p", {}, "No payments yet."));
  if ((invoice.status === "finalized" || invoice.status === "sent") && invoice.balance > 0) {
    const amount = h("input", { type: "text", inputmode: "decimal", name: "amount", value: decimalText(invoice.balance, invoice.currency), required: true });
    const paid = h("input", { type: "date", name: "date", value: new Date().toISOString().slice(0, 10) });
    const method = h("input", { type: "text", name: "method", placeholder: "bank transfer, card, cash…" });
    const button = h("button", { type: "submit", class: "primary" }, "Record payment");
    const form = h("form", { class: "payment-form", novalidate: true, "aria-label": "Record a payment" },
      h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
      h("div", { class: "grid" }, field(`Amount (${invoice.currency})`, amount), field("Date", paid), field("Method", method)),
      h("div", { class: "actions" }, button));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearProblem(form, { amount });
      const minor = parseMoney(amount.value, invoice.currency);
      if (minor === null || minor <= 0) {
        setFieldMessage(amount, `An amount in ${invoice.currency}, e.g. ${decimalText(invoice.balance, invoice.currency)}.`);
        return amount.focus();
      }
      const body = { amount: minor, date: paid.value || undefined, method: method.value.trim() || undefined };
      mutate(button, "Recording…", "POST", `/api/invoices/${invoice.id}/payments`, body)
        .then(() => reload("Payment recorded.")).catch((error) => showProblem(form, error, { amount, date: paid, method }));
    });
    section.append(form);
  }
  return section;
}

// MARK: totals and the PDF

function totalsPanel(invoice) {
  const line = (label, amount, strong = false) => h("div", { class: strong ? "total-line strong" : "total-line" }, h("dt", {}, label), h("dd", {}, money(amount, invoice.currency)));
  return h("section", { class: "card totals", "aria-labelledby": "totals-heading" }, h("h2", { id: "totals-heading" }, "Totals"),
    h("p", { class: "hint" }, "Computed by the server from the saved invoice."),
    h("dl", {}, line("Subtotal", invoice.subtotal), invoice.discount ? line(`Discount (${invoice.discountRate}%)`, -invoice.discount) : null,
      (invoice.taxBreakdown ?? []).map((tax) => line(`Tax ${tax.rate}%`, tax.tax)), line("Total", invoice.total, true),
      invoice.amountPaid ? line("Paid", invoice.amountPaid) : null, line("Balance", invoice.balance, true)));
}

function pdfPanel(invoice) {
  const frameHolder = h("div", { class: "pdf-frame" });
  const preview = h("button", { type: "button", class: "secondary" }, "Preview PDF");
  const save = h("button", { type: "button", class: "secondary" }, "Download PDF");
  let current = null;
  const fetchPDF = async () => (current ??= await api.download(`/api/invoices/${invoice.id}/pdf`));
  preview.addEventListener("click", () => busy(preview, async () => {
    const file = await fetchPDF();
    const url = URL.createObjectURL(file.blob);
    replace(frameHolder, h("iframe", { src: url, title: `PDF preview of ${file.name}`, class: "pdf" }));
  }, "Rendering…").catch((error) => toast(error.friendly ?? String(error), "error")));
  save.addEventListener("click", () => busy(save, async () => {
    const file = await fetchPDF();
    saveBlob(file.blob, file.name);
  }, "Preparing…").catch((error) => toast(error.friendly ?? String(error), "error")));
  return h("section", { class: "card", "aria-labelledby": "pdf-heading" }, h("h2", { id: "pdf-heading" }, "PDF"),
    h("div", { class: "actions" }, preview, save), frameHolder);
}
