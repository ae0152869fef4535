"""`vitalx serve` (the API, with one cross-check worker beside it) and `vitalx migrate`."""

import subprocess
import sys
import threading
from typing import Annotated

import typer
from rich.console import Console

console = Console()
# The worker as a process of its own (never a thread of the API): `vitalx worker`.
WORKER_COMMAND = (sys.executable, "-c", "from api.cli.main import app; app()", "worker")
RESTART_DELAY_SECONDS = 5.0
STOP_GRACE_SECONDS = 15.0


class WorkerProcess:
    """One `vitalx worker` child process, restarted if it dies while the API runs."""

    def __init__(self, command: tuple[str, ...] = WORKER_COMMAND) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch = threading.Thread(target=self._keep_alive, name="worker-watch", daemon=True)

    def start(self) -> None:
        """Start the worker and the thread that restarts it."""
        self.process = subprocess.Popen(self.command)
        self._watch.start()

    def _keep_alive(self) -> None:
        while not self._stopping.is_set():
            process = self.process
            if process is not None and process.poll() is not None:
                code = process.returncode
                console.print(f"[yellow]cross-check worker exited ({code}); restarting[/yellow]")
                if self._stopping.wait(RESTART_DELAY_SECONDS):
                    return
                self.process = subprocess.Popen(self.command)
            self._stopping.wait(1.0)

    def stop(self) -> None:
        """Ask the worker to stop (it gives a run in progress back to the queue)."""
        self._stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    no_worker: Annotated[
        bool,
        typer.Option(
            "--no-worker",
            help="Do not start a cross-check worker beside the API (run `vitalx worker`).",
        ),
    ] = False,
) -> None:
    """Run the API server, and one cross-check worker process beside it."""
    import uvicorn

    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    console.print(f"[bold]vitalx[/bold] on {base}")
    console.print(f"  API docs  {base}/docs")
    console.print(f"  portal    {base}/portal/")
    worker = None if no_worker else WorkerProcess()
    if worker is not None:
        worker.start()
        console.print("  cross-check worker started (--no-worker to run it elsewhere)")
    try:
        # An import string with factory=True, so that each worker builds its own app.
        uvicorn.run(
            "api.app:create_served_app", factory=True, host=host, port=port, workers=workers
        )
    finally:
        if worker is not None:
            worker.stop()


def migrate() -> None:
    """Upgrade the configured database to the newest schema."""
    from api.config import get_settings
    from api.migrate import head_revision, upgrade

    url = get_settings().database_url
    with console.status("Migrating the database…"):
        upgrade(url)
    console.print(f"[green]Database at revision {head_revision()}.[/green]")


def register(app: typer.Typer) -> None:
    """Add `serve` and `migrate` to the command line."""
    app.command("serve")(serve)
    app.command("migrate")(migrate)
