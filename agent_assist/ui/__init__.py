"""The desktop app (PySide6): tray, overlay, settings and review. The only package that imports Qt.

Entry point: :func:`agent_assist.ui.launch.run_app`. The view models (``viewmodels``), device
listing (``devices``), runner host (``session``) and export adapter (``export``) are Qt-free.
"""
