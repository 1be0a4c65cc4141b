"""The worker and sms processes: huey's consumer, started with the service's logging.

`python -m statuspage.tasks.consumer statuspage.tasks.huey --workers 2 -k thread`
takes huey_consumer's options, but builds the app first, which configures logging once for the
process (statuspage.core.logging_setup: LOG_LEVEL, LOG_FORMAT) before the consumer writes its first
line; huey_consumer's own logging options (-v, -q, -l, -S) are accepted and ignored. The app
built here is the one the tasks use (tasks.queues), and a bad setting stops the process at
start-up instead of in the first task.
"""

from __future__ import annotations

import sys

from huey.consumer_options import ConsumerConfig, OptionParserHandler
from huey.utils import load_class

from statuspage import create_worker_app


def main(argv: list[str] | None = None) -> None:
    parser = OptionParserHandler().get_option_parser()
    options, args = parser.parse_args(argv)
    if len(args) != 1:
        parser.error("give the import path of one Huey instance, e.g. statuspage.tasks.huey")
    config = ConsumerConfig(**{k: v for k, v in vars(options).items() if v is not None})
    config.validate()
    huey = load_class(args[0])
    create_worker_app()  # configures logging; statuspage.tasks.queues keeps it as the tasks' app
    huey.create_consumer(**config.values).run()


if __name__ == "__main__":
    main(sys.argv[1:])
