"""The QA insights report: ``analyze`` and ``sentiment`` outputs of many calls and messages
loaded into DuckDB tables (``load``), summarised there (``aggregates``, ``drivers``) and written
as one self-contained HTML page (``page``) or as CSV / JSON tables (``export``)."""
