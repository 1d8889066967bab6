"""The study analysis a batch hands its notebooks, authenticated: no code runs from the output folder.

The analysis is pickled (it holds the study, its fits and bootstraps: no data-only format rebuilds it
faithfully), and unpickling runs whatever a pickle says. So the file is signed: ``csi run`` draws a
secret key per run (:func:`new_key`; never written to disk), writes ``MAGIC + HMAC-SHA256(key, pickle) +
pickle`` atomically under a unique temporary name, and hands the key to each notebook with its job
(:func:`load_cell`: a hidden cell after the parameters, removed again before the report is exported).
:func:`load_analysis` checks the HMAC before it unpickles; a file that fails the check (planted in the
output folder, left by another run, truncated) is an error naming it and is never loaded. A rerun draws a
new key, so it computes the analysis again rather than trust what an earlier run left there.
"""

from __future__ import annotations

import hashlib
import hmac
import pickle
import secrets
from pathlib import Path

from csi.batch._jobs import atomic_write
from csi.exceptions import ReportError

MAGIC = b"csi study analysis, hmac-sha256\n"
_TAG = hashlib.sha256().digest_size
_VERIFIED: dict = {}  # the last analysis load_analysis verified, with its file's identity and the key


def new_key() -> str:
    """A fresh secret key (hex) for one run's analysis file."""
    return secrets.token_hex(32)


def save_analysis(analysis, path: str | Path, key: str) -> Path:
    """Write ``analysis`` signed with ``key`` to ``path`` (temporary file of a unique name, then rename)."""
    path = Path(path)
    payload = pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)
    atomic_write(path, MAGIC + hmac.new(_key(key), payload, hashlib.sha256).digest() + payload)
    return path


def load_analysis(path: str | Path, key: str):
    """The analysis :func:`save_analysis` wrote to ``path`` with ``key``; a ReportError, without unpickling
    anything, when the file was not written with that key.

    The last analysis verified is kept while its file is unchanged (a warm kernel renders many enterprises
    from one file); it was verified when read, so a later change of the file cannot slip code past it.
    """
    path, secret = Path(path), _key(key)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ReportError(f"{path}: the study analysis of this run cannot be read ({exc.strerror}).") from exc
    identity = (str(path.resolve()), stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size, secret)
    if _VERIFIED.get("identity") != identity:
        data = memoryview(path.read_bytes())
        start = len(MAGIC) + _TAG
        tag = hmac.new(secret, data[start:], hashlib.sha256).digest()
        if bytes(data[:len(MAGIC)]) != MAGIC or not hmac.compare_digest(bytes(data[len(MAGIC):start]), tag):
            raise ReportError(f"{path}: not written by this run; delete it (it was not loaded: csi run loads "
                              "only the study analysis it wrote itself, signed with its own key).")
        _VERIFIED.clear()
        _VERIFIED.update(identity=identity, analysis=pickle.loads(data[start:]))
    return _VERIFIED["analysis"]


def load_cell(key: str) -> str:
    """Code that replaces a notebook's ``analysis_path`` by the verified analysis it names (run after the
    parameters, tagged ``remove-cell``; the caller removes it before the notebook is exported)."""
    return ("from csi.batch._cache import load_analysis as _csi_load_analysis\n"
            f"analysis_path = _csi_load_analysis(analysis_path, {key!r}) if analysis_path else analysis_path\n"
            "del _csi_load_analysis")


def _key(key: str) -> bytes:
    try:
        secret = bytes.fromhex(key)
    except (TypeError, ValueError):
        secret = b""
    if len(secret) < 16:
        raise ReportError("the study analysis needs this run's key (at least 16 bytes, as hex): csi run passes it.")
    return secret

