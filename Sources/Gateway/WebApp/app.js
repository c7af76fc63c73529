// The VoiceInvoice web app: a router over history, a shell (navigation, live region), and one view per screen.
// Standard ES modules, no build step and no third-party code.
import * as api from "./api.js";
import { h, replace, toast } from "./dom.js";
import { signInView, registerView, callbackView } from "./auth-views.js";
import { invoiceListView } from "./invoice-list.js";
import { composeView } from "./compose.js";
import { invoiceView } from "./invoice-review.js";
import { clientsView, servicesView } from "./memory.js";
import { settingsView } from "./settings.js";

const routes = [
  { path: /^\/$/, view: invoiceListView, title: "Invoices" },
  { path: /^\/invoices\/new$/, view: composeView, title: "New invoice" },
  { path: /^\/invoices\/([0-9a-f]{32})$/, view: invoiceView, title: "Invoice" },
  { path: /^\/clients$/, view: clientsView, title: "Clients" },
  { path: /^\/services$/, view: servicesView, title: "Services" },
  { path: /^\/settings$/, view: settingsView, title: "Business profile" },
  { path: /^\/signin$/, view: signInView, title: "Sign in", public: true },
  { path: /^\/register$/, view: registerView, title: "Create an account", public: true },
  { path: /^\/auth\/callback$/, view: callbackView, title: "Signing in", public: true },
];

const main = () => document.getElementById("main");
let renderCount = 0;

/** Goes to an app path (pushes history unless replacing) and renders it. */
export function navigate(path, { replace: replacing = false } = {}) {
  if (replacing) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  return render();
}

async function render() {
  const count = ++renderCount;
  const url = new URL(location.href);
  const route = routes.find((candidate) => candidate.path.test(url.pathname));
  const target = main();
  if (!route) {
    document.title = "Not found · VoiceInvoice";
    replace(target, h("h1", { tabindex: "-1" }, "Page not found"), h("p", {}, h("a", { href: "/", "data-link": "" }, "Go to your invoices")));
    return;
  }
  if (!route.public && !api.signedIn()) {
    const next = url.pathname + url.search;
    return navigate(`/signin${next !== "/" ? `?next=${encodeURIComponent(next)}` : ""}`, { replace: true });
  }
  if (route.public && api.signedIn() && route.view !== callbackView) return navigate("/", { replace: true });
  document.title = `${route.title} · VoiceInvoice`;
  renderShell();
  target.setAttribute("aria-busy", "true");
  replace(target, h("p", { class: "loading", role: "status" }, "Loading…"));
  const params = route.path.exec(url.pathname).slice(1);
  try {
    const content = await route.view({ params, query: url.searchParams, navigate, isCurrent: () => count === renderCount });
    if (count !== renderCount) return;
    replace(target, content);
  } catch (error) {
    if (count !== renderCount) return;
    if (error instanceof api.ApiError && error.status === 401) return navigate("/signin", { replace: true });
    replace(target, h("h1", { tabindex: "-1" }, error.status === 404 ? "Not found" : "Something went wrong"),
      h("p", { role: "alert" }, error instanceof api.ApiError ? error.friendly : String(error.message ?? error)),
      h("p", {}, h("a", { href: "/", "data-link": "" }, "Back to your invoices")));
  } finally {
    if (count === renderCount) target.removeAttribute("aria-busy");
  }
  // Move focus to the new screen's heading, so keyboard and screen-reader users land on it.
  if (count === renderCount) target.querySelector("h1")?.focus({ preventScroll: false });
}

function renderShell() {
  const bar = document.getElementById("bar");
  const signedIn = api.signedIn();
  const here = location.pathname;
  const link = (path, label) => h("a", { href: path, "data-link": "", "aria-current": here === path ? "page" : null }, label);
  replace(bar,
    h("a", { class: "brand", href: "/", "data-link": "" }, h("img", { src: new URL("./icon.svg", import.meta.url).href, alt: "", width: 28, height: 28 }), "VoiceInvoice"),
    signedIn
      ? h("nav", { "aria-label": "Main" },
        link("/", "Invoices"), link("/invoices/new", "New"), link("/clients", "Clients"), link("/services", "Services"),
        link("/settings", "Profile"),
        h("button", { type: "button", class: "link", on: { click: signOut } }, "Sign out"))
      : h("nav", { "aria-label": "Account" }, link("/signin", "Sign in"), link("/register", "Register")));
}

async function signOut() {
  await api.signOut().catch(() => {});
  toast("Signed out.");
  navigate("/signin");
}

// Internal links go through the router; modified clicks (new tab) stay the browser's.
document.addEventListener("click", (event) => {
  const anchor = event.target.closest?.("a[data-link]");
  if (!anchor || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.getAttribute("href"));
});
window.addEventListener("popstate", render);
api.onSessionChange((user) => {
  if (user === null && !routes.find((route) => route.path.test(location.pathname))?.public) navigate("/signin", { replace: true });
});

async function start() {
  try {
    if (location.pathname !== "/auth/callback") await api.resume();
  } catch (error) {
    toast(error.friendly ?? "Could not resume the sign-in.", "error");
  }
  await render();
  document.documentElement.dataset.ready = "true";
}
start();
