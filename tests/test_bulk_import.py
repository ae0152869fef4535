"""The bulk NDJSON import service (api/bulk_import.py, api/bulk/) and `vitalx import`."""

import asyncio
import getpass
import json
from collections.abc import AsyncIterator, Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.access.policy import DEPARTMENT_PURPOSES, Department, Scope
from api.access.principal import Access, Principal
from api.bulk import fast_path
from api.bulk import importer as bulk_import
from api.bulk.importer import (
    ImportInterrupted,
    import_ndjson,
    kind_for,
    prepare_batch,
    store_prepared,
)
from api.bulk.lines import Line, LineSplitter
from api.bulk.outcome import MAX_REPORTED_LINES, BatchOutcome, ImportSummary, LineError
from api.bulk.row_path import replacement_patch
from api.cli.main import app as cli
from api.config import Settings
from api.errors import FieldError
from api.models import AuditEvent, Birth, RecordVersion
from api.records.core import snapshot
from api.records.registries.births import BIRTHS
from tests.factories import birth_body, person_ref


def access(region: str = "420200") -> Access:
    principal = Principal(
        subject="maternal-health-test",
        actor_type="client",
        department=Department.MATERNAL_HEALTH,
        region=region,
        scopes=frozenset({Scope.BIRTHS_WRITE}),
        purposes=DEPARTMENT_PURPOSES[Department.MATERNAL_HEALTH],
        jti="test",
    )
    return Access(principal, principal.purposes[0])


def split(*chunks: bytes, limit: int = 1024) -> list[Line]:
    splitter = LineSplitter(max_line_bytes=limit)
    lines = [line for chunk in chunks for line in splitter.feed(chunk)]
    return lines + splitter.close()


