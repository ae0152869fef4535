"""Birth-service applications: submit, read, list, resubmit, and move through the statuses.

Services take the session first and never commit; the records core versions, announces
(`application.status_changed`) and audits every change in the request's transaction.
"""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from api.access.principal import Access
from api.applications import status as machine
from api.applications.checks import Facts, run_checks
from api.applications.kind import APPLICATIONS, from_row, to_row
from api.applications.messages import invalid_input
from api.certificates.issuing import end_certificate, issue_certificate
from api.errors import FieldError, Forbidden, PreconditionFailed
from api.models import BirthServiceApplication, RecordVersion
from api.models.birth_service_application import ApplicationIn
from api.models.birth_service_certificate import CertificateStatus
from api.pagination import Page
from api.records import core as records
from api.records.core import ListFilters, Row, merge_patch, snapshot
from api.validation import today_in_china


def _checks(session: Session, values: Row) -> list[dict[str, Any]]:
    return run_checks(
        session,
        Facts(
            applicant_id_number=values["applicant_id_number"],
            applicant_name=values["applicant_name"],
            spouse_id_number=values.get("spouse_id_number"),
            spouse_name=values.get("spouse_name"),
            marriage_certificate_no=values.get("marriage_certificate_no"),
            household_region=values["household_region"],
        ),
    )


def create_application(
    session: Session, *, body: ApplicationIn, access: Access
) -> BirthServiceApplication:
    """Submit an application: its checks run at once; an unknown applicant is accepted."""
    values = to_row(body)
    entry = machine.history_entry(access, None, machine.SUBMIT.target, [])
    extra = {
        "checks": _checks(session, values),
        "status": machine.SUBMIT.target.value,
        "status_history": [entry],
        "created_by": access.principal.subject[:64],
    }
    return records.create_record(session, APPLICATIONS, body=body, access=access, extra=extra)


def get_application(
    session: Session, application_id: str, *, access: Access
) -> BirthServiceApplication:
    """One application inside the caller's jurisdiction (404 outside it)."""
    return records.get_record(session, APPLICATIONS, application_id, access=access)


def list_applications(
    session: Session,
    *,
    access: Access,
    filters: ListFilters,
    channel: str | None,
    mine: bool,
    limit: int,
    cursor: str | None,
) -> Page[BirthServiceApplication]:
    """Applications in the caller's jurisdiction, oldest submission first."""
    equals: list[tuple[str, str]] = []
    if channel:
        equals.append(("channel", channel))
    if mine:
        equals.append(("created_by", access.principal.subject[:64]))
    filters = ListFilters(
        region=filters.region,
        date_from=filters.date_from,
        date_to=filters.date_to,
        status=filters.status,
        equals=tuple(equals),
    )
    return records.list_records(
        session, APPLICATIONS, access=access, filters=filters, limit=limit, cursor=cursor
    )


def application_history(
    session: Session, application_id: str, *, access: Access
) -> list[RecordVersion]:
    """Every version of an application, oldest first."""
    return records.record_history(session, APPLICATIONS, application_id, access=access)


def _locked(
    session: Session, application_id: str, access: Access, expected_version: int | None
) -> BirthServiceApplication:
    row = records.visible_record(session, APPLICATIONS, application_id, access, lock=True)
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"The application is at version {row.version}, not {expected_version}.",
            errors=[FieldError("If-Match", "stale version")],
        )
    return row


def resubmit_application(
    session: Session,
    application_id: str,
    *,
    expected_version: int,
    patch: Row,
    access: Access,
) -> BirthServiceApplication:
    """Correct an application sent back for correction, and submit it again (new checks)."""
    row = _locked(session, application_id, access, expected_version)
    machine.check_allowed(machine.RESUBMIT, row.status)
    try:
        body = ApplicationIn.model_validate(merge_patch(from_row(snapshot(row)), patch))
    except ValidationError as exc:
        raise invalid_input(exc.errors()) from None
    values = to_row(body)
    if not access.principal.can_see(values["household_region"]):
        raise Forbidden(
            "The household region is outside the caller's jurisdiction.",
            errors=[FieldError("household_region", "不在您的管辖范围内")],
        )
    changes = {
        **values,
        "checks": _checks(session, values),
        **machine.moved(machine.RESUBMIT, row.status, row.status_history, access, []),
    }
    records.apply_changes(session, APPLICATIONS, row, changes, access=access, action="resubmit")
    return row


@dataclass(frozen=True)
class Outcome:
    """An application after a transition, and a verification code if one was just issued."""

    application: BirthServiceApplication
    verification_code: str | None = None


def _move(
    session: Session,
    row: BirthServiceApplication,
    transition: machine.Transition,
    access: Access,
    reasons: list[str],
    extra: Row | None = None,
) -> None:
    changes = {**machine.moved(transition, row.status, row.status_history, access, reasons)}
    changes.update(extra or {})
    reason = "；".join(reasons)[:500] or None
    records.apply_changes(
        session, APPLICATIONS, row, changes, access=access, action=transition.action, reason=reason
    )


def _certify(
    session: Session,
    row: BirthServiceApplication,
    transition: machine.Transition,
    access: Access,
    reasons: list[str],
) -> Outcome:
    # A new certificate in force: its number and date on the application, its code answered.
    issued = issue_certificate(
        session, row, issued_by=access.principal.subject, today=today_in_china()
    )
    columns = {
        "certificate_no": issued.certificate.certificate_no,
        "issued_on": issued.certificate.issued_on,
    }
    _move(session, row, transition, access, reasons, columns)
    return Outcome(row, issued.code)


def issue(
    session: Session, application_id: str, *, access: Access, expected_version: int | None = None
) -> Outcome:
    """Issue the certificate of a submitted application; its code is in this answer only."""
    row = _locked(session, application_id, access, expected_version)
    machine.check_allowed(machine.ISSUE, row.status)
    return _certify(session, row, machine.ISSUE, access, [])


def reissue(
    session: Session,
    application_id: str,
    *,
    reason: str,
    access: Access,
    expected_version: int | None = None,
) -> Outcome:
    """Replace the certificate in force by a new one (new number and code): 补发."""
    row = _locked(session, application_id, access, expected_version)
    machine.check_allowed(machine.REISSUE, row.status)
    end_certificate(session, row, CertificateStatus.REPLACED, reason)
    return _certify(session, row, machine.REISSUE, access, [reason])


def request_correction(
    session: Session,
    application_id: str,
    *,
    reasons: list[str],
    access: Access,
    expected_version: int | None = None,
) -> Outcome:
    """Send a submitted application back for correction, with the reasons."""
    row = _locked(session, application_id, access, expected_version)
    _move(session, row, machine.REQUEST_CORRECTION, access, reasons)
    return Outcome(row)


def reject(
    session: Session,
    application_id: str,
    *,
    reason: str,
    access: Access,
    expected_version: int | None = None,
) -> Outcome:
    """Refuse registration, with the reason."""
    row = _locked(session, application_id, access, expected_version)
    _move(session, row, machine.REJECT, access, [reason])
    return Outcome(row)


def withdraw(
    session: Session,
    application_id: str,
    *,
    reason: str | None,
    access: Access,
    expected_version: int | None = None,
) -> Outcome:
    """Withdraw on the applicant's behalf; an issued certificate is revoked."""
    row = _locked(session, application_id, access, expected_version)
    machine.check_allowed(machine.WITHDRAW, row.status)
    if row.status == machine.ISSUE.target.value:
        end_certificate(session, row, CertificateStatus.REVOKED, reason)
    _move(session, row, machine.WITHDRAW, access, [reason] if reason else [])
    return Outcome(row)
