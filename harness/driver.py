"""Runs one scenario inside a cell's container and prints one JSON record.

This file is copied into every container and runs under the image's Python
(3.9 and up), so it uses the standard library only and no newer syntax.

    python driver.py run SCENARIO [--timeout S] [--keras-json FILE] [--output-limit BYTES]

The scenario runs as a fresh child process (`driver.py child`), exactly as
`python SCENARIO` would, so that a crash, a hang or an os._exit in it cannot
take the record with it. Its output and exception record come back through
pipes, not files: the cell's tmpfs may be full (a scenario may fill it) and
its root filesystem is read-only.

Only `os` and `sys` (which every interpreter has loaded before `site` ends) are imported at
the top: the child must start the scenario with as little of the driver loaded as possible,
both so that it sees the interpreter a plain `python SCENARIO` would (no `threading`, `re` or
`json` already in `sys.modules`) and because each import is a few more files read through the
container's storage driver, once per cell. Everything else is imported where it is used.
"""

import os
import sys

MARKER = "@@KERAS-MATRIX-RESULT@@"
DRIVER_VERSION = "2"
PR_SET_DUMPABLE = 4  # <linux/prctl.h>
PACKAGES = ("tensorflow", "tensorflow-cpu", "keras", "tf-keras", "jax", "jaxlib", "torch", "numpy")
STATE_DIR = "/opt/keras-matrix"
TAIL = 4000
OUTPUT_LIMIT = 65536


