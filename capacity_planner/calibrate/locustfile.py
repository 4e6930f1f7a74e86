"""Load for `regbank calibrate`: the planner's request types against the registry app.

Run by the calibrate command as ``locust -f locustfile.py --headless -u N -r N``; all
settings come from the JSON file named by REGBANK_CALIBRATE_LOAD (never from argv:
it holds the passwords of the calibration accounts):

    {"host_header": null | "bank.region.local", "verify": true | false | "ca.crt",
     "out": "requests.jsonl",
     "types": {"read": {"rate": 5.0, "users": 10, "accounts": [{"username", "password"}]},
               "write": {...}, "analytics": {..., "query": "date_from=…&date_to=…"}}}

Each simulated user takes one request type and one account (round robin), logs in,
then sends requests of its type with exponential gaps (a Poisson stream per user,
so the sum is one too) at rate/users per second:

* read — a card (family or minor) of the account's scope, a card list, a search by
  surname: what an officer does between entries;
* write — a POST that changes data, without following the redirect (the page after
  it is a read): a new family card (with its registration) or an update of a card's
  notes; the CSRF token comes from the session's cookie;
* analytics — one of the analytics views for the configured period.

Every request is one JSON line in ``out``: end time, type, name, HTTP status, whether
it did what it should, milliseconds, and bytes on the wire (request line, headers and
body; status line, headers and the body as received, i.e. compressed when the server
compresses).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from html.parser import HTMLParser

from locust import HttpUser, events, task

SETTINGS = json.loads(open(os.environ["REGBANK_CALIBRATE_LOAD"], encoding="utf-8").read())  # noqa: SIM115
CARD_LINK = re.compile(r'href="/(families|minors)/([0-9a-f-]{36})/"')
ANALYTICS_LINK = re.compile(r'href="/analytics/([a-z0-9-]+)/"')
SKIP_ANALYTICS = {"report", "users"}
LOGIN_ATTEMPTS = 10
SURNAMES = ("Иванов", "Петров", "Смирнов", "Кузнецов", "Попов", "Соколов", "Морозов", "Волков")
STREETS = ("Ленина", "Мира", "Садовая", "Школьная", "Лесная", "Советская", "Молодёжная")


def _assignments():
    """(type, account) for each simulated user in turn: users split as configured."""
    slots = []
    for kind, spec in SETTINGS["types"].items():
        accounts = itertools.cycle(spec["accounts"])
        slots.extend((kind, next(accounts)) for _ in range(spec["users"]))
    return itertools.cycle(slots)


ASSIGNMENTS = _assignments()
OUT = open(SETTINGS["out"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - until exit


@events.quitting.add_listener
def _close(environment, **kwargs):
    OUT.close()


class FormParser(HTMLParser):
    """The fields of every <form method=post> of a page, with their initial values."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": {}, "required": set()}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
                else:
                    fields.setdefault(name, [])
            elif kind not in ("submit", "button", "file"):
                fields[name] = [a.get("value") or ""]
                self._form.setdefault("types", {})[name] = kind
            if "required" in a:
                self._form["required"].add(name)
        elif tag == "select" and name:
            self._select = name
            fields[name] = []
            self._form.setdefault("options", {})[name] = []
            if "required" in a:
                self._form["required"].add(name)
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._form["options"][self._select].append(value)
            if "selected" in a:
                fields[self._select] = [value]
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]
            if "required" in a:
                self._form["required"].add(name)

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def main_form(html: str) -> dict:
    """The page's form with the most fields (not the logout button's)."""
    parser = FormParser()
    parser.feed(html)
    if not parser.forms:
        raise ValueError("no POST form on the page")
    return max(parser.forms, key=lambda form: len(form["fields"]))


def filled(form: dict) -> dict[str, list[str]]:
    """The form's values with every empty required field given a plausible value."""
    data = {name: list(values) for name, values in form["fields"].items()}
    today = time.strftime("%Y-%m-%d")
    for name in form["required"]:
        if data.get(name) and data[name][0]:
            continue
        options = [o for o in form.get("options", {}).get(name, []) if o]
        kind = form.get("types", {}).get(name, "text")
        if options:
            data[name] = [options[0]]
        elif kind == "date" or name.endswith(("_on", "date")):
            data[name] = [today]
        elif kind == "tel" or "phone" in name:
            data[name] = ["+7 900 000-00-00"]
        else:
            data[name] = ["Калибровка нагрузки"]
    return data


def wire_bytes(response) -> int:
    request = response.request
    sent = len(f"{request.method} {request.path_url} HTTP/1.1\r\n".encode())
    sent += sum(len(f"{k}: {v}\r\n".encode()) for k, v in request.headers.items()) + 2
    body = request.body or b""
    sent += len(body.encode() if isinstance(body, str) else body)
    raw = response.raw
    received = len(f"HTTP/1.1 {response.status_code} {response.reason}\r\n".encode())
    received += sum(len(f"{k}: {v}\r\n".encode()) for k, v in raw.headers.items()) + 2
    try:
        received += raw.tell()  # body bytes as they came over the wire (compressed)
    except (AttributeError, OSError):
        received += len(response.content)
    return sent + received


