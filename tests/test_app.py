"""The application factories (api/app.py)."""

import gc

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