async def stream(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def ndjson(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


# -- splitting lines -----------------------------------------------------------------------


def test_lines_are_numbered_across_chunk_boundaries_and_blank_lines() -> None:
    lines = split(b'{"a"', b":1}\n\n", b"  \n{}\r", b'\n{"b":2}')

    assert lines == [Line(1, b'{"a":1}'), Line(4, b"{}"), Line(5, b'{"b":2}')]


def test_a_byte_order_mark_before_the_first_line_is_ignored() -> None:
    assert split(b"\xef\xbb\xbf{}\n") == [Line(1, b"{}")]


def test_an_overlong_line_is_reported_without_being_kept() -> None:
    lines = split(b"{" + b"x" * 600, b"y" * 600 + b"}\n{}\n", limit=1000)

    assert lines == [Line(1, None), Line(2, b"{}")]


def test_the_splitter_counts_the_bytes_it_read() -> None:
    splitter = LineSplitter()
    splitter.feed(b"{}\n{")
    splitter.feed(b"}")

    assert splitter.bytes_read == 5


# -- reporting -------------------------------------------------------------------------------


def test_the_summary_keeps_the_first_bad_lines_in_order_and_counts_all() -> None:
    summary = ImportSummary()
    bad = [LineError(n, [FieldError("body", "bad")]) for n in range(MAX_REPORTED_LINES + 5, 0, -1)]

    summary.add(BatchOutcome(received=len(bad), rejected=bad))

    assert summary.rejected == MAX_REPORTED_LINES + 5
    assert [e.line for e in summary.errors] == list(range(1, MAX_REPORTED_LINES + 1))
    assert summary.as_dict()["errors_truncated"] is True


def test_a_replacement_patch_removes_what_the_new_line_leaves_out() -> None:
    current = {"a": 1, "b": 2, "mother": {"id_number": "1", "name": "x", "extra": 3}}
    wanted = {"a": 1, "mother": {"id_number": "1", "name": "y"}}

    assert replacement_patch(current, wanted) == {
        "b": None,
        "a": 1,
        "mother": {"extra": None, "id_number": "1", "name": "y"},
    }


# -- preparing and storing -------------------------------------------------------------------


def test_preparing_checks_the_schema_and_the_jurisdiction_but_stores_nothing() -> None:
    lines = [
        Line(1, json.dumps(birth_body()).encode()),
        Line(2, json.dumps(birth_body(birth_region="420102")).encode()),
        Line(3, None),
    ]

    good, bad = prepare_batch(BIRTHS, access(), lines)

    assert [line.number for line in good] == [1]
    assert [(e.line, e.errors[0]["field"]) for e in bad] == [(2, "birth_region"), (3, "body")]


def test_batches_are_committed_one_by_one_and_keys_repeat_across_them(
    app: FastAPI, session: Session
) -> None:
    births = [birth_body() for _ in range(5)]
    changed = {**births[0], "child_name": "王小明"}
    data = ndjson([*births, births[1], changed])

    summary = asyncio.run(
        import_ndjson(
            stream(data), engine=app.state.engine, kind=BIRTHS, access=access(), batch_size=2
        )
    )

    assert (summary.received, summary.created, summary.unchanged, summary.updated) == (7, 5, 1, 1)
    assert summary.batches == 4
    audits = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).all()
    assert len(audits) == 4


def test_a_stored_version_is_the_snapshot_of_the_stored_record(
    app: FastAPI, session: Session
) -> None:
    birth = birth_body(father=person_ref("male", date(1990, 1, 1)), child_name="王小明")
    good, bad = prepare_batch(BIRTHS, access(), [Line(1, json.dumps(birth).encode())])
    assert bad == [], bad

    store_prepared(app.state.engine, BIRTHS, access(), (good, bad))

    stored = session.exec(select(Birth)).one()
    version = session.exec(select(RecordVersion)).one()
    assert version.data == snapshot(stored)
    assert (version.record_id, version.version, version.action) == (stored.id, 1, "create")


def test_a_batch_that_loses_a_race_for_a_new_key_is_tried_again(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    birth = birth_body()
    prepared = prepare_batch(BIRTHS, access(), [Line(1, json.dumps(birth).encode())])
    store_prepared(app.state.engine, BIRTHS, access(), prepared)
    real_existing = fast_path._existing
    calls: list[int] = []

    def stale_first(*args: Any) -> Any:
        calls.append(1)
        # The first look-up misses the record, as if another import committed it just after.
        return {} if len(calls) == 1 else real_existing(*args)

    monkeypatch.setattr(fast_path, "_existing", stale_first)

    outcome = store_prepared(app.state.engine, BIRTHS, access(), prepared)

    assert (outcome.created, outcome.unchanged, len(calls)) == (0, 1, 2)
    assert len(session.exec(select(Birth)).all()) == 1


def test_the_importable_resources_all_have_a_registry() -> None:
    assert all(kind_for(r) is not None for r in bulk_import.IMPORTABLE)
    assert kind_for("certificates") is None


# -- vitalx import ----------------------------------------------------------------------------

runner = CliRunner()


def test_vitalx_import_stores_a_file_and_is_audited_as_the_operating_system_user(
    env_settings: Settings, app: FastAPI, tmp_path: Path
) -> None:
    path = tmp_path / "births.ndjson"
    path.write_bytes(ndjson(birth_body(birth_region=r) for r in ("420202", "110101", "650102")))

    result = runner.invoke(cli, ["import", "births", str(path), "--json"])

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert (answer["created"], answer["rejected"]) == (3, 0)
    with Session(app.state.engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "import")).one()
        sources = set(session.exec(select(Birth.source)).all())
    assert (audit.actor, audit.department, audit.purpose) == (
        f"cli:{getpass.getuser()}",
        "admin",
        "birth-registration",
    )
    assert sources == {"admin"}


def test_vitalx_import_lists_rejected_lines_and_exits_1(
    env_settings: Settings, app: FastAPI, tmp_path: Path
) -> None:
    path = tmp_path / "births.ndjson"
    path.write_bytes(ndjson([birth_body(), birth_body(child_sex="boy")]))

    result = runner.invoke(cli, ["import", "births", str(path), "--batch-size", "1"])

    assert result.exit_code == 1
    assert "line 2" in result.stdout
    assert "child_sex" in result.stdout


def test_vitalx_import_refuses_an_unknown_resource(env_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_bytes(b"{}\n")

    result = runner.invoke(cli, ["import", "certificates", str(path)])

    assert result.exit_code == 2
    assert "births" in result.output


def test_unchanged_lines_of_a_void_record_stay_unchanged(app: FastAPI, session: Session) -> None:
    birth = birth_body()
    prepared = prepare_batch(BIRTHS, access(), [Line(1, json.dumps(birth).encode())])
    store_prepared(app.state.engine, BIRTHS, access(), prepared)
    with Session(app.state.engine) as other:
        stored = other.exec(select(Birth)).one()
        stored.voided_at = stored.updated_at
        other.add(stored)
        other.commit()

    outcome = store_prepared(app.state.engine, BIRTHS, access(), prepared)

    assert outcome.unchanged == 1
    assert session.exec(select(col(Birth.version))).one() == 1


def test_an_import_stopped_by_the_database_keeps_the_batches_it_committed(
    app: FastAPI, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_store = bulk_import.store_prepared
    calls: list[int] = []

    def fail_second(*args: Any) -> BatchOutcome:
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("INSERT", None, Exception("server closed the connection"))
        return real_store(*args)

    monkeypatch.setattr(bulk_import, "store_prepared", fail_second)
    data = ndjson(birth_body() for _ in range(3))

    with pytest.raises(ImportInterrupted) as stopped:
        asyncio.run(
            import_ndjson(
                stream(data), engine=app.state.engine, kind=BIRTHS, access=access(), batch_size=1
            )
        )

    assert (stopped.value.summary.received, stopped.value.summary.created) == (1, 1)
    assert len(session.exec(select(Birth)).all()) == 1


@pytest.mark.parametrize("escaped", ["\\u0000", "\\u001b", "\\u0085"])
def test_a_control_character_written_as_an_escape_is_refused_by_field(escaped: str) -> None:
    body = json.dumps(birth_body(child_name="x"), ensure_ascii=False)
    text = body.replace('"child_name": "x"', f'"child_name": "x{escaped}"').encode()
    good, bad = prepare_batch(BIRTHS, access(), [Line(1, text)])
    assert good == []
    assert [e["field"] for e in bad[0].errors] == ["child_name"]
