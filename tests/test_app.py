"""The application factories (api/app.py)."""

import gc
import os
import subprocess
import sys
from pathlib import Path

from api.app import create_served_app
from api.config import Settings


def test_a_served_worker_keeps_its_startup_objects_out_of_the_cycle_collector(
    env_settings: Settings,
) -> None:
    threshold = gc.get_threshold()
    app = None
    try:
        app = create_served_app()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] > threshold[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
        if app is not None:
            app.state.engine.dispose()


def test_a_new_process_can_read_records_built_from_rows_before_any_orm_query(
    tmp_path: Path,
) -> None:
    # Reads build records from Core rows (`with_person_ids`); their attributes work only
    # once the mappers are configured, which the factory does rather than a first query.
    script = (
        "from api.app import create_app\n"
        "from api.models import Birth\n"
        "app = create_app()\n"
        "print(Birth.model_construct(birth_region='420102').birth_region)\n"
        "app.state.database.close()\n"
    )
    env = {
        **os.environ,
        "VITALX_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "VITALX_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "420102"
