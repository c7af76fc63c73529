// Sign-in, registration and the Google web flow's landing page.
import * as api from "./api.js";
import { busy, field, h } from "./dom.js";
import { clearProblem, showProblem } from "./forms.js";

const nextPath = (query) => {
  const next = query.get("next") ?? "/";
  // Only an app path: never an absolute URL (no open redirect through ?next=).
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
};

function googleButton() {
  if (!api.googleEnabled) return null;
  return h("p", { class: "google" }, h("a", { class: "button secondary", href: api.googleStartURL() }, "Sign in with Google"));
}

export async function signInView({ query, navigate }) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "card narrow", novalidate: true },
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Email", email), field("Password", password), h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(form, { email, password });
    try {
      await busy(submit, () => api.signIn(email.value.trim(), password.value), "Signing in…");
      navigate(nextPath(query), { replace: true });
    } catch (error) {
      showProblem(form, error, { email, password });
    }
  });
  const failed = query.get("error");
  return [
    h("h1", { tabindex: "-1" }, "Sign in"),
    failed ? h("p", { class: "notice error", role: "alert" }, googleFailure(failed)) : null,
    form, googleButton(),
    h("p", {}, "New here? ", h("a", { href: "/register", "data-link": "" }, "Create an account")),
  ];
}

export async function registerView({ navigate }) {
  const name = h("input", { type: "text", name: "name", autocomplete: "name", required: true });
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "new-password", minlength: 12, required: true });
  const submit = h("button", { type: "submit", class: "primary" }, "Create account");
  const form = h("form", { class: "card narrow", novalidate: true },
    h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true }),
    field("Your name", name), field("Email", email), field("Password", password, { hint: "At least 12 characters. A few unrelated words work well." }),
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearProblem(form, { name, email, password });
    try {
      await busy(submit, () => api.register(name.value.trim(), email.value.trim(), password.value), "Creating…");
      navigate("/settings?welcome=1", { replace: true });
    } catch (error) {
      showProblem(form, error, { name, email, password });
    }
  });
  return [h("h1", { tabindex: "-1" }, "Create an account"), form, googleButton(),
    h("p", {}, "Already registered? ", h("a", { href: "/signin", "data-link": "" }, "Sign in"))];
}

function googleFailure(code) {
  const messages = {
    access_denied: "Google sign-in was cancelled.",
    account_conflict: "An account with this email already exists. Sign in with its password, then link Google from the mobile app or support.",
    email_not_verified: "Google has not verified this email address.",
    invalid_state: "The sign-in took too long or came from another browser. Try again.",
  };
  return messages[code] ?? "Google sign-in did not work. Try again.";
}

/** `/auth/callback?code=…`: the code leaves the address bar at once, then is traded (with the binding cookie). */
export async function callbackView({ query, navigate }) {
  const code = query.get("code");
  const error = query.get("error");
  history.replaceState(null, "", "/auth/callback");
  if (error || !code) {
    navigate(`/signin?error=${encodeURIComponent(error ?? "sign_in_failed")}`, { replace: true });
    return [];
  }
  try {
    await api.exchange(code);
    navigate("/", { replace: true });
    return [];
  } catch (failure) {
    return [h("h1", { tabindex: "-1" }, "Sign-in failed"), h("p", { role: "alert" }, failure.friendly ?? String(failure)),
      h("p", {}, h("a", { href: "/signin", "data-link": "" }, "Back to sign in"))];
  }
}
