"""The registry application as its users meet it: pages over HTTPS, accounts in its database.

Pages are asked for as an anonymous client on the host itself (127.0.0.1:443, the site's
name, the kit's CA), so the check sees what nginx and the application really serve.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.database import query
from security_profiles.checks.reader import Reader
from security_profiles.checks.tls import https_get, missing_ca

LOGIN = "/accounts/login/"
NOTICE_ID = "personal-data-notice"  # the element of login.html that holds the notice
# What the notice must say (word stems): personal data are processed, access is for
# authorised persons only, actions are recorded.
NOTICE_WORDS = ("персональн", "уполномоченн", "регистрир")
# A page of each part of the application (app_bundle/*/urls.py); the home page too.
PROTECTED = ("/", "/families/", "/minors/", "/plans/", "/audit/", "/analytics/", "/accounts/users/")
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})  # fmt: skip
# The application's accounts (app_bundle/accounts/models.py): external users are bound
# by check constraints, and no active account may slip past them.
BINDING_CONSTRAINTS = (
    "user_agency_required_for_specialist",
    "user_mo_required_for_municipal_officer",
)
BINDING_SQL = (
    "SELECT (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint"
    " WHERE conrelid = 'public.accounts_user'::regclass AND contype = 'c' AND convalidated),"
    " count(*) FILTER (WHERE u.role IN ('municipal', 'agency')),"
    " count(*) FILTER (WHERE (u.role = 'municipal' AND u.mo_id IS NULL)"
    " OR (u.role = 'agency' AND u.agency_id IS NULL)"
    " OR (u.role IN ('municipal', 'agency') AND a.mo_id IS DISTINCT FROM u.mo_id"
    " AND a.mo_id IS NOT NULL))"
    " FROM accounts_user u LEFT JOIN directory_agency a ON a.id = u.agency_id"
    " WHERE u.is_active"
)


def _site(context: HostContext) -> str:
    return context.var("regbank_public_name", context.name)


class _Page(HTMLParser):
    """The input fields of a page and the text of its personal-data notice."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict[str, str]] = []
        self.has_notice = False
        self._notice: list[str] = []
        self._open = 0  # elements open inside the notice; 0: outside it
        self.feed(html)
        self.close()

    @property
    def notice(self) -> str:
        return " ".join("".join(self._notice).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "input":
            self.inputs.append(values)
        if tag in _VOID:
            return
        if self._open:
            self._open += 1
        elif values.get("id") == NOTICE_ID:
            self.has_notice, self._open = True, 1

    def handle_endtag(self, tag: str) -> None:
        if self._open and tag not in _VOID:
            self._open -= 1

    def handle_data(self, data: str) -> None:
        if self._open:
            self._notice.append(data)


@check(
    "app_login_notice",
    measures=("ИАФ.5", "УПД.7"),
    title="Приложение: предупреждение об обработке ПДн на странице входа, пароль скрыт при вводе",
    expected=f"GET {LOGIN} через 127.0.0.1:443 по имени сайта (сертификат проверен по ca.crt): "
    f"200; на странице предупреждение (#{NOTICE_ID}) об обработке персональных данных, "
    'доступе только уполномоченных лиц и регистрации действий; поле пароля type="password"',
    role="registry_app",
    groups=("regional",),
)
def login_notice(reader: Reader, context: HostContext) -> Observed:
    if missing := missing_ca(reader):
        return missing
    answer = https_get(reader, _site(context), LOGIN)
    if answer.status != 200:
        return Observed(False, f"{LOGIN}: {answer.describe()}")
    page = _Page(answer.body)
    # An input without a type is a text field: the password would show as it is typed.
    kinds = [i.get("type", "text").lower() for i in page.inputs if i.get("name") == "password"]
    masked = bool(kinds) and all(kind == "password" for kind in kinds)
    absent = [word for word in NOTICE_WORDS if word not in page.notice.lower()]
    if not page.has_notice:
        notice = f"предупреждения (#{NOTICE_ID}) нет"
    else:
        notice = f"предупреждение «{page.notice[:120]}»" + (
            f" — не упомянуто: {', '.join(absent)}" if absent else ""
        )
    field = f"поле пароля type={','.join(kinds)}" if kinds else "поля пароля нет"
    observed = f"{LOGIN}: 200; {notice}; {field}"
    return Observed(page.has_notice and not absent and masked, observed)


@check(
    "app_requires_login",
    measures=("УПД.11",),
    title="Приложение: до входа доступна только страница входа",
    expected="анонимный GET через 127.0.0.1:443 по имени сайта к "
    + ", ".join(PROTECTED)
    + f" — перенаправление на {LOGIN}, ни одна страница не отдаётся",
    role="registry_app",
    groups=("regional",),
)
def requires_login(reader: Reader, context: HostContext) -> Observed:
    if missing := missing_ca(reader):
        return missing
    name, seen, passed = _site(context), [], True
    for path in PROTECTED:
        answer = https_get(reader, name, path)
        target = urlsplit(answer.headers.get("location", "")).path
        to_login = answer.status in REDIRECTS and target == LOGIN
        passed = passed and to_login
        seen.append(f"{path} → {answer.describe()}" + (f" {target}" if target else ""))
    return Observed(passed, "; ".join(seen))


@check(
    "app_external_users_bound",
    measures=("ИАФ.6",),
    title="Приложение: внешние пользователи привязаны к МО и субъекту профилактики",
    expected="в базе приложения действуют ограничения "
    + " и ".join(BINDING_CONSTRAINTS)
    + "; у каждой действующей учётной записи специалиста КДН и ЗП есть МО, у специалиста "
    "субъекта профилактики — субъект профилактики, и МО субъекта совпадает с МО учётной записи",
    role="registry_app",
    groups=("regional",),
)
def external_users_bound(reader: Reader, context: HostContext) -> Observed:
    database = context.var("registry_app_db_name", "regbank")
    rows = query(reader, BINDING_SQL, database=database)
    names, external, unbound = (rows[0] + ["", "", ""])[:3] if rows else ("", "", "")
    present = set(filter(None, names.split(",")))
    lacking = [name for name in BINDING_CONSTRAINTS if name not in present]
    observed = (
        f"ограничения: {', '.join(sorted(present)) or 'нет'}; действующих учётных записей "
        f"КДН и субъектов профилактики: {external or '?'}, без привязки: {unbound or '?'}"
    )
    return Observed(not lacking and unbound == "0", observed)
