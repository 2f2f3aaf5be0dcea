"""``agent-assist sentiment``: the real model on real, human-rated lines; input repair and
refusal; the echoed text redacted like every output."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from agent_assist import cli

pytestmark = pytest.mark.slow  # the command with its real model, some runs in child processes
EXAMPLES = Path(__file__).parents[1] / "data" / "sentiment_examples.csv"  # real, human-rated


def real_examples(label: str, n: int) -> list[str]:
    rows = csv.DictReader(EXAMPLES.open(encoding="utf-8"))
    return [r["text"] for r in rows if r["label"] == label][:n]


def test_sentiment_command_one_line_out_per_line_in(tmp_path, capsys):
    """Real model: each input line (an empty one too) gives one JSON line, in order."""
    lines = [*real_examples("negative", 2), "", *real_examples("positive", 2)]
    source = tmp_path / "chat.txt"
    source.write_text("\n".join(lines) + "\n")
    assert cli.main(["sentiment", str(source)]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["text"] for o in out] == lines
    valence = [o["scores"]["positive"] - o["scores"]["negative"] for o in out]
    assert max(valence[:2]) < min(valence[3:])
    assert set(out[0]["scores"]) == {"negative", "neutral", "positive"} and out[0]["emotion"]


def test_sentiment_command_csv_column(tmp_path, capsys):
    assert cli.main(["sentiment", str(EXAMPLES), "--column", "text"]) == 0
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [o["text"] for o in out] == [r["text"] for r in csv.DictReader(EXAMPLES.open())]
    assert cli.main(["sentiment", str(EXAMPLES), "--column", "nope"]) == 2
    assert "no column named 'nope'" in capsys.readouterr().err


# ---------------------------------------------------------------- input and echo

PII_LINE = "my card is 4111 1111 1111 1111 and my mail is jane.doe@example.com, this is awful"


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "agent_assist", *args],
        input=stdin,
        capture_output=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_sentiment_survives_bad_utf8_and_counts_the_lines(tmp_path, capsys):
    source = tmp_path / "survey.txt"
    source.write_bytes(b"great service\nterrible \xff\xfe wait\nfine\n\xc3(\n")
    assert cli.main(["sentiment", str(source)]) == 0
    captured = capsys.readouterr()
    texts = [json.loads(line)["text"] for line in captured.out.splitlines()]
    assert texts == ["great service", "terrible \ufffd\ufffd wait", "fine", "\ufffd("]
    assert (
        f"agent-assist: warning: {source}: 2 line(s) were not valid UTF-8; their bad bytes were"
        " replaced with U+FFFD" in captured.err
    )


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        ((), b"fine\n\x00\x01\x02binary\xff\n", "stdin: line 2: binary data (NUL byte), not text"),
        (("/dev/zero",), b"", "/dev/zero: line 1: binary data (NUL byte), not text"),
        (("/nonexistent/survey.txt",), b"", "/nonexistent/survey.txt: cannot read (no such file"),
    ],
)
def test_sentiment_bad_input_is_one_line(args, stdin, message):
    done = run_cli("sentiment", *args, stdin=stdin)
    err = done.stderr.decode().strip().splitlines()
    assert done.returncode != 0 and len(err) == 1 and "Traceback" not in done.stderr.decode()
    assert err[0].startswith(f"agent-assist: error: {message}")


def test_sentiment_echo_is_redacted_unless_asked(tmp_path, capsys):
    source = tmp_path / "chat.txt"
    source.write_text(PII_LINE + "\n")
    assert cli.main(["sentiment", str(source)]) == 0
    echoed = json.loads(capsys.readouterr().out)["text"]
    assert "4111" not in echoed and "jane.doe" not in echoed and "awful" in echoed
    assert cli.main(["sentiment", str(source), "--no-redact"]) == 0
    assert json.loads(capsys.readouterr().out)["text"] == PII_LINE


def test_sentiment_no_redact_is_refused_when_privacy_is_locked(tmp_path, locked_site, capsys):
    source = tmp_path / "chat.txt"
    source.write_text(PII_LINE + "\n")
    assert cli.main(["sentiment", str(source), "--no-redact"]) == 0
    captured = capsys.readouterr()
    assert "4111" not in json.loads(captured.out)["text"]
    line = f"agent-assist: privacy.redact_outputs is locked by {locked_site}; --no-redact ignored"
    assert captured.err.splitlines().count(line) == 1
