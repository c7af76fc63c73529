"""The web app in a real headless Chromium (Debian's, driven by Playwright for Python), against a running cluster.

Run by Tests/EndToEndTests/WebAppBrowserTests.swift, which starts the four roles (and the OpenAI-compatible peer),
then:  python web_app_checks.py --base URL --scenario voice|typed [--peer URL] [--jwt-secret S] [--other-origin URL]
       --artifacts DIR
Prints "PASS <check>" per check and "FIGURE <name> <value>" per measurement; exits 1 at the first failure (with a
screenshot in the artifacts). Every check reads what the browser shows or did; nothing passes without Chromium running.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
import urllib.request

import jwt
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

PASSWORD = "correct horse battery staple"
SENTENCE = "Bill Acme for twelve hours of design at 85 dollars, due in two weeks"
XSS = "<img src=x onerror=window.__xss=1>"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def log(kind, *parts):
    print(kind, *parts, flush=True)


class Checks:
    def __init__(self, args, browser):
        self.args = args
        self.browser = browser
        self.axe = Axe()
        self.scanned = set()
        self.requests = []

    # MARK: helpers

    def context(self, width=1280, height=800, **extra):
        context = self.browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                           permissions=["microphone"], **extra)
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.on("request", lambda request: self.requests.append((time.monotonic(), request.method, request.url,
                                                                 request.headers.get("authorization", ""))))
        page.on("pageerror", lambda error: log("PAGEERROR", error))
        page.on("dialog", lambda dialog: (setattr(self, "alerted", True), dialog.dismiss()))
        return context, page

    def api(self, method, path, token=None, body=None, base=None):
        request = urllib.request.Request((base or self.args.base) + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def scan(self, page, screen):
        """axe-core on this screen: no serious or critical violation. Screenshots at desktop and phone widths."""
        page.wait_for_selector("html[data-ready=true]")
        # The screen has rendered: the router clears aria-busy on <main> when the view is in place.
        page.wait_for_function("!document.getElementById('main').hasAttribute('aria-busy')")
        results = self.axe.run(page)
        bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
        if bad:
            details = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
            raise AssertionError(f"accessibility on {screen}: {details}")
        self.scanned.add(screen)
        # The screenshots document the screen, not a passing notification.
        page.evaluate("document.getElementById('toast').textContent = ''")
        slug = re.sub(r"[^a-z0-9]+", "-", screen.lower()).strip("-")
        page.screenshot(path=os.path.join(self.args.artifacts, f"{self.args.scenario}-{slug}-1280x800.png"), full_page=True)
        size = page.viewport_size
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(100)
        page.screenshot(path=os.path.join(self.args.artifacts, f"{self.args.scenario}-{slug}-390x844.png"), full_page=True)
        # Nothing runs off a phone's screen sideways (tables scroll inside their card).
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 1:
            raise AssertionError(f"{screen} is {overflow}px wider than a 390px phone")
        page.set_viewport_size(size)
        log("PASS", f"axe and screenshots: {screen}")

    def register(self, page, email, name="Ann"):
        page.goto(self.args.base + "/")
        expect(page).to_have_url(re.compile(r"/signin"))
        page.get_by_role("link", name="Create an account").click()
        self.scan(page, "register")
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", name="Business profile")).to_be_visible()
        log("PASS", "register")

    def profile(self, page, currency="USD"):
        self.scan(page, "profile")
        page.get_by_label("Business name").fill("Ann Design Studio")
        page.get_by_label("Email on invoices").fill("billing@ann.example")
        page.get_by_label("Address").fill("1 Main St\nSpringfield")
        page.get_by_label("Default currency").fill(currency)
        page.get_by_label("Tax %").fill("0")
        page.get_by_role("button", name="Save profile").click()
        expect(page.get_by_role("heading", name="New invoice")).to_be_visible()
        status, profile = self.api("GET", "/api/users/me", token=self.access_token(page))
        assert status == 200 and profile["companyName"] == "Ann Design Studio", profile
        log("PASS", "business profile saved")

    def nav(self, page, name):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()

    def access_token(self, page):
        for _, _, url, authorization in reversed(self.requests):
            if authorization.startswith("Bearer ") and url.startswith(self.args.base):
                return authorization[7:]
        raise AssertionError("no bearer request seen")

    def finalize_pay_and_pdf(self, page, paid, balance, currency_text):
        page.get_by_role("button", name="Finalize").click()
        heading = page.get_by_role("heading", name=re.compile(r"^Invoice INV-\d{4}-0001$"))
        expect(heading).to_be_visible()
        number = heading.inner_text().split(" ", 1)[1]
        log("PASS", f"finalized as {number}")
        self.scan(page, "finalized invoice")
        page.get_by_role("button", name="Mark as sent").click()
        expect(page.locator(".badge").first).to_have_text("sent")
        page.get_by_label(re.compile(r"^Amount")).fill(paid)
        page.get_by_role("button", name="Record payment").click()
        expect(page.locator(".total-line.strong").last).to_contain_text(balance)
        expect(page.locator(".payments li")).to_have_count(1)
        log("PASS", f"partial payment: balance {balance}")
        # The PDF: previewed in the page (a blob: frame) and downloaded under the server's file name.
        page.get_by_role("button", name="Preview PDF").click()
        frame = page.locator("iframe.pdf")
        expect(frame).to_have_attribute("src", re.compile(r"^blob:"))
        with page.expect_download() as info:
            page.get_by_role("button", name="Download PDF").click()
        download = info.value
        assert download.suggested_filename == f"invoice-{number}.pdf", download.suggested_filename
        path = os.path.join(self.args.artifacts, f"{self.args.scenario}-{download.suggested_filename}")
        download.save_as(path)
        text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout
        assert number in text and currency_text in text, text
        log("PASS", f"PDF previewed and downloaded: {download.suggested_filename}")
        return number

    def sign_out(self, page):
        stored = page.evaluate("localStorage.getItem('voice-invoice.refresh')")
        assert stored, "no refresh token stored"
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(re.compile(r"/signin"))
        self.scan(page, "sign in")
        assert page.evaluate("localStorage.getItem('voice-invoice.refresh')") is None
        status, _ = self.api("POST", "/api/auth/refresh", body={"refreshToken": stored})
        assert status == 401, f"the signed-out refresh token still works ({status})"
        page.goto(self.args.base + "/clients")
        expect(page).to_have_url(re.compile(r"/signin\?next=%2Fclients"))
        log("PASS", "sign-out revokes the refresh token and leaves nothing signed in")

    # MARK: scenarios

    def voice(self):
        """The provider is the OpenAI-compatible peer: speech through Chromium's fake microphone, from espeak-ng."""
        peer = self.args.peer
        context, page = self.context()
        self.register(page, "voice@example.com")
        self.profile(page)
        self.scan(page, "new invoice")
        # The model hears 58 where the words say 85: the server's warning must appear beside that price.
        self.script(peer, {"transcript": SENTENCE, "extraction": {
            "clientName": "Acme", "items": [{"description": "Design", "quantity": "12", "unit": "hour", "unitPrice": "58", "currency": "USD"}],
            "currency": "USD", "dueInDays": 14, "taxRate": None, "notes": None, "warnings": []}})
        page.get_by_role("button", name="Record", exact=True).click()
        expect(page.get_by_role("button", name="Stop and create draft")).to_be_focused()
        levels = []
        for _ in range(12):
            page.wait_for_timeout(250)
            levels.append(page.evaluate("document.querySelector('meter.level').value"))
        assert max(levels) > 0, f"the level meter never moved: {levels}"
        expect(page.locator(".timer")).not_to_have_text("0:00")
        log("PASS", f"recording: timer runs, level meter peaks at {max(levels):.2f}")
        stopped = time.monotonic()
        page.get_by_role("button", name="Stop and create draft").click()
        expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
        expect(page.get_by_label("Client")).to_have_value("Acme")
        drafted = time.monotonic()
        log("FIGURE", "speech-end-to-draft-ms", round((drafted - stopped) * 1000))
        uploads = [r for r in self.peer_requests(peer) if r["path"] == "transcriptions"]
        assert uploads and uploads[-1]["bytes"] > 1000 and uploads[-1]["magic"] == "1a45dfa3", uploads
        log("PASS", f"voice upload: {uploads[-1]['bytes']} bytes of WebM reached the provider")
        price = page.get_by_label("Item 1 unit price")
        expect(price).to_have_value("58.00")
        warning = page.locator(f"#{price.get_attribute('id')}-error")
        expect(warning).to_contain_text("85")
        log("PASS", "the server's warning is shown beside the price it concerns")
        self.scan(page, "draft review")
        # Edit: the right price, two fewer hours, a new item; totals are the server's.
        price.fill("85")
        page.get_by_label("Item 1 quantity").fill("10")
        page.get_by_role("button", name="Add item").click()
        page.get_by_label("Item 2 description").fill("Hosting")
        page.get_by_label("Item 2 unit price").fill("20")
        page.get_by_label("PO number").fill("PO-7")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".total-line.strong").first).to_contain_text("$870.00")
        expect(page.get_by_label("Item 2 description")).to_have_value("Hosting")
        log("PASS", "draft edited: 10 × $85.00 + $20.00 = $870.00 as the server computed")
        self.refresh_checks(page)
        self.finalize_pay_and_pdf(page, "500", "$370.00", "870.00")
        self.xss(page)
        self.sign_out(page)
        context.close()

    def refresh_checks(self, page):
        """The access token (60 s here) is refreshed ahead of expiry, and an expired one is replaced after one 401."""
        before = sum(1 for r in self.requests if r[2].endswith("/api/auth/refresh"))
        deadline = time.monotonic() + 45
        while sum(1 for r in self.requests if r[2].endswith("/api/auth/refresh")) == before and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        assert sum(1 for r in self.requests if r[2].endswith("/api/auth/refresh")) > before, "no refresh ahead of expiry"
        log("PASS", "the access token was refreshed ahead of its expiry")
        # A token that has really expired (signed with the cluster's key, exp in the past): the server refuses it, the
        # app refreshes once and retries, and the person sees the list as if nothing happened.
        current = self.access_token(page)
        header = jwt.get_unverified_header(current)
        claims = jwt.decode(current, options={"verify_signature": False})
        now = int(time.time())
        claims.update({"iat": now - 600, "nbf": now - 600, "exp": now - 300})
        expired = jwt.encode(claims, self.args.jwt_secret, algorithm="HS256", headers={k: v for k, v in header.items() if k != "alg"})
        status, _ = self.api("GET", "/api/invoices", token=expired)
        assert status == 401, status
        used = {"done": False}

        def swap(route):
            if not used["done"]:
                used["done"] = True
                return route.continue_(headers={**route.request.headers, "authorization": f"Bearer {expired}"})
            return route.continue_()
        page.route(re.compile(r".*/api/invoices\?.*"), swap)
        refreshes = sum(1 for r in self.requests if r[2].endswith("/api/auth/refresh"))
        self.nav(page, "Invoices")
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        expect(page.locator(".invoice-row")).to_have_count(1)
        page.unroute(re.compile(r".*/api/invoices\?.*"))
        assert used["done"] and sum(1 for r in self.requests if r[2].endswith("/api/auth/refresh")) > refreshes
        log("PASS", "an expired access token is refreshed after one 401, without the person noticing")
        self.scan(page, "invoice list")
        page.locator(".invoice-row a").first.click()
        expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()

    def xss(self, page):
        """Data that looks like markup stays text everywhere it is shown."""
        self.alerted = False
        self.script(self.args.peer, {"transcript": "x", "extraction": {
            "clientName": XSS, "items": [{"description": "<script>window.__xss=2</script>", "quantity": "1", "unit": None,
                                          "unitPrice": "5", "currency": "USD"}],
            "currency": "USD", "dueInDays": None, "taxRate": None, "notes": "<b onmouseover=alert(1)>bold</b>", "warnings": []}})
        self.nav(page, "New")
        page.get_by_label("What to bill").fill(f"Bill {XSS} for one hour at 5 dollars")
        page.get_by_role("button", name="Create draft", exact=True).click()
        expect(page.get_by_label("Client")).to_have_value(XSS)
        self.nav(page, "Invoices")
        expect(page.locator(".invoice-row .client", has_text=XSS)).to_have_count(1)
        self.nav(page, "Clients")
        expect(page.get_by_role("heading", name=XSS)).to_be_visible()
        injected = page.evaluate("[window.__xss, document.querySelectorAll('main img[src=x], main script, main b').length]")
        assert injected == [None, 0] and not self.alerted, injected
        log("PASS", "an invoice for <img src=x onerror=…> stays text (list, review, address book)")

    def typed(self):
        """No provider: the typed sentence and the offline extractor; voice says it is not configured."""
        context, page = self.context()
        self.register(page, "typed@example.com", name="Bo")
        self.profile(page, currency="EUR")
        page.get_by_role("button", name="Record", exact=True).click()
        page.wait_for_timeout(800)
        page.get_by_role("button", name="Stop and create draft").click()
        alert = page.locator(".recorder .form-alert")
        expect(alert).to_contain_text("Voice is not configured")
        expect(alert.get_by_role("link", name="Type it instead.")).to_be_visible()
        alert.get_by_role("link", name="Type it instead.").click()
        expect(page.get_by_label("What to bill")).to_be_focused()
        log("PASS", "503: voice is not configured, and typing is offered")
        # A 429 shows its retry time.
        page.route("**/api/invoices/transcript", lambda route: route.fulfill(
            status=429, headers={"Retry-After": "7", "Content-Type": "application/problem+json"},
            body=json.dumps({"type": "about:blank", "title": "Too Many Requests", "status": 429})))
        page.get_by_label("What to bill").fill("Invoice Globex for 3 logos at 200 euros each")
        page.get_by_role("button", name="Create draft", exact=True).click()
        expect(page.locator("form .form-alert")).to_contain_text("Try again in 7 seconds")
        page.unroute("**/api/invoices/transcript")
        log("PASS", "429: the retry time is shown")
        started = time.monotonic()
        page.get_by_role("button", name="Create draft", exact=True).click()
        expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
        log("FIGURE", "typed-to-draft-ms", round((time.monotonic() - started) * 1000))
        expect(page.get_by_label("Client")).to_have_value("Globex")
        expect(page.get_by_label("Item 1 quantity")).to_have_value("3")
        expect(page.get_by_label("Item 1 unit price")).to_have_value("200.00")
        expect(page.locator(".total-line.strong").first).to_contain_text("600.00")
        log("PASS", "typed sentence drafted offline: 3 × €200.00")
        # A 422 from the server lands beside its field.
        page.get_by_label("Tax %").fill("150")
        page.get_by_role("button", name="Save changes").click()
        tax = page.get_by_label("Tax %")
        expect(tax).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{tax.get_attribute('id')}-error")).not_to_be_empty()
        log("PASS", "422: the field error is shown beside Tax %")
        tax.fill("0")
        page.get_by_label("Notes").fill("Thank you!")
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_label("Notes")).to_have_value("Thank you!")
        self.finalize_pay_and_pdf(page, "100", "500.00", "600.00")
        self.memory(page)
        self.list_and_export(page)
        if self.args.other_origin:
            self.other_origin(page)
        self.regenerate_and_void(page)
        self.sign_out(page)
        context.close()
        if self.args.google_peer:
            self.google()

    def google(self):
        """"Sign in with Google": the web code flow through the Google peer, landing on /auth/callback, which trades the
        one-time code (with its binding cookie) and takes it out of the address bar."""
        body = {"sub": "g-4711", "email": "gina@gmail.com", "email_verified": True, "name": "Gina"}
        request = urllib.request.Request(self.args.google_peer + "/test/next-user", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()
        context, page = self.context()
        page.goto(self.args.base + "/signin")
        page.get_by_role("link", name="Sign in with Google").click()
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        # CLIENT_URL's first origin receives the code (here the app's copy on another origin, when there is one).
        landing = self.args.other_origin or self.args.base
        expect(page).to_have_url(landing + "/")
        callbacks = [r for r in self.requests if r[2].startswith(landing + "/auth/callback?code=")]
        assert callbacks, "the flow never reached /auth/callback"
        assert any(r[2] == self.args.base + "/api/auth/exchange" for r in self.requests), "no code exchange"
        status, me = self.api("GET", "/api/auth/me", token=self.access_token(page))
        assert status == 200 and me["email"] == "gina@gmail.com" and me["google"] is True, me
        log("PASS", "Sign in with Google: code flow, callback page, code exchanged and gone from the address bar")
        context.close()

    def memory(self, page):
        self.nav(page, "Clients")
        expect(page.get_by_role("heading", name="Globex")).to_be_visible()
        self.scan(page, "clients")
        page.get_by_role("button", name="Edit Globex").click()
        edit = page.get_by_role("form", name="Edit Globex")
        edit.get_by_label("Also known as").fill("GX, Globex Corp")
        edit.get_by_label("Email").fill("ap@globex.example")
        edit.get_by_role("button", name="Save client").click()
        expect(page.get_by_text("Also: GX, Globex Corp")).to_be_visible()
        add = page.get_by_role("form", name="Add a client")
        add.get_by_label("Name", exact=True).fill("Initech")
        add.get_by_role("button", name="Add client").click()
        expect(page.get_by_role("heading", name="Initech")).to_be_visible()
        page.get_by_role("button", name="Delete Initech").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete client").click()
        expect(page.get_by_role("heading", name="Initech")).to_have_count(0)
        log("PASS", "address book: edit aliases and email, add, delete")
        self.nav(page, "Services")
        expect(page.get_by_role("heading", name=re.compile("logo", re.I))).to_be_visible()
        self.scan(page, "services")
        page.get_by_role("button", name=re.compile("^Edit ", re.I)).first.click()
        page.get_by_label(re.compile(r"^Usual price")).fill("250")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".memory li").first).to_contain_text("250.00")
        page.get_by_role("button", name=re.compile("^Forget ", re.I)).first.click()
        page.get_by_role("dialog").get_by_role("button", name="Forget service").click()
        expect(page.locator(".memory li").first).to_contain_text("No services yet")
        log("PASS", "services: edit the usual price, forget")

    def list_and_export(self, page):
        self.nav(page, "Invoices")
        expect(page.locator(".invoice-row")).to_have_count(1)
        page.get_by_label("Status").select_option("draft")
        expect(page.get_by_text("No invoices match these filters.")).to_be_visible()
        page.get_by_label("Status").select_option("sent")
        expect(page.locator(".invoice-row")).to_have_count(1)
        page.get_by_label("Search").fill("globex")
        page.get_by_role("button", name="Apply").click()
        expect(page.locator(".invoice-row .client")).to_have_text("Globex")
        expect(page.locator(".invoice-row .balance")).to_contain_text("500.00")
        log("PASS", "list: status filter and search")
        with page.expect_download() as info:
            page.get_by_role("button", name="Export CSV").click()
        path = os.path.join(self.args.artifacts, "typed-" + info.value.suggested_filename)
        info.value.save_as(path)
        exported = open(path, encoding="utf-8").read()
        assert info.value.suggested_filename == "invoices.csv" and "Globex" in exported, exported[:300]
        log("PASS", "export CSV of the current filter")

    def regenerate_and_void(self, page):
        """A draft rebuilt from new words, finalized, then voided (no payments); a second draft deleted."""
        self.nav(page, "New")
        page.get_by_label("What to bill").fill("Bill Hooli for 2 hours of support at 40 euros")
        page.get_by_role("button", name="Create draft", exact=True).click()
        expect(page.get_by_label("Item 1 quantity")).to_have_value("2")
        page.get_by_label("Sentence").fill("Bill Hooli for 3 hours of support at 40 euros")
        page.get_by_role("button", name="Regenerate draft").click()
        expect(page.get_by_label("Item 1 quantity")).to_have_value("3")
        expect(page.locator(".total-line.strong").first).to_contain_text("120.00")
        page.get_by_role("button", name="Finalize").click()
        expect(page.get_by_role("heading", name=re.compile(r"^Invoice INV-\d{4}-0002$"))).to_be_visible()
        page.get_by_role("button", name="Void").click()
        page.get_by_role("dialog").get_by_role("button", name="Void invoice").click()
        expect(page.locator(".badge").first).to_have_text("void")
        log("PASS", "regenerated from new words, finalized as the next number, voided")
        self.nav(page, "New")
        page.get_by_label("What to bill").fill("Bill Hooli for 1 hour of support at 40 euros")
        page.get_by_role("button", name="Create draft", exact=True).click()
        expect(page.get_by_role("heading", name="Draft invoice")).to_be_visible()
        page.get_by_role("button", name="Delete draft").click()
        page.get_by_role("dialog").get_by_role("button", name="Delete draft").click()
        expect(page.get_by_role("heading", name="Invoices")).to_be_visible()
        expect(page.locator(".invoice-row")).to_have_count(2)
        with page.expect_download() as info:
            page.get_by_role("button", name="Export JSON Lines").click()
        assert info.value.suggested_filename == "invoices.jsonl", info.value.suggested_filename
        path = os.path.join(self.args.artifacts, "typed-" + info.value.suggested_filename)
        info.value.save_as(path)
        exported = [json.loads(line) for line in open(path, encoding="utf-8").read().splitlines()]
        assert sorted(invoice["status"] for invoice in exported) == ["sent", "void"], exported
        log("PASS", "draft deleted; JSON Lines export of every invoice")

    def other_origin(self, page):
        """A copy of the app on another origin (in CLIENT_URL) talks to the gateway across origins."""
        context, other = self.context()
        other.goto(self.args.other_origin + "/")
        other.get_by_label("Email").fill("typed@example.com")
        other.get_by_label("Password").fill(PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_role("heading", name="Invoices")).to_be_visible()
        expect(other.locator(".invoice-row .client")).to_have_text("Globex")
        assert any(r[2].startswith(self.args.base + "/api/") for r in self.requests)
        log("PASS", f"the app from {self.args.other_origin} signs in and lists through CORS")
        context.close()

    # MARK: the peer

    def script(self, peer, body):
        request = urllib.request.Request(peer + "/test/script", data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request).read()

    def peer_requests(self, peer):
        with urllib.request.urlopen(peer + "/test/requests") as response:
            return json.loads(response.read())


