// Showing a problem+json where it belongs: 422 field errors beside their fields, everything else in the form's alert.
import { ApiError } from "./api.js";
import { replace, setFieldMessage } from "./dom.js";

/** `controls` maps a problem's field name (or a prefix such as "items[0]") to its control. */
export function showProblem(form, error, controls = {}) {
  const alert = form.querySelector(".form-alert");
  for (const control of Object.values(controls)) if (control) setFieldMessage(control, null);
  const unplaced = [];
  if (error instanceof ApiError) {
    for (const fieldError of error.fieldErrors) {
      const control = controls[fieldError.field] ?? controls[String(fieldError.field ?? "").replace(/\.[^.]*$/, "")];
      if (!control || !setFieldMessage(control, fieldError.message)) unplaced.push(fieldError.message);
    }
  }
  const message = error instanceof ApiError ? error.friendly : String(error?.message ?? error);
  const firstInvalid = Object.values(controls).find((control) => control?.getAttribute("aria-invalid") === "true");
  if (alert) {
    replace(alert, unplaced.length && error.fieldErrors.length ? unplaced.join(" ") : message);
    alert.hidden = false;
  }
  (firstInvalid ?? alert)?.focus?.();
}

export function clearProblem(form, controls = {}) {
  const alert = form.querySelector(".form-alert");
  if (alert) { alert.hidden = true; alert.textContent = ""; }
  for (const control of Object.values(controls)) if (control) setFieldMessage(control, null);
}
