"""The change feed as a service: commit order, jurisdiction, scopes, minimisation, cursors."""

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from api.access.policy import DEPARTMENT_PURPOSES, DEPARTMENT_SCOPES, Department
from api.access.principal import Access, Principal
from api.db import unit_of_work
from api.errors import InvalidInput
from api.journal import feed
from api.journal.append import PendingFeedEvent, pending
from api.models import AuditEvent, Person
from api.models.birth import BirthIn
from api.models.person import PersonIn
from api.models.ultrasound_exam import UltrasoundExamIn
from api.records import core as records
from api.records.registries.births import BIRTHS
from api.records.registries.persons import PERSONS
from api.records.registries.ultrasound_exams import ULTRASOUND_EXAMS
from tests.factories import birth_body, person_body, ultrasound_exam_body

WUHAN = "420102"  # 武汉市江岸区, outside the Huangshi jurisdiction 420200


def access_for(department: str, region: str = "420200", *, staff: bool = False) -> Access:
    """An `Access` as the token dependency would build it."""
    dept = Department(department)
    principal = Principal(
        subject=f"{dept.value}-{region}",
        actor_type="user" if staff else "client",
        department=dept,
        region=region,
        scopes=frozenset(DEPARTMENT_SCOPES[dept]),
        purposes=DEPARTMENT_PURPOSES[dept],
        jti="test",
    )
    return Access(principal, principal.purposes[0])


MATERNAL_HEALTH = access_for("maternal_health", "000000")
PUBLIC_SECURITY = access_for("public_security", "000000")


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    """The test database's engine."""
    engine: Engine = app.state.engine
    return engine


def register_birth(engine: Engine, **overrides: Any) -> str:
    with unit_of_work(engine) as session:
        body = BirthIn.model_validate(birth_body(**overrides))
        return records.create_record(session, BIRTHS, body=body, access=MATERNAL_HEALTH).id


def register_exam(engine: Engine, **overrides: Any) -> str:
    with unit_of_work(engine) as session:
        body = UltrasoundExamIn.model_validate(ultrasound_exam_body(**overrides))
        return records.create_record(
            session, ULTRASOUND_EXAMS, body=body, access=MATERNAL_HEALTH
        ).id


def read(engine: Engine, access: Access, after: str | None = None, **kwargs: Any) -> feed.FeedPage:
    with unit_of_work(engine) as session:
        return feed.read_feed(
            session,
            access=access,
            after=after,
            types=kwargs.get("types", []),
            limit=kwargs.get("limit", 50),
        )


def test_events_come_in_commit_order_with_the_record_as_its_url_shows_it(
    engine: Engine,
) -> None:
    first = register_birth(engine)
    second = register_birth(engine, child_sex="male")
    with unit_of_work(engine) as session:
        records.void_record(session, BIRTHS, first, reason="重复", access=MATERNAL_HEALTH)
    page = read(engine, access_for("maternal_health"))
    assert [(i.event.type, i.event.record_id) for i in page.items] == [
        ("birth.registered", first),
        ("birth.registered", second),
        ("birth.voided", first),
    ]
    seqs = [i.event.seq for i in page.items]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    data = page.items[0].data
    assert data["id"] == first and data["version"] == 1
    assert data["birth_datetime"].endswith("+08:00")
    assert set(data["mother"]) == {"id_number", "name"}
    assert page.items[2].data["status"] == "void"


def test_a_subscriber_receives_only_its_jurisdiction(engine: Engine) -> None:
    inside = register_birth(engine)
    register_birth(engine, birth_region=WUHAN)
    assert [i.event.record_id for i in read(engine, access_for("public_security")).items] == [
        inside
    ]
    assert len(read(engine, access_for("public_security", "000000")).items) == 2


def test_data_is_cut_to_the_subscribers_purpose(engine: Engine) -> None:
    register_birth(engine)
    for_police = read(engine, access_for("public_security")).items[0].data
    # Withheld as at /v1/births/{id}: the clinical fields carry no value.
    assert for_police["birth_weight_g"] is None and for_police["gestational_weeks"] is None
    for_health = read(engine, access_for("health_commission")).items[0].data
    assert for_health["birth_weight_g"] == 3250
    staff = read(engine, access_for("admin", staff=True)).items[0].data
    assert "********" in staff["mother"]["id_number"]


@pytest.mark.parametrize(
    ("department", "resources"),
    [
        ("maternal_health", {"births", "ultrasound-exams", "persons"}),
        ("public_security", {"births", "persons"}),
        ("civil_affairs", {"persons"}),
        ("health_commission", {"births", "persons"}),
        ("admin", {"births", "persons"}),
    ],
)
def test_a_subscriber_receives_only_the_resources_its_scopes_read(
    engine: Engine, department: str, resources: set[str]
) -> None:
    register_birth(engine)
    register_exam(engine)
    with unit_of_work(engine) as session:
        records.create_record(
            session, PERSONS, body=PersonIn.model_validate(person_body()), access=PUBLIC_SECURITY
        )
    served = {i.event.resource for i in read(engine, access_for(department)).items}
    assert served == resources


