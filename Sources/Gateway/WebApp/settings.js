// The business profile: the sender of every invoice and the defaults drafting uses.
import * as api from "./api.js";
import { busy, field, h, toast } from "./dom.js";
import { clearProblem, showProblem } from "./forms.js";
import { parseRate } from "./format.js";

export async function settingsView({ query, navigate }) {
  const profile = await api.json("GET", "/api/users/me");
  const text = (name, type = "text", extra = {}) => h("input", { type, name, value: profile[name] ?? "", ...extra });
  const zones = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  const zoneList = h("datalist", { id: "time-zones" }, zones.map((zone) => h("option", { value: zone })));
  const controls = {
    companyName: text("companyName", "text", { autocomplete: "organization" }),
    address: h("textarea", { name: "address", rows: 3, autocomplete: "street-address" }, profile.address ?? ""),
    email: text("email", "email", { autocomplete: "email" }),
    phone: text("phone", "tel", { autocomplete: "tel" }),
    defaultCurrency: text("defaultCurrency", "text", { maxlength: 3, size: 4 }),
    defaultPaymentTermsDays: text("defaultPaymentTermsDays", "number", { min: 0, max: 3650 }),
    taxRate: text("taxRate", "text", { inputmode: "decimal" }),
    invoicePrefix: text("invoicePrefix"),
    paperSize: h("select", { name: "paperSize" }, ["A4", "Letter"].map((size) => h("option", { value: size, selected: profile.paperSize === size }, size))),
    timeZone: text("timeZone", "text", { list: "time-zones", autocomplete: "off" }),
    defaultTerms: h("textarea", { name: "defaultTerms", rows: 2 }, profile.defaultTerms ?? ""),
  };
  const submit = h("button", { type: "submit", class: "primary" }, "Save profile");
  const form = h("form", { class: "card", novalidate: true, "aria-labelledby": "profile-heading" },
    h("h2", { id: "profile-heading" }, "Sender and defaults"),
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    h("div", { class: "grid" },
      field("Business name", controls.companyName), field("Email on invoices", controls.email), field("Phone", controls.phone),
      field("Address", controls.address, { wide: true }),
      field("Default currency", controls.defaultCurrency, { hint: "ISO 4217 code, e.g. USD." }),
      field("Payment terms (days)", controls.defaultPaymentTermsDays), field("Tax %", controls.taxRate),
      field("Invoice number prefix", controls.invoicePrefix, { hint: "INV gives INV-2026-0001." }), field("Paper", controls.paperSize),
      field("Time zone", controls.timeZone, { hint: "For “today” and “next Friday”." }), zoneList,
      field("Default terms", controls.defaultTerms, { wide: true })),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearProblem(form, controls);
    const or = (value) => (value.trim() === "" ? null : value.trim());
    const rate = parseRate(controls.taxRate.value);
    const body = {
      companyName: or(controls.companyName.value), address: or(controls.address.value), email: or(controls.email.value), phone: or(controls.phone.value),
      defaultCurrency: controls.defaultCurrency.value.trim().toUpperCase() || undefined,
      defaultPaymentTermsDays: controls.defaultPaymentTermsDays.value === "" ? undefined : Number(controls.defaultPaymentTermsDays.value),
      taxRate: rate === null ? undefined : Number.isNaN(rate) ? controls.taxRate.value : rate,
      invoicePrefix: or(controls.invoicePrefix.value), paperSize: controls.paperSize.value, timeZone: or(controls.timeZone.value),
      defaultTerms: or(controls.defaultTerms.value),
    };
    busy(submit, () => api.json("PATCH", "/api/users/me", { json: body }), "Saving…").then(() => {
      toast("Profile saved.", "success");
      if (query.get("welcome")) navigate("/invoices/new");
    }).catch((error) => showProblem(form, error, controls));
  });
  const everywhere = h("button", { type: "button", class: "danger" }, "Sign out on every device");
  everywhere.addEventListener("click", () => busy(everywhere, () => api.signOut({ everywhere: true })).then(() => navigate("/signin")).catch((error) => toast(error.friendly, "error")));
  const user = api.currentUser();
  return [
    h("h1", { tabindex: "-1" }, "Business profile"),
    query.get("welcome") ? h("p", { class: "notice" }, "Welcome! Tell us who sends your invoices; you can change it any time.") : null,
    form,
    h("section", { class: "card", "aria-labelledby": "account-heading" }, h("h2", { id: "account-heading" }, "Account"),
      h("p", {}, `Signed in as ${user?.name ?? ""} (${user?.email ?? ""}).`), h("div", { class: "actions" }, everywhere)),
  ];
}
