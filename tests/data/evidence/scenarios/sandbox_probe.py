"""
title: The sandbox as the cell sees it
source: tests/data/evidence
description: >
  Reads what the kernel applies to this process (credentials, capabilities, no_new_privs,
  limits, cgroup limits, mounts, network interfaces) and tries writes where the sandbox
  allows and forbids them; prints it all as one JSON line for the test to compare with the
  settings the harness was given.
claim:
  summary: "nothing: the probe only reports"
  pattern: "^$"
"""

import errno
import json
import os
import resource


def status_fields():
    fields = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return {
        key: fields.get(key)
        for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs", "Seccomp")
    }


def first_readable(*paths):
    for path in paths:
        try:
            with open(path) as handle:
                return handle.read().strip()
        except OSError:
            continue
    return None


def write_errno(path):
    try:
        with open(path, "w") as handle:
            handle.write("probe")
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))
    os.remove(path)
    return "written"


def mounts():
    found = {}
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            before, _, after = line.partition(" - ")
            parts = before.split()
            fstype, _source, super_options = after.split()[:3]
            found[parts[4]] = {
                "options": sorted(parts[5].split(",")),
                "fstype": fstype,
                "super_options": sorted(super_options.split(",")),
            }
    return {point: found.get(point) for point in ("/", "/keras-matrix", "/tmp", os.environ["HOME"])}


def size_of(path):
    stat = os.statvfs(path)
    return stat.f_blocks * stat.f_frsize


home = os.environ["HOME"]
report = {
    "uid": [os.getuid(), os.geteuid()],
    "gid": [os.getgid(), os.getegid()],
    "groups": sorted(os.getgroups()),
    "home": home,
    "status": status_fields(),
    "nofile": list(resource.getrlimit(resource.RLIMIT_NOFILE)),
    "pids_max": first_readable("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"),
    "memory_max": first_readable(
        "/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"
    ),
    "memory_swap_max": first_readable(
        "/sys/fs/cgroup/memory.swap.max", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"
    ),
    "writes": {
        "/keras-matrix": write_errno("/keras-matrix/probe"),
        "/": write_errno("/probe"),
        "/tmp": write_errno("/tmp/probe"),
        "home": write_errno(os.path.join(home, "probe")),
    },
    "mounts": mounts(),
    "sizes": {"/tmp": size_of("/tmp"), "home": size_of(home)},
    "modes": {
        "/tmp": oct(os.stat("/tmp").st_mode & 0o7777),
        "home": oct(os.stat(home).st_mode & 0o7777),
    },
    "owners": {
        "/tmp": os.stat("/tmp").st_uid,
        "home": [os.stat(home).st_uid, os.stat(home).st_gid],
    },
    "cgroup2": os.path.exists("/sys/fs/cgroup/cgroup.controllers"),
    "interfaces": sorted(os.listdir("/sys/class/net")),
}
print("SANDBOX-PROBE " + json.dumps(report, sort_keys=True))
