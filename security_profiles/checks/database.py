"""PostgreSQL settings read from the server itself, in a read-only session."""

from security_profiles.checks import HostContext, Observed, check
from security_profiles.checks.reader import READ_ONLY_PG, NotInstalled, Reader

PACKAGE = "postgresql-15"
WEAK_METHODS = {"trust", "password", "md5"}
ANY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104 - what pg_hba must not open to


def query(reader: Reader, sql: str, database: str = "postgres") -> list[list[str]]:
    """Rows of a SHOW/SELECT run as the postgres user over the local socket."""
    reader.require_package(PACKAGE)
    output = reader.run(
        "runuser", "-u", "postgres", "--", "env", f"PGOPTIONS={READ_ONLY_PG}",
        "psql", "-XAtq", "-d", database, "-F", "\t", "-c", sql,
    )  # fmt: skip
    if not output.ok:
        raise NotInstalled(f"ответ PostgreSQL ({output.stderr.strip()[:120]})")
    return [line.split("\t") for line in output.stdout.splitlines()]


def settings(reader: Reader, *names: str) -> dict[str, str]:
    quoted = ", ".join(f"'{name}'" for name in names)
    sql = f"SELECT name, setting FROM pg_settings WHERE name IN ({quoted})"  # noqa: S608 - our names
    rows = query(reader, sql)
    return {row[0]: row[1] for row in rows}


@check(
    "postgresql_authentication",
    measures=("ИАФ.1", "УПД.3"),
    title="PostgreSQL: пароли scram-sha-256, удалённо только hostssl, нет входа для всех адресов",
    expected="password_encryption = scram-sha-256; в pg_hba нет trust/password/md5, "
    "нет строк host без SSL для внешних адресов, нет адреса 0.0.0.0/0 или ::/0",
    role="postgresql",
    groups=("regional",),
)
def authentication(reader: Reader, context: HostContext) -> Observed:
    encryption = settings(reader, "password_encryption").get("password_encryption", "?")
    rows = query(
        reader,
        "SELECT line_number, type, array_to_string(database, ','), "
        "array_to_string(user_name, ','), coalesce(address, ''), coalesce(netmask, ''), "
        "auth_method FROM pg_hba_file_rules WHERE error IS NULL",
    )
    problems = []
    for line, kind, _, _, address, netmask, method in rows:
        if method in WEAK_METHODS:
            problems.append(f"строка {line}: {method}")
        if kind == "host" and address not in ("127.0.0.1", "::1", ""):
            problems.append(f"строка {line}: host без SSL для {address}")
        if address in ANY_ADDRESS and netmask in (*ANY_ADDRESS, ""):
            problems.append(f"строка {line}: любой адрес")
        if address == "all":
            problems.append(f"строка {line}: любой адрес")
    observed = f"password_encryption {encryption}; строк pg_hba: {len(rows)}; " + (
        "; ".join(problems) or "нарушений нет"
    )
    return Observed(encryption == "scram-sha-256" and not problems, observed)


@check(
    "pgaudit_settings",
    measures=("РСБ.2", "РСБ.3"),
    title="PostgreSQL: pgaudit пишет DDL, роли и изменения ПДн без параметров",
    expected="pgaudit в shared_preload_libraries; pgaudit.log включает ddl и role; "
    "pgaudit.log_parameter = off; pgaudit.role = regbank_pgaudit",
    role="postgresql",
    groups=("regional",),
)
def pgaudit(reader: Reader, context: HostContext) -> Observed:
    values = settings(
        reader, "shared_preload_libraries", "pgaudit.log", "pgaudit.log_parameter", "pgaudit.role"
    )
    role = context.var("postgresql_pgaudit_role", "regbank_pgaudit")
    logged = {c.strip().lower() for c in values.get("pgaudit.log", "").split(",")}
    passed = (
        "pgaudit" in values.get("shared_preload_libraries", "")
        and ({"ddl", "role"} <= logged or "all" in logged)
        and values.get("pgaudit.log_parameter") == "off"
        and values.get("pgaudit.role") == role
    )
    observed = "; ".join(f"{key} = {value}" for key, value in values.items())
    return Observed(passed, observed)
