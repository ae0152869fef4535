"""What a discrepancy is about, in the reader's terms: the `summary` and `explanation` of
each worklist item (child, mother, certificate, household, region names)."""

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel
from sqlmodel import Session

from api.access.principal import Access
from api.crosscheck import subjects as loading
from api.crosscheck.explanation import explain
from api.crosscheck.subjects import Subjects, area_name, birth_day, id_beside_birth_date, parent_id
from api.crosscheck.tracking import present
from api.models import Birth, Discrepancy, HouseholdEntry, Marriage, Person
from api.models.discrepancy import DiscrepancyOut


class ChildSummary(BaseModel):
    """The child as one record has it."""

    name: str | None
    sex: str | None
    birth_date: date | None
    certificate_no: str | None
    id_number: str | None = None


class ParentSummary(BaseModel):
    """A parent named on a record (no birth date: the ID number is masked to 420202********1234)."""

    name: str | None
    id_number: str | None


class PersonSummary(BaseModel):
    """A person record a discrepancy names."""

    name: str
    sex: str
    birth_date: date
    id_number: str
    household_no: str | None
    household_region: str | None
    household_region_name: str | None
    marital_status: str | None
    status: str


class MarriageSummary(BaseModel):
    """A marriage-registry record a discrepancy names."""

    record_type: str
    certificate_no: str
    registered_on: date
    registry_region: str
    registry_region_name: str | None
    parties: list[str]


class DiscrepancySummary(BaseModel):
    """The subjects' key facts: `child` as the medical birth record has it (or as
    registered, when there is none), `registered_child` as the household register has it."""

    region_name: str | None
    child: ChildSummary | None = None
    registered_child: ChildSummary | None = None
    mother: ParentSummary | None = None
    certificate_nos: list[str] = []
    household_no: str | None = None
    household_region: str | None = None
    household_region_name: str | None = None
    birth_region: str | None = None
    birth_region_name: str | None = None
    persons: list[PersonSummary] = []
    marriage: MarriageSummary | None = None


class DiscrepancyView(DiscrepancyOut):
    """A discrepancy as one reader sees it: with its summary and explanation."""

    summary: DiscrepancySummary
    explanation: str


class DiscrepancyPage(BaseModel):
    """A page of the worklist, soonest due first."""

    items: list[DiscrepancyView]
    next_cursor: str | None


def _born(birth: Birth) -> ChildSummary:
    return ChildSummary(
        name=birth.child_name,
        sex=birth.child_sex,
        birth_date=birth_day(birth),
        certificate_no=birth.certificate_no,
    )


def _registered(entry: HouseholdEntry, access: Access) -> ChildSummary:
    return ChildSummary(
        name=entry.person_name,
        sex=entry.person_sex,
        birth_date=entry.person_birth_date,
        certificate_no=entry.birth_certificate_no,
        id_number=id_beside_birth_date(entry.person_id_number, access),
    )


def _person(person: Person, access: Access) -> PersonSummary:
    return PersonSummary(
        name=person.name,
        sex=person.sex,
        birth_date=person.birth_date,
        id_number=id_beside_birth_date(person.id_number, access) or "",
        household_no=person.household_no,
        household_region=person.household_region,
        household_region_name=area_name(person.household_region),
        marital_status=person.marital_status,
        status=person.status,
    )


def _marriage(marriage: Marriage) -> MarriageSummary:
    return MarriageSummary(
        record_type=marriage.record_type,
        certificate_no=marriage.certificate_no,
        registered_on=marriage.registered_on,
        registry_region=marriage.registry_region,
        registry_region_name=area_name(marriage.registry_region),
        parties=[marriage.party_a_name, marriage.party_b_name],
    )


def summarize(row: Discrepancy, subjects: Subjects, access: Access) -> DiscrepancySummary:
    """The key facts of the records `row` names, cut to what `access` may see."""
    births = subjects.of(row, "births")
    entries = subjects.of(row, "household-entries")
    summary = DiscrepancySummary(region_name=area_name(row.region))
    certificates = [b.certificate_no for b in births]
    if births:
        birth = births[0]
        summary.child = _born(birth)
        summary.mother = ParentSummary(
            name=birth.mother_name, id_number=parent_id(birth.mother_id_number, access)
        )
        summary.birth_region, summary.birth_region_name = (
            birth.birth_region,
            area_name(birth.birth_region),
        )
    if entries:
        entry = entries[0]
        summary.registered_child = _registered(entry, access)
        summary.child = summary.child or summary.registered_child
        if summary.mother is None and entry.mother_id_number:
            summary.mother = ParentSummary(
                name=subjects.mother_names.get(entry.mother_id_number),
                id_number=parent_id(entry.mother_id_number, access),
            )
        summary.household_no = entry.household_no
        summary.household_region = entry.household_region
        summary.household_region_name = area_name(entry.household_region)
        certificates.append(entry.birth_certificate_no or "")
    summary.certificate_nos = list(dict.fromkeys(c for c in certificates if c))
    summary.persons = [_person(p, access) for p in subjects.of(row, "persons")]
    marriages = subjects.of(row, "marriages")
    summary.marriage = _marriage(marriages[0]) if marriages else None
    if summary.persons and summary.household_no is None:
        first = summary.persons[0]
        summary.household_no = first.household_no
        summary.household_region = first.household_region
        summary.household_region_name = first.household_region_name
    return summary


def views_with(
    rows: Sequence[Discrepancy], subjects: Subjects, access: Access
) -> list[DiscrepancyView]:
    """The rows as `access` sees them, from subjects already loaded."""
    return [
        DiscrepancyView.model_validate(
            {
                **present(row),
                "summary": summarize(row, subjects, access),
                "explanation": explain(row, subjects, access),
            }
        )
        for row in rows
    ]


def views(session: Session, rows: Sequence[Discrepancy], access: Access) -> list[DiscrepancyView]:
    """The rows as `access` sees them (their subject records loaded in a few queries)."""
    return views_with(rows, loading.load(session, rows, access), access)
