"""Generate the synthetic country and write it as CSV files (see docs/synth.md).

One ``random.Random(seed)`` drives everything, in a fixed order, so the same people count,
seed and dates give byte-identical files. People are held in flat arrays (one slot per
person, dates as ordinals) and rows are streamed to ``csv.writer``: a million people fit in
a few hundred megabytes and well under a minute.

The country is built in ``synth.country`` and written by ``synth.files``; the payment registers
(``synth.registers``) are read back from the files.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from osms.core.progress import Reporter, Silent
from osms.synth.country import Country, SynthConfig
from osms.synth.files import write_files
from osms.synth.registers import RegistersResult, write_registers
from osms.synth.rules import COLUMNS, GENERATOR_VERSION

__all__ = ["SynthResult", "generate"]


@dataclass
class SynthResult:
    rows: dict[str, int]
    seconds: float
    manifest: dict[str, Any] = field(default_factory=dict)
    registers: RegistersResult | None = None


def generate(config: SynthConfig, out_dir: Path, reporter: Reporter | None = None) -> SynthResult:
    """Generate the country for ``config`` into ``out_dir`` (created if missing)."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    rep = reporter or Silent()
    country = Country(config, rep)
    country.people()
    country.families()
    country.households()
    country.statuses()
    country.work()
    rows = write_files(country, out_dir)
    registers: RegistersResult | None = None
    if config.registers:
        # The registers are read back from the files; only the IE start dates are not in them.
        ie_start = {country.iins[p]: date.fromordinal(d) for p, d in enumerate(country.ie_from) if d}
        del country  # free the country's arrays first
        registers = write_registers(
            out_dir, seed=config.seed, as_of=config.as_of, months=config.registers, reporter=rep, ie_start=ie_start
        )
    seconds = round(time.perf_counter() - started, 3)
    manifest: dict[str, Any] = {
        "generator": "osms synth",
        "version": GENERATOR_VERSION,
        "seed": config.seed,
        "people": config.people,
        "as_of": config.as_of.isoformat(),
        "history_from": config.history_from.isoformat(),
        "files": {name: {"rows": rows[name], "columns": list(COLUMNS[name])} for name in COLUMNS},
    }
    if registers is not None:
        manifest["registers"] = registers.as_manifest()
    manifest["seconds"] = seconds
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return SynthResult(rows=rows, seconds=seconds, manifest=manifest, registers=registers)