def first_load(browser, base):
    """Figures: transferred bytes, requests and time to interactive of a first, uncached load."""
    context = browser.new_context()
    page = context.new_page()
    sizes = []
    page.on("response", lambda response: sizes.append(response))
    start = time.monotonic()
    page.goto(base + "/signin")
    page.wait_for_selector("html[data-ready=true]")
    interactive = time.monotonic() - start
    # Bytes on the wire (encoded bodies and headers, as Chromium counts them), and the same bodies decoded.
    wire = sum(r.request.sizes()["responseBodySize"] + r.request.sizes()["responseHeadersSize"] for r in sizes)
    decoded = sum(len(r.body()) for r in sizes if r.status == 200)
    log("FIGURE", "first-load-requests", len(sizes))
    log("FIGURE", "first-load-bytes", wire)
    log("FIGURE", "first-load-decoded-bytes", decoded)
    log("FIGURE", "first-load-interactive-ms", round(interactive * 1000))
    start = time.monotonic()
    page.reload()
    page.wait_for_selector("html[data-ready=true]")
    log("FIGURE", "reload-interactive-ms", round((time.monotonic() - start) * 1000))
    context.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--scenario", choices=["voice", "typed"], required=True)
    parser.add_argument("--peer")
    parser.add_argument("--jwt-secret")
    parser.add_argument("--other-origin")
    parser.add_argument("--google-peer")
    parser.add_argument("--artifacts", required=True)
    args = parser.parse_args()
    os.makedirs(args.artifacts, exist_ok=True)
    for stale in os.listdir(args.artifacts):
        if stale.startswith(f"{args.scenario}-"):
            os.remove(os.path.join(args.artifacts, stale))
    launch = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--no-sandbox", "--autoplay-policy=no-user-gesture-required"]
    if args.scenario == "voice":
        wav = os.path.join(args.artifacts, "speech.wav")
        subprocess.run(["espeak-ng", "-s", "150", "-w", wav, SENTENCE], check=True)
        launch.append(f"--use-file-for-fake-audio-capture={wav}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=launch)
        log("BROWSER", browser.version)
        checks = Checks(args, browser)
        page = None
        try:
            first_load(browser, args.base)
            getattr(checks, args.scenario)()
        except Exception as error:
            for context in browser.contexts:
                for open_page in context.pages:
                    open_page.screenshot(path=os.path.join(args.artifacts, f"{args.scenario}-failure.png"), full_page=True)
            log("FAIL", f"{type(error).__name__}: {error}")
            browser.close()
            sys.exit(1)
        browser.close()
    log("DONE", args.scenario, "screens scanned:", ", ".join(sorted(checks.scanned)))


if __name__ == "__main__":
    main()
