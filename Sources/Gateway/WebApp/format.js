// Money and dates for people: the browser's locale, the invoice's currency. Amounts travel as integer minor units;
// converting what a person types into minor units is string arithmetic, never floating point.

const digitsCache = new Map();
/** The currency's minor-unit digits (ISO 4217, as the browser's ICU data has them: USD 2, JPY 0, KWD 3). */
export function minorDigits(currency) {
  if (!digitsCache.has(currency)) {
    let digits = 2;
    try { digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits; } catch {}
    digitsCache.set(currency, digits);
  }
  return digitsCache.get(currency);
}

export function money(minorUnits, currency) {
  const digits = minorDigits(currency);
  const value = Number(minorUnits) / 10 ** digits;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${currency}`;
  }
}

/** Minor units as an editable decimal ("8500", USD → "85.00"). */
export function decimalText(minorUnits, currency) {
  const digits = minorDigits(currency);
  const negative = minorUnits < 0;
  const text = String(Math.abs(minorUnits)).padStart(digits + 1, "0");
  const whole = digits ? text.slice(0, -digits) : text;
  return (negative ? "-" : "") + whole + (digits ? `.${text.slice(-digits)}` : "");
}

/** "1,234.5" or "1234,50" → minor units; null when it is not an amount in this currency. */
export function parseMoney(text, currency) {
  const digits = minorDigits(currency);
  let cleaned = String(text).trim().replace(/[\s\u00a0\u202f']/g, "");
  if (!/^\d[\d.,]*$/.test(cleaned) || cleaned.length > 20) return null;
  // The last separator followed by at most `digits` digits is the decimal point; the others group thousands.
  const last = Math.max(cleaned.lastIndexOf("."), cleaned.lastIndexOf(","));
  let whole = cleaned;
  let fraction = "";
  if (last >= 0 && cleaned.length - last - 1 <= digits && cleaned.length - last - 1 > 0) {
    whole = cleaned.slice(0, last);
    fraction = cleaned.slice(last + 1);
  }
  whole = whole.replace(/[.,]/g, "");
  if (!/^\d+$/.test(whole) || !/^\d*$/.test(fraction)) return null;
  const minor = Number(whole + fraction.padEnd(digits, "0"));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** "2026-12-02" (a calendar date, no zone) in the browser's locale. */
export function date(isoDate) {
  if (!isoDate) return "";
  const [year, month, day] = isoDate.slice(0, 10).split("-").map(Number);
  if (!year || !month || !day) return isoDate;
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, day)));
}

/** A percentage as typed ("8.25") → a number, or null for empty; NaN when it is not one. */
export function parseRate(text) {
  const trimmed = String(text).trim().replace(",", ".");
  if (trimmed === "") return null;
  return /^\d{1,3}(\.\d{1,4})?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function quantityText(quantity) {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 }).format(quantity);
}

export const statusLabel = (invoice) => (invoice.overdue && invoice.status !== "paid" && invoice.status !== "void" ? "overdue" : invoice.status);
