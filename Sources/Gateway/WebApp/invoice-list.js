// The invoice list: newest first, status filters, search, dates, client; paged with the cursor; export of the filter.
import * as api from "./api.js";
import { busy, field, h, replace, toast } from "./dom.js";
import { date, money, statusLabel } from "./format.js";
import { saveBlob } from "./files.js";

const STATUSES = ["draft", "finalized", "sent", "paid", "void", "overdue"];

export function statusBadge(invoice) {
  const status = statusLabel(invoice);
  return h("span", { class: `badge ${status}` }, status);
}

export async function invoiceListView({ query, navigate, isCurrent }) {
  const filters = new URLSearchParams();
  for (const name of ["status", "q", "from", "to", "clientId"]) if (query.get(name)) filters.set(name, query.get(name));

  const clients = await api.json("GET", "/api/clients?limit=100").catch(() => ({ items: [] }));
  const status = h("select", { name: "status" }, h("option", { value: "" }, "All"),
    STATUSES.map((value) => h("option", { value, selected: filters.get("status") === value }, value[0].toUpperCase() + value.slice(1))));
  const search = h("input", { type: "search", name: "q", value: filters.get("q") ?? "", placeholder: "Number, client, PO, item" });
  const from = h("input", { type: "date", name: "from", value: filters.get("from") ?? "" });
  const to = h("input", { type: "date", name: "to", value: filters.get("to") ?? "" });
  const client = h("select", { name: "clientId" }, h("option", { value: "" }, "All clients"),
    clients.items.map((entry) => h("option", { value: entry.id, selected: filters.get("clientId") === entry.id }, entry.name)));
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter invoices" },
    field("Status", status), field("Search", search), field("Issued from", from), field("Issued to", to), field("Client", client),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "secondary" }, "Apply")));
  const apply = (event) => {
    event?.preventDefault();
    const next = new URLSearchParams();
    for (const control of [status, search, from, to, client]) if (control.value.trim()) next.set(control.name, control.value.trim());
    navigate(`/${next.size ? `?${next}` : ""}`, { replace: true });
  };
  form.addEventListener("submit", apply);
  status.addEventListener("change", apply);
  client.addEventListener("change", apply);

  const list = h("ul", { class: "invoices", "aria-label": "Invoices" });
  const more = h("button", { type: "button", class: "secondary" }, "Load more");
  const footer = h("div", { class: "list-footer" });
  const summary = h("p", { class: "summary", role: "status" });
  let cursor = null;
  let shown = 0;

  async function load() {
    const page = new URLSearchParams(filters);
    page.set("limit", "25");
    if (cursor) page.set("cursor", cursor);
    const result = await api.json("GET", `/api/invoices?${page}`);
    if (!isCurrent()) return;
    for (const invoice of result.items) list.append(row(invoice));
    shown += result.items.length;
    cursor = result.nextCursor ?? null;
    replace(footer, cursor ? more : null);
    summary.textContent = shown === 0 ? (filters.size ? "No invoices match these filters." : "No invoices yet. Create your first one by voice or text.")
      : `${shown} invoice${shown === 1 ? "" : "s"} shown${cursor ? " (more below)" : ""}.`;
  }
  more.addEventListener("click", () => busy(more, load, "Loading…").catch((error) => toast(error.friendly ?? String(error), "error")));
  await load();

  // CSV and JSON Lines stream from the server, so an export of any size works (format=json is capped at 10 000).
  const exportButton = (format, label) => {
    const button = h("button", { type: "button", class: "secondary" }, `Export ${label}`);
    button.addEventListener("click", () => busy(button, async () => {
      const exported = new URLSearchParams(filters);
      exported.set("format", format);
      const file = await api.download(`/api/invoices/export?${exported}`);
      saveBlob(file.blob, file.name);
    }, "Exporting…").catch((error) => toast(error.friendly ?? String(error), "error")));
    return button;
  };

  return [
    h("div", { class: "title-row" }, h("h1", { tabindex: "-1" }, "Invoices"),
      h("a", { class: "button primary", href: "/invoices/new", "data-link": "" }, "New invoice")),
    form, summary, list, footer,
    h("div", { class: "actions export" }, exportButton("csv", "CSV"), exportButton("jsonl", "JSON Lines")),
  ];
}

function row(invoice) {
  const title = invoice.number ?? "Draft";
  return h("li", { class: "invoice-row" },
    h("a", { href: `/invoices/${invoice.id}`, "data-link": "", class: "row-link" },
      h("span", { class: "number" }, title),
      h("span", { class: "client" }, invoice.to?.name ?? ""),
      h("span", { class: "dates" }, `Issued ${date(invoice.issueDate)} · due ${date(invoice.dueDate)}`),
      statusBadge(invoice),
      h("span", { class: "amounts" }, h("span", { class: "total" }, money(invoice.total, invoice.currency)),
        invoice.balance !== invoice.total || invoice.status !== "draft"
          ? h("span", { class: "balance" }, `Balance ${money(invoice.balance, invoice.currency)}`) : null)));
}
