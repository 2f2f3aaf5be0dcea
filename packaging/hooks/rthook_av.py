# PyInstaller runtime hook. Builds without FFmpeg (the default, to save ~100 MB) leave PyAV out;
# faster-whisper imports it at module level but only uses it to decode files, which
# agent-assist does with libsndfile (WAV, FLAC, OGG/Opus, MP3, ...). This stand-in makes the
# FFmpeg fallback fail with a clear message instead of making faster-whisper unimportable.
import sys
import types

try:
    import av  # noqa: F401  (a build made with --with-ffmpeg)
except ImportError:

    class FFmpegError(Exception):
        pass

    class InvalidDataError(FFmpegError):
        pass

    def _unavailable(*_args, **_kwargs):
        raise FFmpegError(
            "this build has no FFmpeg decoder; convert the recording to WAV, FLAC, OGG or MP3"
        )

    stub = types.ModuleType("av")
    stub.__doc__ = "agent-assist stand-in: PyAV is not part of this build"
    stub.error = types.SimpleNamespace(FFmpegError=FFmpegError, InvalidDataError=InvalidDataError)
    stub.open = _unavailable
    stub.AudioResampler = _unavailable
    stub.audio = types.SimpleNamespace(
        resampler=types.SimpleNamespace(AudioResampler=_unavailable),
        fifo=types.SimpleNamespace(AudioFifo=_unavailable),
    )
    sys.modules["av"] = stub
