"""Personal identifiers never reach a log: ID numbers and names are redacted in every record.

Log messages are written by developers, but their arguments and the exceptions they carry
hold what clients sent: a database error's detail names the key that clashed
(`Key (id_number)=(420202…)`), a traceback shows the values it was called with. A log
record factory, installed once per process, redacts 18-character ID numbers everywhere in
a record, and runs of Chinese characters (names) in its arguments and exception text,
before any handler formats it.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any, Final

__all__ = ["install_log_redaction", "redact", "redact_id_numbers"]

_ID_NUMBER: Final = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_CJK_RUN: Final = re.compile(
    "[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\U00031350-\U000323af"
    "\u00b7]+"
)
ID_NUMBER_MASK: Final = "[id-number]"
NAME_MASK: Final = "[name]"
_MARK = "_vitalx_redacting"


def redact_id_numbers(text: str) -> str:
    """`text` with every 18-character resident ID number replaced."""
    return _ID_NUMBER.sub(ID_NUMBER_MASK, text)


def redact(text: str) -> str:
    """`text` without ID numbers and without Chinese names (any run of CJK characters)."""
    return _CJK_RUN.sub(NAME_MASK, redact_id_numbers(text))


def _redacted_arg(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(str(value))


def _redact_record(record: logging.LogRecord) -> None:
    if isinstance(record.msg, str):
        record.msg = redact_id_numbers(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_redacted_arg(a) for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: _redacted_arg(v) for k, v in record.args.items()}
    if record.exc_info and record.exc_info[0] is not None and not record.exc_text:
        # Formatters use exc_text when it is set: they print this redacted copy.
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())


def install_log_redaction() -> None:
    """Redact identifiers in every log record this process creates (idempotent)."""
    previous: Callable[..., logging.LogRecord] = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
