"""`vitalx worker` whose linkage engine never returns: a worker to kill in the middle of a run.

Run as `python -m tests.cli.slow_worker` with the worker's VITALX_* environment.
"""

import time
from typing import Any

from api.cli.main import app
from api.crosscheck.linkage import engine


def _never_finishes(*inputs: Any, **options: Any) -> list[Any]:
    while True:
        time.sleep(1)


if __name__ == "__main__":
    engine.link = _never_finishes
    app(["worker", "--no-schedule"])
