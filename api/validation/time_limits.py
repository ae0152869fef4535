"""Legal time limits that more than one part of the service counts with."""

from typing import Final

REGISTRATION_DAYS: Final = 30
"""户口登记条例 §7: a newborn is registered within one month of birth."""
