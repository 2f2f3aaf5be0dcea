"""Where resources, models, config, data and logs live.

Three layouts are supported: the source tree (``resources/`` and ``models/`` beside the
package), an installed wheel (the same folders under ``<prefix>/share/agent-assist``, installed
as the wheel's data files into ``sys.prefix`` or, for ``pip install --user``, the user base) and a
PyInstaller bundle (under ``sys._MEIPASS``). ``AGENT_ASSIST_HOME`` overrides the search.

A *managed* install is one where IT has put the site config at the platform's fixed location
(``managed_config_file()``). There the environment cannot redirect policy: the
``AGENT_ASSIST_SYSTEM_CONFIG`` and ``AGENT_ASSIST_HOME`` variables are ignored (one warning each),
so a user cannot swap the locked config, the bundled playbook or the model manifest for their own.
"""

from __future__ import annotations

import logging
import os
import site
import sys
from pathlib import Path

import platformdirs

APP_NAME = "agent-assist"
_PACKAGE_DIR = Path(__file__).resolve().parent
SYSTEM_CONFIG_ENV = "AGENT_ASSIST_SYSTEM_CONFIG"
HOME_ENV = "AGENT_ASSIST_HOME"

log = logging.getLogger(__name__)
_warned: set[str] = set()


def managed_config_file() -> Path:
    """The platform's fixed location of the site config that IT manages."""
    if sys.platform == "win32":
        return Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME / "config.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support") / APP_NAME / "config.toml"
    return Path("/etc/xdg") / APP_NAME / "config.toml"


def is_managed() -> bool:
    """True when IT has installed a site config at ``managed_config_file()``."""
    return os.path.lexists(managed_config_file())


def _env_override(name: str) -> str | None:
    """The variable's value, or None (with one warning per process) in a managed install."""
    value = os.environ.get(name)
    if not value:
        return None
    if is_managed():
        if name not in _warned:
            _warned.add(name)
            log.warning("%s is ignored: this install is managed by %s", name, managed_config_file())
        return None
    return value


def _candidate_roots() -> list[Path]:
    roots: list[Path] = []
    if env := _env_override(HOME_ENV):
        roots.append(Path(env))
    if bundle := getattr(sys, "_MEIPASS", None):
        roots.append(Path(bundle))
    roots.append(_PACKAGE_DIR.parent)
    roots.append(Path(sys.prefix) / "share" / APP_NAME)
    if user_base := getattr(site, "USER_BASE", None):
        roots.append(Path(user_base) / "share" / APP_NAME)
    return roots


def app_root() -> Path:
    """The folder that holds ``resources/`` and ``models/`` for this layout."""
    for root in _candidate_roots():
        if (root / "resources").is_dir() and (root / "models").is_dir():
            return root
    return _PACKAGE_DIR.parent


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def layout() -> str:
    """``frozen``, ``source``, ``installed`` or ``AGENT_ASSIST_HOME``: for doctor and support."""
    root = app_root()
    if (env := _env_override(HOME_ENV)) and root == Path(env):
        return "AGENT_ASSIST_HOME"
    if is_frozen():
        return "frozen"
    return "source" if root == _PACKAGE_DIR.parent else "installed"


def resources_dir() -> Path:
    return app_root() / "resources"


def models_dir() -> Path:
    return app_root() / "models"


def sample_call() -> Path:
    return resources_dir() / "samples" / "sample_call.flac"


def default_playbook() -> Path:
    return resources_dir() / "playbooks" / "default.toml"


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_config_file() -> Path:
    return user_config_dir() / "config.toml"


def system_config_file() -> Path:
    """The site-wide config that IT manages, read before the user's.

    ``AGENT_ASSIST_SYSTEM_CONFIG`` points elsewhere only where no managed file exists (tests,
    trials, unmanaged machines).
    """
    if env := _env_override(SYSTEM_CONFIG_ENV):
        return Path(env)
    return managed_config_file()


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_state_dir() -> Path:
    """What the app remembers between runs that is not a setting (window positions)."""
    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