class CalibrationUser(HttpUser):
    """One simulated officer: one request type, one account (see the module doc)."""

    def on_start(self):
        self.kind, self.account = next(ASSIGNMENTS)
        spec = SETTINGS["types"][self.kind]
        self.per_user_rate = spec["rate"] / spec["users"]
        self.next_start = time.monotonic()
        self.client.verify = SETTINGS.get("verify", True)
        self.client.headers["Accept-Encoding"] = "gzip, deflate"
        if SETTINGS.get("host_header"):
            self.client.headers["Host"] = SETTINGS["host_header"]
        self.origin = (
            f"https://{SETTINGS['host_header']}" if SETTINGS.get("host_header") else self.host
        ).rstrip("/")
        self.cards: list[tuple[str, str]] = []
        self.edit_forms: dict[str, dict] = {}
        self.login()
        getattr(self, f"prepare_{self.kind}")()
        self.next_start = time.monotonic()  # pace from now, not from before the login

    # --- plumbing -----------------------------------------------------------------------
    def wait_time(self):
        """Exponential gaps between request starts: a Poisson stream of this user's rate."""
        self.next_start += random.expovariate(self.per_user_rate)  # noqa: S311 - load timing
        return max(0.0, self.next_start - time.monotonic())

    def call(self, kind, name, method, path, ok_status=(200,), **kwargs):
        started = time.monotonic()
        with self.client.request(
            method, path, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            elapsed_ms = (time.monotonic() - started) * 1000
            ok = response.status_code in ok_status
            if ok:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
            record = {
                "t": time.time(),
                "type": kind,
                "name": name,
                "status": response.status_code,
                "ok": ok,
                "ms": round(elapsed_ms, 2),
                "wire": wire_bytes(response),
            }
            OUT.write(json.dumps(record) + "\n")
        return response

    def post(self, kind, name, path, data, ok_status=(302,)):
        token = self.client.cookies.get("csrftoken", "")
        return self.call(
            kind,
            name,
            "POST",
            path,
            ok_status=ok_status,
            data={**data, "csrfmiddlewaretoken": [token]},
            headers={"Referer": self.origin + path, "X-CSRFToken": token},
        )

    def login(self):
        # All users log in from this one address, as an office behind NAT does: nginx's
        # limit on login attempts answers 429 to a crowd, and a user tries again later.
        for _attempt in range(LOGIN_ATTEMPTS):
            page = self.call("login", "вход: форма", "GET", "/accounts/login/")
            form = main_form(page.text)
            data = {name: values for name, values in form["fields"].items()}
            data["username"] = [self.account["username"]]
            data["password"] = [self.account["password"]]
            response = self.post("login", "вход", "/accounts/login/", data)
            if response.status_code != 429:
                break
            time.sleep(random.uniform(3, 8))  # noqa: S311 - spread the retries
        if response.status_code != 302:
            raise RuntimeError(
                f"login as {self.account['username']} failed (HTTP {response.status_code})"
            )

    def find_cards(self, html: str) -> None:
        for kind, pk in CARD_LINK.findall(html):
            if (kind, pk) not in self.cards:
                self.cards.append((kind, pk))

    # --- read ---------------------------------------------------------------------------
    def prepare_read(self):
        for path in ("/families/", "/minors/"):
            self.find_cards(self.client.get(path).text)

    def do_read(self):
        choice = random.random()  # noqa: S311
        if self.cards and choice < 0.6:
            kind, pk = random.choice(self.cards)  # noqa: S311
            self.call("read", f"карточка ({kind})", "GET", f"/{kind}/{pk}/")
        elif choice < 0.8:
            kind = random.choice(("families", "minors"))  # noqa: S311
            response = self.call("read", f"список ({kind})", "GET", f"/{kind}/")
            self.find_cards(response.text)
        else:
            surname = random.choice(SURNAMES)  # noqa: S311
            self.call("read", "поиск по фамилии", "GET", f"/families/?name={surname}")

    # --- write --------------------------------------------------------------------------
    def prepare_write(self):
        self.create_form = main_form(self.client.get("/families/new/").text)
        self.find_cards(self.client.get("/families/").text)
        for _kind, pk in [c for c in self.cards if c[0] == "families"][:5]:
            page = self.client.get(f"/families/{pk}/edit/")
            if page.status_code == 200:
                self.edit_forms[pk] = filled(main_form(page.text))

    def do_write(self):
        if self.edit_forms and random.random() < 0.6:  # noqa: S311 - updates outnumber creates
            pk = random.choice(list(self.edit_forms))  # noqa: S311
            data = dict(self.edit_forms[pk])
            data["notes"] = [f"Отметка калибровки {uuid.uuid4().hex[:8]}"]
            self.post("write", "изменение карточки семьи", f"/families/{pk}/edit/", data)
            return
        data = filled(self.create_form)
        surname = random.choice(SURNAMES)  # noqa: S311
        data["family_name"] = [f"{surname}ы (калибровка {uuid.uuid4().hex[:6]})"]
        address = f"ул. {random.choice(STREETS)}, д. {random.randint(1, 200)}, кв. {random.randint(1, 300)}"  # noqa: S311, E501
        for name in ("address_registration", "address_actual"):
            if name in data:
                data[name] = [address]
        if "circumstances" in data:
            data["circumstances"] = ["Семья поставлена на учёт по представлению школы."]
        response = self.post("write", "новая карточка семьи", "/families/new/", data)
        match = re.search(r"/families/([0-9a-f-]{36})/", response.headers.get("Location", ""))
        if match and len(self.edit_forms) < 50:
            edit = {k: v for k, v in data.items() if not k.startswith("reg-")}
            self.edit_forms[match.group(1)] = edit

    # --- analytics ----------------------------------------------------------------------
    def prepare_analytics(self):
        index = self.client.get("/analytics/").text
        slugs = sorted(set(ANALYTICS_LINK.findall(index)) - SKIP_ANALYTICS)
        if not slugs:
            raise RuntimeError("no analytics views found at /analytics/")
        self.slugs = slugs
        self.query = SETTINGS["types"]["analytics"].get("query", "")

    def do_analytics(self):
        slug = random.choice(self.slugs)  # noqa: S311
        self.call("analytics", f"аналитика ({slug})", "GET", f"/analytics/{slug}/?{self.query}")

    @task
    def work(self):
        getattr(self, f"do_{self.kind}")()
