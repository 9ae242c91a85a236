"""Bring the message catalogs in step with the sources, and fill translations from JSON files.

    uv run python scripts/i18n-sync.py [TRANSLATIONS.json ...]

1. extracts every marked string (``babel.cfg``) into ``messages.pot``;
2. updates the kk/ru/en catalogs (new ids added empty, unused ids dropped, no fuzzy matching);
3. for each JSON file given, ``{"<English msgid>": {"kk": "...", "ru": "..."}, ...}``, sets those
   translations (English is the msgid itself unless an ``"en"`` is given); a key
   ``"<context>\\x04<msgid>"`` addresses a message with a context;
4. lists the ids still untranslated per language.

The steps run under a lock file, so two people (or two agents) can run it at once.
See docs/i18n.md.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "src" / "osms" / "core" / "i18n" / "translations"
POT = TRANSLATIONS / "messages.pot"
LANGS = ("kk", "ru", "en")


def run(*args: str) -> None:
    subprocess.run(["pybabel", "-q", *args], cwd=ROOT, check=True)


def main(paths: list[str]) -> int:
    wanted: dict[str, dict[str, str]] = {}
    for path in paths:
        wanted.update(json.loads(Path(path).read_text(encoding="utf-8")))
    with (TRANSLATIONS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        run(
            "extract", "-F", "babel.cfg", "-k", "N_", "--no-location", "--sort-output", "-w", "100",
            "--project", "OSMS", "--version", "0.1.0", "--copyright-holder", "OSMS",
            "--msgid-bugs-address", "", "-o", str(POT.relative_to(ROOT)), ".",
        )  # fmt: skip
        run(
            "update", "-i", str(POT.relative_to(ROOT)), "-d", str(TRANSLATIONS.relative_to(ROOT)),
            "-D", "messages", "--ignore-obsolete", "--no-fuzzy-matching", "-w", "100",
        )  # fmt: skip
        missing = 0
        for lang in LANGS:
            path = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
            with path.open("rb") as f:
                catalog = read_po(f, locale=lang)
            for key, texts in wanted.items():
                context, _, msgid = key.rpartition("\x04")
                message = catalog.get(msgid, context or None)
                if message is None:
                    continue
                text = texts.get(lang) or (msgid if lang == "en" else None)
                if text:
                    message.string = text
                    message.flags.discard("fuzzy")
            untranslated = [m.id for m in catalog if m.id and not m.string]
            for msgid in untranslated:
                print(f"{lang}: untranslated: {msgid!r}", file=sys.stderr)
            missing += len(untranslated)
            with path.open("wb") as f:
                write_po(f, catalog, width=100, omit_header=False, ignore_obsolete=True)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
