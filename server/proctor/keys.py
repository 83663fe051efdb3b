"""Redis key names and the reply message format shared by the gateway and the workers."""

import pickle
import time

from proctor import wire

JOB_FUNCTION = "proctor.worker.jobs.run_chunk"
REPLY_TTL_S = 3600  # replies a gateway never takes (it is gone) expire this long after a chunk ends


def workers_zset(queue: str) -> str:
    """Workers serving `queue`; member: worker name, score: the time its registration lapses."""
    return f"proctor:{queue}:workers"


def worker_info(queue: str) -> str:
    """Hash: worker name -> JSON description of its sandbox pool."""
    return f"proctor:{queue}:worker_info"


def reply_key(gateway_id: str) -> str:
    """The list a gateway blocks on; workers push each finished item onto it."""
    return f"proctor:reply:{gateway_id}"


def chunk_key(queue: str, chunk_id: str) -> str:
    """A chunk's submissions, which its RQ job names instead of carrying: RQ would pickle and
    zlib-compress them on the gateway's path to the queue and again whenever the worker saves the
    job (about 9 % of both processes' CPU for a HumanEval batch, benchmarks/README.md)."""
    return f"proctor:{queue}:chunk:{chunk_id}"


def encode_chunk(items: list[dict]) -> bytes:
    """Pickled, as RQ stores its jobs (Redis is as trusted as RQ makes it): the quickest both
    ways (bench_pieces.py), without RQ's compression."""
    return pickle.dumps(items, pickle.HIGHEST_PROTOCOL)


def decode_chunk(raw: bytes) -> list[dict]:
    return pickle.loads(raw)


def encode_reply(request_id: str, index: int, *, result: dict | None = None, error: dict | None = None) -> bytes:
    return wire.dumps({"rid": request_id, "i": index, "result": result, "error": error, "at": time.time()})
