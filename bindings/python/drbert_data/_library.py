"""Finds and binds libdrbert_data (the C ABI in drbert_data.h) with ctypes."""
import ctypes
import os
import pathlib

ABI_VERSION = 1
_HERE = pathlib.Path(__file__).resolve().parent


class DrbertDataError(Exception):
    """A failure reported by the Swift loader; the message is the engine's (it names the
    dataset, shard or block). `status`: -1 bad settings or state, -2 missing, corrupt or
    mismatched data, -3 I/O failure while running."""

    def __init__(self, message, status=-1):
        super().__init__(message)
        self.status = status


def _candidates():
    explicit = os.environ.get("DRBERT_DATA_LIB")
    if explicit:
        return [pathlib.Path(explicit)]
    # Installed next to the package by `pip install bindings/python`; else an in-tree build.
    found = [_HERE / "libdrbert_data.so", _HERE / "libdrbert_data.dylib"]
    repository = _HERE.parent.parent.parent
    found += [repository / ".build" / "release" / name for name in ("libdrbert_data.so", "libdrbert_data.dylib")]
    return found


def _load():
    tried = _candidates()
    for path in tried:
        if path.is_file():
            return ctypes.CDLL(str(path))
    raise ImportError(
        "libdrbert_data not found (tried %s); build it with `swift build -c release --product drbert_data` "
        "or set DRBERT_DATA_LIB" % ", ".join(map(str, tried)))


_lib = _load()
_i64p = ctypes.POINTER(ctypes.c_int64)
_err = (ctypes.c_char_p, ctypes.c_size_t)
_lib.drbert_data_abi_version.restype = ctypes.c_int32
_lib.drbert_data_open.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)) + _err
_lib.drbert_data_next.argtypes = (ctypes.c_void_p, _i64p, _i64p, ctypes.POINTER(ctypes.c_int32)) + _err
_lib.drbert_data_fill.argtypes = (ctypes.c_void_p,) + (ctypes.c_void_p,) * 6 + _err
_lib.drbert_data_state.argtypes = (ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)) + _err
_lib.drbert_data_state_after.argtypes = (ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_void_p)) + _err
_lib.drbert_data_counts.argtypes = (ctypes.c_void_p, _i64p, _i64p, _i64p) + _err
_lib.drbert_data_free_string.argtypes = (ctypes.c_void_p,)
_lib.drbert_data_close.argtypes = (ctypes.c_void_p,)
for _name in ("open", "next", "fill", "state", "state_after", "counts"):
    getattr(_lib, "drbert_data_" + _name).restype = ctypes.c_int32
if _lib.drbert_data_abi_version() != ABI_VERSION:
    raise ImportError("libdrbert_data speaks ABI %d, this package %d: rebuild it"
                      % (_lib.drbert_data_abi_version(), ABI_VERSION))


def call(function, *args, error=None):
    """Calls a status-returning function; raises DrbertDataError with the engine's message.
    `error`: a reusable message buffer (the caller's own, per thread or under a lock)."""
    if error is None:
        error = ctypes.create_string_buffer(2048)
    status = function(*args, error, len(error))
    if status < 0:
        raise DrbertDataError(error.value.decode("utf-8", "replace"), status)
    return status


def take_string(pointer):
    try:
        return ctypes.string_at(pointer.value).decode("utf-8")
    finally:
        _lib.drbert_data_free_string(pointer)


lib = _lib
