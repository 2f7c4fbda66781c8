"""Child process of the supervised local model: runs llama.cpp's HTTP server (xllamacpp) on 127.0.0.1.

Started by `assistant.llm.local_server.LocalLlamaServer`. Prints `READY <url>` once listening, then serves
until its stdin closes (the parent exited or stopped it) or it gets SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--alias", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--parallel", type=int, default=1)
    parser.add_argument(
        "--poll", type=int, default=0, help="llama.cpp busy-wait level 0-100 (0: sleep, for shared CPUs)"
    )
    args = parser.parse_args(argv)

    import xllamacpp as xlc

    params = xlc.CommonParams()
    params.model.path = args.model
    params.model_alias = {args.alias}  # a set of names: a bare string would become a set of its characters
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.n_ctx = args.ctx
    params.n_parallel = args.parallel
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.cpuparams.poll = args.poll
    params.cpuparams_batch.poll = args.poll
    params.cache_prompt = True
    params.warmup = True
    params.use_jinja = True
    server = xlc.Server(params)
    print(f"READY {server.listening_address}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        sys.stdin.read()  # blocks until the parent closes the pipe
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
