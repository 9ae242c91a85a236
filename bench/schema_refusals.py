"""Benchmark-style count: schema-valid requests the server refuses for what the schema could state.

The OpenAPI document should state the constraints the server enforces (IIN pattern,
enums, bounds). This builds the app on a fresh migrated SQLite database with a small synthetic
country (``osms demo``'s loading: registry, 24 months of registers, clinics and attachments) and
one login per role bound to real rows (a parent, an employer that paid, the parent's clinic: as
``osms demo``), then has schemathesis generate ``--examples`` schema-valid requests for EVERY
operation under /api/v1 and /fhir, as every role. In every other request the bound identifiers
replace the generated ones (the path's or body's IIN: the role's own person, a person of its
clinic, an employee; ``clinic_id``; the payroll's ``employer``), so that authorization passes where
it should and the request reaches the checks behind it. A role whose answers to an operation are
all 401/403 may not call it and is left out of the table.

A 422 counts as a refusal when its code is one the schema could have stated
(``osms.core.openapi.stateable``: not an IIN's check digit or date, not a date outside the
rulebook...). Prints a table (operation, role, requests, refusals by code), then one JSON line.

    uv run python bench/schema_refusals.py [--examples 300] [--people 300] [--seed 7] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from rich.console import Console
from rich.table import Table
from sqlalchemy import select

from osms.core import migrate
from osms.core.db import make_engine, unit_of_work
from osms.core.models import User
from osms.core.openapi import error_code, stateable
from osms.core.security import create_token

console = Console(stderr=True)
ROLES = ("operator", "auditor", "clinic", "citizen", "employer")


def build(workdir: Path, people: int, seed: int) -> tuple[str, dict[str, dict[str, Any]]]:
    """A migrated SQLite database with a synthetic country and the demo's logins; per role its
    bearer token and the identifiers it is bound to."""
    from osms.attachment.models import Attachment
    from osms.contributions.models import Payment
    from osms.demo import demo_logins, load_country
    from osms.registry.models import Person

    url = f"sqlite:///{workdir / 'schema_refusals.sqlite'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    load_country(engine, people, seed, workdir / "country")
    demo_logins(engine)
    roles: dict[str, dict[str, Any]] = {}
    with unit_of_work(engine) as session:
        anyone = session.scalar(select(Person.iin).where(Person.death_date.is_(None)).order_by(Person.iin))
        for role in ROLES:
            user = session.scalar(select(User).where(User.username == role))
            if user is None:
                console.print(f"[yellow]no {role} login in this country: left out[/]")
                continue
            bound: dict[str, Any] = {"token": create_token(session, user, "schema_refusals"), "iin": anyone}
            if role == "citizen":
                bound["iin"] = user.iin
            elif role == "clinic":
                bound["clinic_id"] = user.provider_id
                bound["iin"] = (
                    session.scalar(select(Attachment.iin).where(Attachment.clinic_id == user.provider_id).limit(1))
                    or anyone
                )
            elif role == "employer":
                bound["employer"] = user.bin
                employee = select(Payment.iin).where(Payment.payer_id == user.bin).limit(1)
                bound["iin"] = session.scalar(employee) or anyone
            roles[role] = bound
    engine.dispose()
    return url, roles


def bind(case: Any, bound: dict[str, Any]) -> None:
    """Put the role's own identifiers in place of the generated ones."""
    path = case.path_parameters or {}
    if "iin" in path:
        path["iin"] = bound["iin"]
    if "clinic_id" in path and "clinic_id" in bound:
        path["clinic_id"] = bound["clinic_id"]
    query = case.query if isinstance(case.query, dict) else None
    if query is not None:
        if "employer" in bound:
            query["employer"] = bound["employer"]
        if "beneficiary:identifier" in query:
            query["beneficiary:identifier"] = f"{query['beneficiary:identifier'].partition('|')[0]}|{bound['iin']}"
    body = case.body
    if isinstance(body, dict):
        if "iin" in body:
            body["iin"] = bound["iin"]
        if "clinic_id" in body and "clinic_id" in bound:
            body["clinic_id"] = bound["clinic_id"]
        if isinstance(body.get("iins"), list) and body["iins"]:
            body["iins"][0] = bound["iin"]


def measure(
    operation: Any, bound: dict[str, Any], examples: int, samples: dict[str, str]
) -> tuple[int, Counter[str], Counter[int]]:
    """Requests sent, stateable refusals by code, answers by status; ``samples`` gets the first
    request and answer of each refusal code."""
    headers = {"Authorization": f"Bearer {bound['token']}"}
    refusals: Counter[str] = Counter()
    statuses: Counter[int] = Counter()

    @given(case=operation.as_strategy())
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        if sum(statuses.values()) % 2:
            bind(case, bound)
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app raised: a server error
            statuses[500] += 1
            refusals[f"500 {type(exc).__name__}"] += 1
            return
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            key = f"server_error:{response.status_code}"
            refusals[key] += 1
            samples.setdefault(key, f"{case.method} {case.formatted_path} {case.query} {case.body}")
        if response.status_code == 422:
            try:
                code = error_code(response.json())
            except ValueError:
                code = None
            if stateable(code):
                refusals[str(code)] += 1
                sample = f"{case.method} {case.formatted_path} {case.query} -> {response.text[:240]}"
                samples.setdefault(str(code), sample)

    run()
    return sum(statuses.values()), refusals, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=300, help="examples per operation and role")
    parser.add_argument("--people", type=int, default=300, help="people in the synthetic country")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", default="", help="only the operations whose label contains this text")
    args = parser.parse_args()
    os.environ.setdefault("OSMS_SECRET_KEY", secrets.token_urlsafe(48))
    from osms.app import create_app

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="osms-schema-refusals-") as tmp:
        url, roles = build(Path(tmp), args.people, args.seed)
        app = create_app(url)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        rows: list[dict[str, Any]] = []
        samples: dict[str, str] = {}
        for result in schema.get_all_operations():
            operation = result.ok()
            if not operation.path.startswith(("/api/v1/", "/fhir/")) or args.only not in operation.label:
                continue
            for role, bound in roles.items():
                with console.status(f"{operation.label} as {role}"):
                    sent, refusals, statuses = measure(operation, bound, args.examples, samples)
                if statuses[401] + statuses[403] == sent:
                    continue  # the role may not call it
                rows.append({"operation": operation.label, "role": role, "requests": sent, "refusals": dict(refusals)})
        app.state.engine.dispose()
    seconds = time.perf_counter() - started

    table = Table(title=f"Schema-valid requests refused for what the schema could state ({args.examples} examples)")
    table.add_column("operation")
    table.add_column("role")
    table.add_column("requests", justify="right")
    table.add_column("refusals by code")
    for row in rows:
        refused = ", ".join(f"{code} {n}" for code, n in sorted(row["refusals"].items())) or "0"
        table.add_row(row["operation"], row["role"], f"{row['requests']:,}", refused)
    Console(width=160).print(table)
    for code, sample in sorted(samples.items()):
        console.print(f"{code}: {sample}", markup=False, highlight=False)
    requests = sum(r["requests"] for r in rows)
    refused_total = sum(sum(r["refusals"].values()) for r in rows)
    print(
        json.dumps(
            {
                "examples": args.examples,
                "people": args.people,
                "operations_roles": len(rows),
                "requests": requests,
                "refused": refused_total,
                "seconds": round(seconds, 1),
                "python": sys.version.split()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
