"""The worker and sms processes: huey's consumer, started with the service's logging, stopping
gracefully on SIGTERM.

`python -m statuspage.tasks.consumer statuspage.tasks.huey --workers 2 -k thread`
takes huey_consumer's options, but builds the app first, which configures logging once for the
process (statuspage.core.logging_setup: LOG_LEVEL, LOG_FORMAT) before the consumer writes its first
line; huey_consumer's own logging options (-v, -q, -l, -S) are accepted and ignored. The app
built here is the one the tasks use (tasks.queues), and a bad setting stops the process at
start-up instead of in the first task.

Stopping: SIGTERM (what systemd, honcho, Kubernetes and Heroku send) is graceful (huey's
`--graceful-signal TERM`, the default here). The consumer stops taking tasks from the queue
and sets core.shutdown, so the task in each worker thread finishes the step it is in (a
provider call in flight is answered and recorded), gives back the deliveries it claimed and did
not send, and enqueues the rest of its work again; a task dequeued after the signal is put
back unrun. The process then exits with status 0, normally within a second or two, and at
most within a provider's timeout and a database write. After STOP_TIMEOUT_SECONDS (`-t` to
change) it exits anyway, with status EXIT_UNFINISHED. A second SIGTERM stops at once, and so
does SIGINT (huey's other signal; honcho turns a Ctrl-C of `make run` into SIGTERM). Work
cut off either way is left as kill -9 leaves it: its leases run out, and a message a provider
accepted but that was not yet recorded may go out twice (README, "Stopping and restarting").
"""

from __future__ import annotations

import sys
from functools import partial

from huey import Huey
from huey.api import PeriodicTask, Task
from huey.consumer import Consumer
from huey.consumer_options import ConsumerConfig, OptionParserHandler
from huey.exceptions import CancelExecution
from huey.utils import load_class

from statuspage import create_worker_app
from statuspage.core import shutdown
from statuspage.delivery.heartbeats import start_heartbeat
from statuspage.tasks.queues import sms_huey

# How long a stopping consumer waits for its running tasks. Within it: one provider call
# (SENDGRID/TWILIO/WEBHOOK_TIMEOUT_SECONDS, 10 s) and the write of its outcome (3 s before it
# is journaled); below systemd's TimeoutStopSec (30 s in docs/deploy) and Kubernetes' default
# grace period (30 s), so the consumer always stops itself before it is killed.
STOP_TIMEOUT_SECONDS = 20.0
# Exit status when the running tasks did not finish within the timeout.
EXIT_UNFINISHED = 3
# The longest an idle worker thread waits between two looks at a queue that cannot block (the
# embedded SQLite queue; Redis hands a task over as it arrives). Huey's default, 10 s, reached
# after a minute of quiet, made the first publish after a quiet spell wait up to 10 s before
# anything was sent; two looks a second at an idle SQLite file cost nothing.
MAX_POLL_SECONDS = 0.5


class StoppingConsumer(Consumer):
    """huey's consumer, telling the tasks it runs (core.shutdown) when it is stopping."""

    def stop(self, graceful: bool = False) -> None:
        self.stop_flag.set()  # no thread takes another task from the queue...
        shutdown.request()  # ...and the running ones wind down
        super().stop(graceful=graceful)

    def unfinished(self) -> bool:
        """Whether a worker thread was still running a task when the consumer stopped."""
        return any(self.environment.is_alive(thread) for _, thread in self.worker_threads)


def put_back_when_stopping(queue: Huey, task: Task) -> None:
    """A task dequeued as the stop began: back into the queue for the next process, unrun.

    Periodic tasks are simply skipped: the next process's scheduler runs them again.
    """
    if not shutdown.requested():
        return
    if not isinstance(task, PeriodicTask):
        queue.enqueue(task)
    raise CancelExecution(retry=False)


def consumer_config(argv: list[str]) -> tuple[ConsumerConfig, str]:
    """huey_consumer's options with this service's defaults, and the queue's import path."""
    parser = OptionParserHandler().get_option_parser()
    options, args = parser.parse_args(argv)
    if len(args) != 1:
        parser.error("give the import path of one Huey instance, e.g. statuspage.tasks.huey")
    given = {k: v for k, v in vars(options).items() if v is not None}
    config = ConsumerConfig(**{"graceful_signal": "TERM", "max_delay": MAX_POLL_SECONDS,
                               "shutdown_timeout": STOP_TIMEOUT_SECONDS, **given})
    config.validate()
    return config, args[0]


def main(argv: list[str] | None = None) -> int:
    config, path = consumer_config(sys.argv[1:] if argv is None else argv)
    queue: Huey = load_class(path)
    # Configures logging; statuspage.tasks.queues keeps it as the tasks' app.
    app = create_worker_app()
    # The sms queue's consumer beats as `sms`, any other as `worker` (GET /metrics).
    start_heartbeat(app, "sms" if queue is sms_huey else "worker")
    queue.pre_execute("put_back_when_stopping")(partial(put_back_when_stopping, queue))
    consumer = StoppingConsumer(queue, **config.values)
    consumer.run()
    return EXIT_UNFINISHED if consumer.unfinished() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
