"""`python -m bench.profiled OUT.prof CLOCK MODULE [ARGS]`: `python -m MODULE` under cProfile.

CLOCK `cpu` charges each function the CPU time of the thread running it (time.thread_time), so
that waiting (a consumer poll, a database round trip) costs nothing and what remains is the work
a faster service must cut; `wall` is cProfile's default, where waiting shows. Either way only the
main thread is profiled: the consumer loop and its handler. The profile is written when the
module exits, including after SIGTERM (the services stop gracefully), never after SIGKILL.
"""

from __future__ import annotations

import cProfile
import runpy
import sys
import time


def main() -> int:
    out, clock, module, *rest = sys.argv[1:]
    sys.argv = [module, *rest]
    profile = cProfile.Profile(time.thread_time) if clock == "cpu" else cProfile.Profile()
    code = 0
    try:
        profile.runcall(runpy.run_module, module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 0
    finally:
        profile.dump_stats(out)
    return code


if __name__ == "__main__":
    sys.exit(main())
