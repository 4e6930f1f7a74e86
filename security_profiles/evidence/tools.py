"""The operator's list of protection tools (``regbank_protection_tools`` in group_vars/all).

Each entry: what the product is, which external slot or measures it covers, where it
runs, and its certificate. A lab stand-in says so (``lab_stand_in: true``) and has no
certificate. Read through Ansible with the rest of the inventory, so it may live in a
vault-encrypted file like any other variable.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, StringConstraints, ValidationError

from regbank_foundation.errors import RegbankError
from security_profiles.datafile import DataModel, key_name

VARIABLE = "regbank_protection_tools"
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Certificate(DataModel):
    number: Text  # № сертификата соответствия
    issued_by: Text = "ФСТЭК России"
    issued: date | None = None
    valid_until: date
    requirements: Text  # на соответствие чему (документ, уровень доверия, класс)


class ProtectionTool(DataModel):
    name: Text
    purpose: Text
    slot: str | None = None  # an external slot of the profile
    measures: list[str] = Field(default_factory=list)
    vendor: str | None = None
    version: str | None = None
    hosts: list[str] = Field(default_factory=lambda: ["all"])  # groups or hosts
    certificate: Certificate | None = None
    lab_stand_in: bool = False
    note: str | None = None


class ToolsError(RegbankError):
    pass


def parse_tools(value: Any) -> list[ProtectionTool]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ToolsError(f"{VARIABLE}: expected a list of protection tools")
    tools, problems = [], []
    for index, item in enumerate(value):
        try:
            tools.append(ProtectionTool.model_validate(item))
        except ValidationError as error:
            for e in error.errors():
                where = key_name((f"{VARIABLE}[{index}]", *e["loc"]))
                problems.append(f"  {where}: {e['msg']}")
    if problems:
        raise ToolsError("invalid protection tools list:\n" + "\n".join(problems))
    return tools