def main(argv=None):
    """`driver.py run SCENARIO ...`: run the scenario in a child and print one JSON record."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["child"] and len(argv) == 3:
        # Internal mode, invoked by run_cell with exactly these arguments: no argparse needed.
        return run_child(argv[1], int(argv[2]))
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="driver.py")
    sub = parser.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("run")
    run.add_argument("scenario")
    run.add_argument("--timeout", type=float, default=600.0)
    run.add_argument("--keras-json")
    run.add_argument("--output-limit", type=int, default=OUTPUT_LIMIT)
    child = sub.add_parser("child")
    child.add_argument("scenario")
    child.add_argument("record_fd", type=int)
    args = parser.parse_args(argv)
    if args.mode == "child":
        return run_child(args.scenario, args.record_fd)
    guard = guard_driver()
    record = run_cell(args.scenario, args.timeout, args.keras_json, args.output_limit)
    record["guard"] = dict(guard, leftovers_killed=record.pop("leftovers_killed"))
    sys.stdout.write(MARKER + json.dumps(record, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


# --- parent: guard the record, set up, run the child, collect ----------------


def guard_driver():
    """Put the driver, and so the record it prints, out of the scenario's reach.

    The scenario runs as the driver's own uid, so by default it could open /proc/1/fd/1 (the
    container's stdout, where the record goes), read /proc/1/environ, write /proc/1/mem or
    ptrace the driver. A non-dumpable process's /proc entries belong to root and it cannot be
    traced without CAP_SYS_PTRACE, which cells never have; execve() makes the scenario's own
    process dumpable again, so it is not changed. As PID 1 of the container's namespace the
    driver also receives no signal from inside it that it has no handler for, SIGKILL and
    SIGSTOP included; Python's own SIGINT handler is swapped for one that does nothing, which
    exec() resets to the default for the scenario.
    """
    import signal

    undumpable = False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        undumpable = libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError, ImportError):  # not Linux, or no ctypes in this Python
        undumpable = False
    if os.getpid() == 1:
        signal.signal(signal.SIGINT, lambda number, frame: None)
    return {"undumpable": undumpable, "pid1": os.getpid() == 1}


def reap(wait_s):
    """Collect exited children (orphans are reparented to PID 1), waiting up to wait_s for more."""
    import time

    deadline = time.monotonic() + wait_s
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)


def kill_leftovers(session):
    """Kill every process the scenario left behind; return how many there were.

    As PID 1, kill(-1) reaches every other process in the container, including a grandchild
    that left the scenario's session (setsid, double fork): nothing the scenario started can
    outlive it and act after the record is written. Elsewhere (the driver run by hand, or by
    the tests on a host) only the scenario's session is killed.
    """
    import contextlib
    import signal

    if os.getpid() != 1:
        with contextlib.suppress(OSError):  # already gone
            os.killpg(session, signal.SIGKILL)
        return 0
    reap(0)  # children that ended on their own are not leftovers
    others = [name for name in os.listdir("/proc") if name.isdigit() and name != "1"]
    with contextlib.suppress(OSError):  # ESRCH: nothing left
        os.kill(-1, signal.SIGKILL)
    reap(5.0)
    return len(others)


def run_cell(scenario, timeout, keras_json, output_limit=OUTPUT_LIMIT):
    """Run the scenario in a child process under `timeout`; the record of what happened."""
    import contextlib
    import signal
    import subprocess
    import threading
    import time

    if keras_json:
        install_keras_json(keras_json)
    record_read, record_write = os.pipe()
    command = [sys.executable, os.path.abspath(__file__), "child", scenario, str(record_write)]
    started = time.monotonic()
    # A new session, so that a timeout kills the scenario's own children too.
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=(record_write,),
        start_new_session=True,
    )
    os.close(record_write)
    stdout, stderr, exception_bytes = Clip(output_limit), Clip(output_limit), Clip(16 * 1024 * 1024)
    readers = [
        drain(proc.stdout, stdout),
        drain(proc.stderr, stderr),
        drain(os.fdopen(record_read, "rb"), exception_bytes),
    ]
    expired = threading.Event()

    def kill_session():
        with contextlib.suppress(OSError):  # already gone
            os.killpg(proc.pid, signal.SIGKILL)

    def expire():
        expired.set()
        kill_session()

    # A timer kills the scenario at its limit while wait() blocks: wait(timeout=...) polls with
    # sleeps of up to 50 ms, which every cell would pay after its scenario has ended.
    watchdog = threading.Timer(timeout, expire)
    watchdog.daemon = True
    watchdog.start()
    returncode = proc.wait()
    watchdog.cancel()
    # Only a scenario our timer killed timed out: one that ended on its own as the timer fired
    # keeps its own exit status.
    timed_out = expired.is_set() and returncode == -signal.SIGKILL
    # The cell ends with its scenario, as `python SCENARIO` in a fresh container would:
    # children it left behind (a fork bomb's, say) would otherwise hold the pipes open, and a
    # detached one could act after the record is written.
    leftovers = kill_leftovers(proc.pid)
    for reader in readers:
        reader.join(timeout=5)  # a process that left the session may keep a pipe open
    duration = time.monotonic() - started
    exception, tampered = parse_exception(exception_bytes.data())
    status, reason = classify(returncode, timed_out, exception, timeout)
    if tampered:
        status, reason = "crashed", "record tampered: " + tampered
    return {
        "driver_version": DRIVER_VERSION,
        "status": status,
        "reason": reason,
        "exit_code": returncode,
        "duration_s": round(duration, 3),
        "exception": exception,
        "stdout_tail": stdout.text(),
        "stderr_tail": stderr.text(),
        "stdout_truncated": stdout.dropped > 0,
        "stderr_truncated": stderr.dropped > 0,
        "versions": installed_versions(),
        "pip_check": read_text(os.path.join(STATE_DIR, "pip-check.txt")),
        "pip_conflicts": pip_conflicts(),
        "leftovers_killed": leftovers,
    }


class Clip(object):
    """The first and last `limit // 2` bytes of a stream, and how much was dropped."""

    def __init__(self, limit: int) -> None:
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        """Take the next chunk of the stream."""
        self.total += len(data)
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.half:
                del self.tail[: len(self.tail) - self.half]
        self.dropped = self.total - len(self.head) - len(self.tail)

    def data(self) -> bytes:
        """The kept bytes, head then tail."""
        return bytes(self.head + self.tail)

    def text(self) -> str:
        """The kept bytes as text, with a marker where bytes were cut."""
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if self.dropped:
            return "%s\n[... %d bytes cut ...]\n%s" % (head, self.dropped, tail)
        return head + tail


def drain(stream, clip):
    """Feed `stream` into `clip` from a daemon thread until it ends; the thread."""
    import threading

    def pump():
        with stream:
            while True:
                chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
                if not chunk:
                    return
                clip.feed(chunk)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def parse_exception(data):
    """The child's exception record, and why it cannot be trusted if it cannot.

    The child writes at most one JSON object on its record pipe, once, as its scenario's
    exception escapes. The scenario runs in that same process and can reach the pipe: anything
    else on it (two records, a partial one, bytes that are no record) is itself evidence, and
    is reported as such instead of being read as the scenario's exception.
    """
    import json

    if not data:
        return None, None
    try:
        record = json.loads(data.decode("utf-8", errors="strict"))
    except ValueError:
        return None, "the exception channel held something other than one record"
    if not isinstance(record, dict) or not isinstance(record.get("type"), str):
        return None, "the exception channel held something other than one record"
    return record, None


def classify(returncode, timed_out, exception, timeout):
    """The cell's status and reason from how the child ended."""
    if timed_out:
        return "timeout", "killed after %gs" % timeout
    if returncode == 0 and exception is None:
        return "ok", None
    if returncode == 0:
        # An exception escaped the scenario and yet the process exited 0 (an atexit handler
        # calling os._exit(0), say): it raised, so it is not ok.
        return "error", None
    if returncode is not None and returncode < 0 and exception is None:
        return "crashed", "killed by %s" % signal_name(-returncode)
    if exception is not None:
        return "error", None
    return "crashed", "exited with code %d and no Python exception" % returncode


