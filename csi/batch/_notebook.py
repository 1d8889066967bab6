"""Executing the report notebook: papermill parameters, nbclient execution, a warm kernel per process.

Starting a kernel and importing the scientific stack costs more than rendering one report, so each
batch process keeps one kernel and resets its namespace between enterprises (``%reset -f``; imported
modules stay loaded). A kernel that died is replaced. Kernels talk over IPC sockets in a private
temporary folder, so parallel kernels collide neither on TCP ports nor on socket names, and they are
shut down when the process exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.parameterize import parameterize_notebook
from traitlets import DottedObjectName, Unicode

#: First cell of every notebook run on a warm kernel: a clean namespace (the previous notebook's names and
#: its numbered outputs), no figures left over. Like ``%reset -f`` but without its full garbage collection,
#: which cost a fifth of a second per report.
RESET = """\
def _csi_reset(ip=get_ipython()):
    import matplotlib.pyplot as plt
    plt.close("all")
    ip.user_ns["Out"].clear()
    for name in [n for n in ip.user_ns if n not in ip.user_ns_hidden and (n[:1] != "_" or n[1:].isdigit())]:
        del ip.user_ns[name]
_csi_reset()
del _csi_reset"""

#: Seconds a report notebook's cell may run before its report fails (and its kernel is replaced).
CELL_TIMEOUT = 600

#: A batch kernel keeps no input history: IPython's history thread wrote every cell to SQLite (~0.1 s per report).
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


class _PrivateIPC:
    """IPC sockets in a private temporary folder, removed with the kernel (set ``transport = "ipc"``)."""

    def _ip_default(self) -> str:
        # A Unix socket's path holds at most 107 bytes: under a deep temporary folder, the system's /tmp.
        deep = len(tempfile.gettempdir()) > 60 and os.path.isdir("/tmp")
        self._ipc_dir = tempfile.mkdtemp(prefix="csi-kernel-", dir="/tmp" if deep else None)
        return os.path.join(self._ipc_dir, "kernel")

    def _remove_ipc_dir(self) -> None:
        if getattr(self, "_ipc_dir", None):
            shutil.rmtree(self._ipc_dir, ignore_errors=True)


class IPCKernelManager(_PrivateIPC, AsyncKernelManager):
    """Async kernel manager over private IPC sockets (for papermill/nbclient-owned kernels)."""

    transport = Unicode("ipc")

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            self._remove_ipc_dir()


class _WarmKernelManager(_PrivateIPC, KernelManager):
    """Kernel manager over private IPC sockets, kept alive across notebooks; its clients are asynchronous."""

    transport = Unicode("ipc")
    client_class = DottedObjectName("jupyter_client.asynchronous.AsyncKernelClient")

    def cleanup_resources(self, restart: bool = False) -> None:
        super().cleanup_resources(restart=restart)
        if not restart:
            self._remove_ipc_dir()


class WarmKernel:
    """One kernel reused for many notebooks in this process (thread-safe: one notebook at a time)."""

    def __init__(self, cwd: Path, kernel_name: str = "python3", startup_timeout: float = 120):
        self.cwd, self.kernel_name, self.startup_timeout = cwd, kernel_name, startup_timeout
        self.km: _WarmKernelManager | None = None
        self.kc = None
        self.lock = threading.Lock()

    def _start(self) -> None:
        self.shutdown()
        self.km = _WarmKernelManager(kernel_name=self.kernel_name)
        # the kernel's own log lines (e.g. "Parent appears to have exited" after an interrupted run) are not the
        # report's: a cell's output and errors reach csi as the kernel's messages, a dead kernel as DeadKernelError
        self.km.start_kernel(cwd=str(self.cwd), extra_arguments=KERNEL_ARGUMENTS, stderr=subprocess.DEVNULL)
        # An asynchronous client, as nbclient's own: a blocking one blocked nbclient's event loop in
        # get_msg(timeout=None), so neither the cell timeout nor the dead-kernel check ever ran.
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=self.startup_timeout)

    def execute(self, notebook: nbformat.NotebookNode, timeout: float | None = CELL_TIMEOUT) -> nbformat.NotebookNode:
        """Run every cell of ``notebook`` (in place) on the warm kernel; CellExecutionError on a failing cell."""
        with self.lock:
            if self.km is None or not self.km.is_alive():
                self._start()
            reset = nbformat.v4.new_code_cell(RESET, metadata={"tags": ["remove-cell"]})
            notebook.cells.insert(0, reset)
            client = NotebookClient(notebook, km=self.km, timeout=timeout, kernel_name=self.kernel_name,
                                    record_timing=False)
            client.kc = self.kc  # not a constructor argument: reuse this kernel's channels
            try:
                client.execute()
            except CellExecutionError:
                raise  # the notebook failed; the kernel is fine
            except BaseException:
                self.shutdown()  # dead, or still busy with a timed-out cell: the next notebook gets a new one
                raise
            finally:
                notebook.cells.remove(reset)
        return notebook

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            if self.km.has_kernel:
                self.km.shutdown_kernel(now=True)  # also removes connection and IPC files
            self.km._remove_ipc_dir()
        self.km = self.kc = None


_KERNELS: dict[tuple[str, str], WarmKernel] = {}
_KERNELS_LOCK = threading.Lock()


def run_notebook(path: Path, parameters: dict, *, kernel_name: str = "python3", timeout: float | None = CELL_TIMEOUT,
                 hidden: str = "") -> nbformat.NotebookNode:
    """Parameterise ``path`` as papermill does and execute it on this process's warm kernel.

    ``hidden`` is code run right after the parameters that the returned notebook does not keep (a secret
    it holds, such as the key of the run's study analysis, never reaches an exported report).
    """
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata.papermill = {"input_path": str(path)}  # where papermill records its parameters
    notebook = parameterize_notebook(notebook, parameters, kernel_name=kernel_name, language="python")
    for cell in notebook.cells:  # papermill gives its cell a random id, which the exported page would keep
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    if not hidden:
        return _kernel(path.parent, kernel_name).execute(notebook, timeout=timeout)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells]
    after = next((k + 1 for k, t in enumerate(tags) if "injected-parameters" in t),
                 next((k + 1 for k, t in enumerate(tags) if "parameters" in t), 0))
    cell = nbformat.v4.new_code_cell(hidden, metadata={"tags": ["remove-cell"]})
    notebook.cells.insert(after, cell)
    try:
        return _kernel(path.parent, kernel_name).execute(notebook, timeout=timeout)
    finally:
        notebook.cells.remove(cell)


def prestart_kernel(cwd: Path, code: str = "", kernel_name: str = "python3") -> None:
    """Start the warm kernel for notebooks in ``cwd`` now and run ``code`` in it (e.g. the imports)."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)] if code else [])
    _kernel(cwd, kernel_name).execute(notebook)


def _kernel(cwd: Path, kernel_name: str) -> WarmKernel:
    key = (str(cwd), kernel_name)
    with _KERNELS_LOCK:
        kernel = _KERNELS.get(key)
        if kernel is None:
            kernel = _KERNELS[key] = WarmKernel(cwd, kernel_name)
    return kernel


def kill_kernels() -> None:
    """Kill every warm kernel's process (from any thread): a notebook running on one fails at once with
    DeadKernelError in its own thread, which then cleans up (used when a run is interrupted)."""
    with _KERNELS_LOCK:
        managers = [kernel.km for kernel in _KERNELS.values() if kernel.km is not None]
    for manager in managers:
        with contextlib.suppress(Exception):
            manager.signal_kernel(signal.SIGKILL)


@atexit.register
def shutdown_kernels() -> None:
    """Shut down every warm kernel of this process (also called when a batch ends)."""
    with _KERNELS_LOCK:
        for kernel in _KERNELS.values():
            kernel.shutdown()
        _KERNELS.clear()
