"""The register's imports (docs/providers.md, "Register") through ``core.bulkload``: UTF-8 CSV with a
header in any column order, upsert by key, every bad row kept with a reason code, all-or-nothing,
the same file twice changes nothing.

``osms providers import KIND FILE``: KIND is one of ``FILE_KINDS``; each names its columns, its key
and the references it checks (a licence, resource, founder or contract of a provider not in the
register is refused ``unknown_provider``). The providers file may leave out the bank account's
columns (``iban``, ``bank_bic``): the entries' stored accounts are then kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

from sqlalchemy.engine import Engine

from osms.core.bulkload import ImportResult, ImportSpec, Reference, run_import
from osms.core.errors import InvalidInput
from osms.providers import checks
from osms.providers.models import (
    FundEmployee,
    Provider,
    ProviderContractHistory,
    ProviderFounder,
    ProviderLicence,
    ProviderResource,
)

_IN_REGISTER = Reference("provider_id", "provider", "provider_id", "unknown_provider", "not in the provider register")

#: The file kinds of ``osms providers import``, each with how it loads; ``ImportSpec.kind`` is the
#: kind of the import batch (``GET /api/v1/import-batches/{id}``).
SPECS: Final[dict[str, ImportSpec]] = {
    "providers": ImportSpec(
        kind="providers",
        columns=checks.PROVIDER_FILE_COLUMNS,
        check=checks.check_provider_file,
        table=Provider.__table__,  # type: ignore[arg-type]
        target_columns=checks.PROVIDER_FILE_COLUMNS,
        key=("provider_id",),
        optional=checks.PROVIDER_BANK_COLUMNS,
    ),
    "licences": ImportSpec(
        kind="provider_licences",
        columns=checks.LICENCE_COLUMNS,
        check=checks.check_licence,
        table=ProviderLicence.__table__,  # type: ignore[arg-type]
        target_columns=checks.LICENCE_COLUMNS,
        key=("provider_id", "care_type", "licensed_from"),
        references=(_IN_REGISTER,),
    ),
    "resources": ImportSpec(
        kind="provider_resources",
        columns=checks.RESOURCE_COLUMNS,
        check=checks.check_resource,
        table=ProviderResource.__table__,  # type: ignore[arg-type]
        target_columns=checks.RESOURCE_COLUMNS,
        key=("provider_id", "resource"),
        references=(_IN_REGISTER,),
    ),
    "founders": ImportSpec(
        kind="provider_founders",
        columns=checks.FOUNDER_COLUMNS,
        check=checks.check_founder,
        table=ProviderFounder.__table__,  # type: ignore[arg-type]
        target_columns=checks.FOUNDER_COLUMNS,
        key=("provider_id", "iin"),
        references=(_IN_REGISTER,),
    ),
    "fund-employees": ImportSpec(
        kind="fund_employees",
        columns=checks.FUND_EMPLOYEE_COLUMNS,
        check=checks.check_fund_employee,
        table=FundEmployee.__table__,  # type: ignore[arg-type]
        target_columns=checks.FUND_EMPLOYEE_COLUMNS,
        key=("iin", "valid_from"),
    ),
    "contract-history": ImportSpec(
        kind="contract_history",
        columns=checks.CONTRACT_COLUMNS,
        check=checks.check_contract,
        table=ProviderContractHistory.__table__,  # type: ignore[arg-type]
        target_columns=checks.CONTRACT_COLUMNS,
        key=("contract_id",),
        references=(_IN_REGISTER,),
    ),
}
FILE_KINDS: Final = tuple(SPECS)


def import_file(
    engine: Engine,
    kind: str,
    path: Path,
    *,
    rejects_file: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one of the register's CSV files (``kind`` one of ``FILE_KINDS``) in one transaction."""
    if kind not in SPECS:
        raise InvalidInput(
            f"unknown register file kind {kind!r}; one of {', '.join(FILE_KINDS)}", code="unknown_file_kind"
        )
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}", code="no_file")
    return run_import(engine, SPECS[kind], path, rejects_file=rejects_file, progress=progress)
