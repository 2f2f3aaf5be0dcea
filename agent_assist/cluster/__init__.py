"""``agent-assist analyze --cluster``: score a call archive on a Dask cluster.

The per-call work is the desktop's (``batch.analyze_one``), run on Dask workers that load the
models once each and redact every result before it leaves them. The client writes one
``<call_id>.jsonl`` per call (atomically), ``summary.csv``, ``failures.csv`` and the columnar
``calls.parquet`` / ``utterances.parquet``; a run started again skips the calls already done
for the same input checksum and config fingerprint.

Nothing here imports Dask or pyarrow at import time except ``client`` and ``tables``, which
only ``--cluster`` loads (the ``cluster`` extra).
"""