def test_ultrasound_events_reach_only_maternal_health(engine: Engine) -> None:
    exam = register_exam(engine)
    items = read(engine, access_for("maternal_health"), types=["ultrasound_exam.recorded"]).items
    assert [i.event.record_id for i in items] == [exam]
    assert "fetal_sex" not in items[0].data
    assert items[0].data["examinee"]["id_number"]
    assert feed.readable_resources(access_for("admin").principal).count("ultrasound-exams") == 0


def test_types_select_event_types(engine: Engine) -> None:
    birth = register_birth(engine)
    with unit_of_work(engine) as session:
        records.void_record(session, BIRTHS, birth, reason="错误", access=MATERNAL_HEALTH)
    page = read(engine, access_for("public_security"), types=["birth.voided"])
    assert [i.event.type for i in page.items] == ["birth.voided"]


def test_paging_with_the_cursor_delivers_every_event_once(engine: Engine) -> None:
    ids = [register_birth(engine) for _ in range(5)]
    access = access_for("public_security")
    first = read(engine, access, limit=2)
    assert first.has_more
    second = read(engine, access, first.next_cursor, limit=2)
    third = read(engine, access, second.next_cursor, limit=2)
    served = [i.event.record_id for p in (first, second, third) for i in p.items]
    assert served == ids
    assert not third.has_more
    idle = read(engine, access, third.next_cursor)
    assert idle.items == [] and idle.next_cursor == third.next_cursor
    later = register_birth(engine)
    assert [i.event.record_id for i in read(engine, access, idle.next_cursor).items] == [later]


def test_a_sparse_subscriber_moves_past_events_it_cannot_read(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feed, "SCAN_LIMIT", 4)
    for _ in range(6):
        register_birth(engine, birth_region=WUHAN)
    mine = register_birth(engine)
    access = access_for("public_security")
    pages = [read(engine, access)]
    while pages[-1].has_more:
        pages.append(read(engine, access, pages[-1].next_cursor))
    assert [len(p.items) for p in pages] == [0, 1]
    assert pages[-1].items[0].event.record_id == mine


def test_one_query_per_page_filters_in_the_database(engine: Engine) -> None:
    for _ in range(30):
        register_birth(engine, birth_region=WUHAN)
    mine = register_birth(engine)
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "FROM feed_event" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        page = read(engine, access_for("public_security"), limit=5)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert [i.event.record_id for i in page.items] == [mine]
    assert len(seen) == 1
    assert "feed_event.region LIKE" in seen[0] and "LIMIT" in seen[0]


def test_reading_the_feed_is_audited_with_the_records_and_persons_served(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        mother = records.create_record(
            session, PERSONS, body=PersonIn.model_validate(person_body()), access=PUBLIC_SECURITY
        )
    birth = register_birth(engine, mother={"id_number": mother.id_number, "name": mother.name})
    read(engine, access_for("health_commission"), types=["birth.registered"])
    read(engine, access_for("health_commission"), types=["marriage.recorded"])
    with Session(engine) as session:
        reads = session.exec(select(AuditEvent).where(AuditEvent.resource == "feed")).all()
        assert len(reads) == 1  # an empty page serves no personal data
        assert reads[0].record_ids == [birth]
        assert reads[0].person_ids == [mother.id]
        assert session.get(Person, mother.id) is not None


def announce(engine: Engine, event_type: str, resource: str, data: dict[str, Any]) -> None:
    with unit_of_work(engine) as session:
        pending(session).feed.append(
            PendingFeedEvent(
                type=event_type, resource=resource, record_id="r-1", region="420202", data=data
            )
        )


def test_applications_are_announced_by_id_only(engine: Engine) -> None:
    announce(
        engine,
        "application.status_changed",
        "birth-service-applications",
        {"applicant_id_number": "420202199503040067", "status": "issued"},
    )
    items = read(engine, access_for("health_commission")).items
    assert [(i.event.type, i.data) for i in items] == [
        ("application.status_changed", {"id": "r-1"})
    ]
    assert read(engine, access_for("public_security")).items == []


def test_discrepancies_come_as_announced_to_crosscheck_readers_only(engine: Engine) -> None:
    shown = {"id": "r-1", "type": "BIRTH_NOT_REGISTERED", "status": "open"}
    announce(engine, "discrepancy.opened", "discrepancies", shown)
    assert [i.data for i in read(engine, access_for("health_commission")).items] == [shown]
    assert read(engine, access_for("public_security")).items == []


def test_events_of_resources_nobody_reads_are_never_served(engine: Engine) -> None:
    announce(engine, "secret.made", "secrets", {"id": "r-1"})
    assert read(engine, access_for("admin")).items == []


@pytest.mark.parametrize("cursor", ["garbage!", "WyJ4Il0", "Wy0xXQ"])
def test_a_cursor_the_service_did_not_issue_is_refused(engine: Engine, cursor: str) -> None:
    with pytest.raises(InvalidInput):
        read(engine, access_for("public_security"), cursor)
