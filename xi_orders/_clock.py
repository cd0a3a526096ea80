"""The time sources of pacing and retries, in one place so tests can replace them.

Everything that waits or measures a wait calls ``_clock.sleep`` / ``_clock.monotonic`` /
``_clock.wall`` through this module, never ``time`` or ``anyio`` directly.
"""

from __future__ import annotations

import time

import anyio

monotonic = time.monotonic
wall = time.time
sleep = anyio.sleep
