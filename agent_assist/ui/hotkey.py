"""A global keyboard shortcut (``ui.keyboard_shortcut``) that works while another app has focus.

Qt has no global shortcuts, so on X11 this grabs the key on the root window through Xlib
(ctypes, a second display connection watched by a daemon thread) and emits ``pressed`` on the
GUI thread. Elsewhere (Wayland, Windows, macOS, no libX11) ``start`` says why it is unavailable
and the tray / overlay menu entry "Use overlay with keyboard" remains the way in.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import select
import threading

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence

log = logging.getLogger(__name__)

SHIFT, LOCK, CONTROL, MOD1, MOD2, MOD4 = 1, 2, 4, 8, 16, 64
KEY_PRESS = 2
GRAB_MODE_ASYNC = 1
MODIFIERS = {
    Qt.KeyboardModifier.ControlModifier: CONTROL,
    Qt.KeyboardModifier.ShiftModifier: SHIFT,
    Qt.KeyboardModifier.AltModifier: MOD1,
    Qt.KeyboardModifier.MetaModifier: MOD4,
}
NAMED_KEYS = {Qt.Key.Key_Space: "space", Qt.Key.Key_Tab: "Tab", Qt.Key.Key_Return: "Return"}


def parse(shortcut: str) -> tuple[str, int]:
    """'Ctrl+Alt+K' → ('K', ControlMask | Mod1Mask); raises ValueError naming the problem."""
    sequence = QKeySequence.fromString(shortcut, QKeySequence.SequenceFormat.PortableText)
    if sequence.count() != 1:
        raise ValueError(f"ui.keyboard_shortcut: not one key combination: {shortcut!r}")
    combination = sequence[0]  # type: ignore[index]
    key = combination.key()
    mask = 0
    for modifier, bit in MODIFIERS.items():
        if combination.keyboardModifiers() & modifier:
            mask |= bit
    if not mask:
        raise ValueError(f"ui.keyboard_shortcut: needs Ctrl, Alt or Meta: {shortcut!r}")
    if Qt.Key.Key_F1.value <= key.value <= Qt.Key.Key_F24.value:
        name = f"F{key.value - Qt.Key.Key_F1.value + 1}"
    elif key in NAMED_KEYS:
        name = NAMED_KEYS[key]
    elif 0x21 <= key.value <= 0x7E:
        name = chr(key.value).lower() if chr(key.value).isalpha() else chr(key.value)
    else:
        raise ValueError(f"ui.keyboard_shortcut: unsupported key in {shortcut!r}")
    return name, mask


class _XKeyEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("pad", ctypes.c_long * 23)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


class GlobalHotkey(QObject):
    """Emits ``pressed`` (on the GUI thread) whenever the shortcut is typed anywhere."""

    pressed = Signal()

    def __init__(self, shortcut: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.shortcut = shortcut
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._grab_failed = False

    def start(self) -> str:
        """Grab the key; '' on success, else one line saying why there is no shortcut."""
        if not self.shortcut:
            return ""
        try:
            name, mask = parse(self.shortcut)
        except ValueError as error:
            return str(error)
        platform = QGuiApplication.platformName()
        if platform != "xcb" or not os.environ.get("DISPLAY"):
            return f"the keyboard shortcut needs an X11 desktop (this one is {platform!r})"
        library = ctypes.util.find_library("X11")
        if library is None:
            return "the keyboard shortcut needs libX11"
        x = ctypes.CDLL(library)
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        display = x.XOpenDisplay(None)
        if not display:
            return "the keyboard shortcut could not open the X display"
        self._handler = _ERROR_HANDLER(self._on_error)
        x.XSetErrorHandler.restype = ctypes.c_void_p
        x.XSetErrorHandler.argtypes = [ctypes.c_void_p]
        previous = x.XSetErrorHandler(ctypes.cast(self._handler, ctypes.c_void_p))
        for fn, args, res in (
            ("XDefaultRootWindow", [ctypes.c_void_p], ctypes.c_ulong),
            ("XStringToKeysym", [ctypes.c_char_p], ctypes.c_ulong),
            ("XKeysymToKeycode", [ctypes.c_void_p, ctypes.c_ulong], ctypes.c_ubyte),
            ("XConnectionNumber", [ctypes.c_void_p], ctypes.c_int),
            ("XPending", [ctypes.c_void_p], ctypes.c_int),
            ("XSync", [ctypes.c_void_p, ctypes.c_int], ctypes.c_int),
        ):
            getattr(x, fn).argtypes = args
            getattr(x, fn).restype = res
        x.XGrabKey.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint, ctypes.c_ulong]
        x.XGrabKey.argtypes += [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        x.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_XKeyEvent)]
        root = x.XDefaultRootWindow(display)
        code = x.XKeysymToKeycode(display, x.XStringToKeysym(name.encode()))
        if not code:
            return f"ui.keyboard_shortcut: no such key on this keyboard: {self.shortcut!r}"
        for extra in (0, LOCK, MOD2, LOCK | MOD2):
            x.XGrabKey(display, code, mask | extra, root, 0, GRAB_MODE_ASYNC, GRAB_MODE_ASYNC)
        x.XSync(display, 0)
        x.XSetErrorHandler(previous)
        if self._grab_failed:
            return f"{self.shortcut} is already taken by another application"
        self._thread = threading.Thread(
            target=self._watch, args=(x, display), name="global-hotkey", daemon=True
        )
        self._thread.start()
        log.info("keyboard shortcut %s ready", self.shortcut)
        return ""

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None

    def _on_error(self, display: int, event: int) -> int:
        self._grab_failed = True
        return 0

    def _watch(self, x: ctypes.CDLL, display: int) -> None:
        fd = x.XConnectionNumber(display)
        event = _XKeyEvent()
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], 0.25)
                while ready and x.XPending(display) and not self._stop.is_set():
                    x.XNextEvent(display, ctypes.byref(event))
                    if event.type == KEY_PRESS:
                        self.pressed.emit()
        finally:
            x.XCloseDisplay.argtypes = [ctypes.c_void_p]
            x.XCloseDisplay(display)