def signal_name(number):
    """A signal's name (SIGKILL), or "signal N" for one Python does not know."""
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return "signal %d" % number


def install_keras_json(source):
    """Copy `source` to ~/.keras/keras.json, where Keras reads its settings."""
    import shutil

    home = os.path.expanduser("~")
    target_dir = os.path.join(home, ".keras")
    os.makedirs(target_dir, exist_ok=True)
    shutil.copyfile(source, os.path.join(target_dir, "keras.json"))


def installed_versions():
    """What importlib.metadata.version() says of each of PACKAGES, read the way it reads it.

    importlib.metadata itself cost 0.3-0.6 s per cell in a container here (it imports email,
    zipfile, csv and more, each file read through the storage driver). This follows its rules
    for directories on sys.path: the first *.dist-info or *.egg-info whose normalized project
    name matches wins, and its version is the Version header of METADATA (PKG-INFO for eggs).
    Distributions inside zip files on sys.path are not looked at: pip never installs there.
    """
    import platform

    wanted = {normalized_project(name): name for name in PACKAGES}
    versions = {"python": platform.python_version()}
    versions.update((name, None) for name in PACKAGES)
    for entry in sys.path:
        try:
            children = os.listdir(entry or ".")
        except OSError:
            continue
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            key = normalized_project(low.rpartition(".")[0].partition("-")[0])
            if key in wanted:
                versions[wanted.pop(key)] = metadata_version(os.path.join(entry or ".", child))
        if not wanted:
            break
    return versions


def normalized_project(name):
    """importlib.metadata's Prepared.normalize: runs of -_. become one _, lower case."""
    out = []
    for char in name.lower():
        if char in "-_.":
            if not out or out[-1] != "_":
                out.append("_")
        else:
            out.append(char)
    return "".join(out)


def metadata_version(path):
    """The Version header of a dist-info's METADATA, an egg-info's PKG-INFO or an egg-info file."""
    if os.path.isdir(path):
        candidates = [os.path.join(path, "METADATA"), os.path.join(path, "PKG-INFO")]
    else:
        candidates = [path]
    for candidate in candidates:
        text = read_text(candidate)
        if not text:
            continue
        for line in text.splitlines():
            if not line.strip():
                break  # the headers end at the first blank line; the description follows
            key, colon, value = line.partition(":")
            if colon and key.strip().lower() == "version":
                return value.strip()
        return None
    return None


def pip_conflicts():
    """The conflicts pip reported while the image's install steps ran."""
    found = []
    steps = os.path.join(STATE_DIR, "steps")
    names = os.listdir(steps) if os.path.isdir(steps) else []
    for name in sorted(names, key=lambda n: int(n.split(".")[0])):
        step = name.split(".")[0]
        collecting = False
        for line in (read_text(os.path.join(steps, name)) or "").splitlines():
            if line.startswith("ERROR: pip's dependency resolver"):
                collecting = True
            elif collecting and " requires " in line:
                found.append("step %s: %s" % (step, line.strip()))
            else:
                collecting = False
    return found


def read_text(path):
    """A file's text, or None if it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


# --- child: run the scenario as __main__, record what it raised ---------------


def run_child(scenario, record_fd):
    """The child: run the scenario as `python SCENARIO` would; its exception goes to `record_fd`."""
    import runpy

    # Processes the scenario forks run this code too when they raise; only the scenario's
    # own process reports, so that a fork bomb's children cannot garble the record.
    scenario_pid = os.getpid()
    scenario = os.path.abspath(scenario)
    sys.argv = [scenario]
    sys.path[0] = os.path.dirname(scenario)
    try:
        runpy.run_path(scenario, run_name="__main__")
    except SystemExit as exc:
        if exc.code in (None, 0):
            return 0
        if os.getpid() == scenario_pid:
            write_record(record_fd, describe(exc, scenario))
        raise
    except BaseException as exc:
        if os.getpid() == scenario_pid:
            write_record(record_fd, describe(exc, scenario))
        raise
    return 0


def write_record(fd, record):
    """Write `record` as JSON to `fd` and close it."""
    import json

    data = json.dumps(record).encode("utf-8")
    try:
        while data:
            data = data[os.write(fd, data) :]
        os.close(fd)
    except OSError:
        pass  # the driver is gone; nothing to report to


def qualified_name(exc_type):
    """An exception type's name with its module (builtins without)."""
    module = exc_type.__module__
    name = getattr(exc_type, "__qualname__", exc_type.__name__)
    return name if module == "builtins" else "%s.%s" % (module, name)


