"""The regions of Kazakhstan by the codes the registry and the clinic register use (``KZ-AST``),
with their names in kk, ru and en: data in ``regions.yaml`` (source and codes there)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).with_name("regions.yaml")


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    kato: str
    kind: str  # "city" (of republican significance) or "oblast"
    kk: str
    ru: str
    en: str

    def name(self, lang: str) -> str:
        return {"kk": self.kk, "ru": self.ru}.get(lang, self.en)


@cache
def regions() -> dict[str, Region]:
    """Every region by its code, in the file's order."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return {row["code"]: Region(**row) for row in data["regions"]}


def region_name(lang: str | None, code: str | None) -> str:
    """The region's name in ``lang`` (``"ru", "KZ-AST"`` → ``город Астана``); an unknown code as it is."""
    if not code:
        return ""
    region = regions().get(code.strip())
    return region.name(lang or "kk") if region is not None else code
