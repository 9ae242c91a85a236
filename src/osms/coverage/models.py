"""Coverage tables: entries in the register of pregnant women and what was decided on them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from osms.core.db import Base


class PregnancyEntry(Base):
    """An obstetrician's entry in the register of pregnant women (docs/status.md, seed 002).

    The category ``pregnant_nonworking`` is assigned within 3 working days of ``entered_on`` when no
    employer or agent payment was made for her in the 2 months before; ``decision`` records which.
    """

    __tablename__ = "pregnancy_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(String(12), ForeignKey("person.iin"), index=True)
    entered_on: Mapped[date] = mapped_column(Date)
    expected_delivery: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(24))  # assigned | refused_has_employer | refused_not_eligible
    category_from: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
