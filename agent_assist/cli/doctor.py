"""``agent-assist models`` (the model files and their checksums) and ``agent-assist doctor``."""

from __future__ import annotations

import argparse

from agent_assist.config import LoadedConfig


def cmd_models(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from agent_assist import modelstore

    specs = modelstore.load_manifest()
    bad = 0
    for spec in specs:
        report = modelstore.check(spec)
        state = "ok" if report.ok else "FAILED"
        bad += not report.ok
        print(
            f"{spec.name:18} {spec.kind:10} {state:6} {report.size / 1e6:7.1f} MB  {spec.license}"
        )
        print(f"    source: {spec.source}")
        print(f"    where:  {report.location or report.problem}")
    return 1 if bad else 0


def cmd_doctor(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from agent_assist import doctor

    return doctor.run(args, loaded)


def doctor_without_config(args: argparse.Namespace, error: str) -> int:
    """``doctor`` runs on when the config does not load: the problem is its first check."""
    from agent_assist import doctor

    return doctor.run(args, None, error)


def register(sub: argparse._SubParsersAction) -> None:
    from agent_assist.doctor import add_report_argument

    sub.add_parser("models", help="list models and verify their checksums").set_defaults(
        func=cmd_models
    )
    doctor_parser = sub.add_parser("doctor", help="check models, audio and hardware")
    add_report_argument(doctor_parser)
    doctor_parser.set_defaults(func=cmd_doctor, on_bad_config=doctor_without_config)