def describe(exc, scenario):
    """The record of an exception the scenario raised: type, message, frames, phase, chain."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    here = os.path.abspath(__file__)
    frames = [f for f in frames if f.filename != here and not is_runpy(f.filename)]
    scenario_frames = [f for f in frames if f.filename == scenario]
    trigger = scenario_frames[-1] if scenario_frames else None
    library = [f for f in frames if f.filename != scenario and not f.filename.startswith("<frozen")]
    in_packages = [f for f in library if "-packages" in f.filename]
    # Where it was raised: library code if any, else the scenario itself (e.g. a failing
    # `import tensorflow` or an attribute read on None in the scenario's own line).
    raiser = (in_packages or library or scenario_frames or [None])[-1]
    record = {
        "type": qualified_name(type(exc)),
        "message": safe_str(exc),
        "display": display_of(exc),
        "raised_at": frame_dict(raiser),
        "scenario_line": frame_dict(trigger),
        "phase": phase_of(scenario, trigger.lineno) if trigger else None,
        "traceback": scenario_traceback(exc)[-TAIL:],
        "chain": chain_of(exc),
    }
    return record


def display_of(exc):
    """The exception's last lines as the terminal shows them, notes and suggestions included.

    Python 3.10 and 3.11 add "Did you mean: ...?" to AttributeError and NameError only in the
    interpreter's own display, not in `str(exc)` nor in the traceback module; 3.11 adds notes.
    So the default excepthook is run into a buffer and the text from the exception's own line
    on is kept.
    """
    import io
    import traceback

    only = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
    buffer = io.StringIO()
    saved = sys.stderr
    try:
        sys.stderr = buffer
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
    except Exception:  # a broken __str__ or a hook that fails: keep what the module gives
        return only
    finally:
        sys.stderr = saved
    shown = buffer.getvalue().rstrip("\n")
    at = shown.rfind(only)
    return shown[at:] if only and at >= 0 else only


def scenario_traceback(exc):
    """The traceback as `python SCENARIO` would print it, without the driver's frames."""
    import traceback

    tb = exc.__traceback__
    here = os.path.abspath(__file__)
    while tb is not None and (
        tb.tb_frame.f_code.co_filename == here or is_runpy(tb.tb_frame.f_code.co_filename)
    ):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def chain_of(exc):
    """The exceptions `exc` was raised from or during, at most five."""
    chain = []
    seen = set()
    current = exc.__cause__ or exc.__context__
    while current is not None and id(current) not in seen and len(chain) < 5:
        seen.add(id(current))
        chain.append({"type": qualified_name(type(current)), "message": safe_str(current)})
        current = current.__cause__ or current.__context__
    return chain


def safe_str(exc):
    """`str(exc)`, or a placeholder when its __str__ itself raises."""
    try:
        return str(exc)
    except Exception as inner:  # a broken __str__ must not lose the record
        return "<unprintable %s: %s>" % (type(exc).__name__, inner)


def frame_dict(frame):
    """A traceback frame as a record's object, or None."""
    if frame is None:
        return None
    return {
        "file": frame.filename,
        "line": frame.lineno,
        "function": frame.name,
        "code": frame.line,
    }


def is_runpy(filename):
    """Whether a frame is runpy's, which runs the scenario and is no part of it."""
    return filename.endswith("runpy.py") or filename == "<frozen runpy>"


def phase_of(scenario, lineno):
    """'import' if the scenario line that triggered the error is an import statement."""
    import ast

    try:
        with open(scenario, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and not isinstance(
            node, (ast.Try, ast.If, ast.With, ast.For, ast.While, ast.FunctionDef, ast.ClassDef)
        ):
            end = getattr(node, "end_lineno", node.lineno)
            if node.lineno <= lineno <= end:
                return "import" if isinstance(node, (ast.Import, ast.ImportFrom)) else "call"
    return "call"


if __name__ == "__main__":
    sys.exit(main())
