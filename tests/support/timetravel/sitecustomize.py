"""Time travel for a whole test run (``make test-clock``, issue 18).

Put this folder on ``PYTHONPATH`` and set ``TIME_TRAVEL_TO`` (an ISO moment) and every
Python process of the run (pytest, its xdist workers, and the chat, dev-server,
gunicorn and Lambda subprocesses the tests start) sees that moment as "now", with the
clock running on from there. Only the wall clock moves: ``time.monotonic`` and
``time.sleep`` stay real, so timeouts and timed waits keep working. (Debian's
libfaketime 0.9.10 cannot do this for Python 3.11: with a faked CLOCK_MONOTONIC every
timed wait blocks forever, and with FAKETIME_DONT_FAKE_MONOTONIC ``time.sleep`` fails
with EINVAL.) The variable has no HIPREST_ prefix on purpose: tests strip those from
the environments they hand to children.
"""

from __future__ import annotations

import os

_target = os.environ.get("TIME_TRAVEL_TO")
if _target:
    import time
    from datetime import datetime, timedelta

    import time_machine

    # One timeline for the whole run: the first process notes the real moment the run
    # began (children inherit it), and each process starts at the target plus the real
    # time elapsed since. Otherwise a server started five minutes into the run would be
    # five minutes behind the tests that sign requests for it.
    _began = os.environ.setdefault("TIME_TRAVEL_FROM", repr(time.time()))
    _dest = datetime.fromisoformat(_target) + timedelta(seconds=time.time() - float(_began))
    # tick=True: time runs on from there, as a real clock would.
    time_machine.travel(_dest, tick=True).start()
