#!/usr/bin/env python3
"""Differential fuzzing of compat_linux_rs against Linux (README.md, "make difffuzz").

The same seeds of calls (tools/difffuzz/difffuzz.c) run natively on this
Linux host, the reference, and through linuxrun against each module. A
seed's first call whose answer or state differs from Linux's is a
difference, unless the deviations file documents it; each difference is
reduced to a minimal list of calls that still shows it.

    difffuzz.py campaign [options]     run seeds, compare, reduce, report
    difffuzz.py reduce SEED INDEX ...  reduce one difference
    difffuzz.py show FILE ...          run a list of calls everywhere, side by side
    difffuzz.py check-deviations       the deviations file against the manual page

Exit status: 0 when every difference is a documented deviation, 1 when
one is not, 2 on a usage or setup error.
"""

import argparse
import atexit
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# A run that takes longer than this is a hang, itself a difference.
RUN_TIMEOUT = 600


@dataclass
class Runner:
    """Where the program runs: natively (Linux) or through linuxrun."""

    name: str
    prefix: list
    release: str = ""  # "11", "10"; empty for Linux


@dataclass
class Call:
    """One call's output: the header line and its state lines."""

    index: int
    name: str
    args: list
    result: str
    state: list = field(default_factory=list)

    @property
    def line(self):
        return " ".join([self.name] + self.args)

    def text(self):
        return "\n".join([f"{self.line} = {self.result}"] + self.state)


HEADER = re.compile(r"^#(\d+) (\S+)((?: \S+)*) = (.*)$")


def parse_run(text):
    """Calls per seed of a program run ("seed N" lines start a seed; a
    "run" has one seed, None), and the closing figures."""
    seeds, calls, figures = {}, None, None
    for line in text.splitlines():
        if line.startswith("seed "):
            calls = seeds.setdefault(int(line.split()[1]), [])
        elif line.startswith("#"):
            m = HEADER.match(line)
            if m is None:
                raise ValueError(f"bad line: {line}")
            if calls is None:
                calls = seeds.setdefault(None, [])
            calls.append(Call(int(m[1]), m[2], m[3].split(), m[4]))
        elif line.startswith("  ") and calls:
            calls[-1].state.append(line)
        elif line.startswith("calls "):
            figures = [int(n) for n in re.findall(r"\d+", line)]
        elif line.strip():
            raise ValueError(f"bad line: {line}")
    return seeds, figures


# --- the deviations file ---------------------------------------------------


@dataclass
class Deviation:
    """A documented deviation: which calls it covers and the two answers."""

    name: str
    manual: list = field(default_factory=list)
    reason: list = field(default_factory=list)
    call: list = field(default_factory=list)  # the calls it covers
    when: list = field(default_factory=list)  # alternatives, each a list of clauses
    linux: list = field(default_factory=list)
    module: list = field(default_factory=list)
    releases: list = field(default_factory=lambda: ["10", "11"])
    differs: list = field(default_factory=list)  # state-line prefixes part of the answer
    observed: str = "yes"
    lineno: int = 0


def parse_deviations(path):
    """Reads the deviations file: blocks that start with "deviation NAME",
    then indented "key value" lines (a key repeated adds to it)."""
    devs, dev = [], None
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line.startswith("deviation "):
                dev = Deviation(line.split(None, 1)[1].strip(), lineno=n)
                devs.append(dev)
                continue
            if dev is None or not line[0].isspace():
                raise ValueError(f"{path}:{n}: expected 'deviation NAME' or an indented line")
            key, _, value = line.strip().partition(" ")
            value = value.strip()
            if key in ("manual", "reason"):
                getattr(dev, key).append(value)
            elif key == "when":
                dev.when.append([c.strip() for c in value.split(" and ")])
            elif key in ("call", "linux", "module", "releases", "differs"):
                setattr(dev, key, value.split())
            elif key == "observed":
                setattr(dev, key, value)
            else:
                raise ValueError(f"{path}:{n}: unknown key {key}")
    for d in devs:
        if not d.manual or not d.reason or not d.call:
            raise ValueError(f"{path}:{d.lineno}: {d.name} needs manual, reason and call")
        if d.observed == "yes" and (not d.linux or not d.module):
            raise ValueError(f"{path}:{d.lineno}: {d.name} needs linux and module answers")
    return devs


def token_number(token):
    """The number a numeric token stands for, or None."""
    names = {
        "AT_FDCWD": -100, "INT_MAX": 2**31 - 1, "INT_MIN": -(2**31), "UINT_MAX": 2**32 - 1,
        "INT64_MAX": 2**63 - 1, "INT64_MAX-1": 2**63 - 2, "INT64_MIN": -(2**63),
        "SIZE_MAX": 2**64 - 1, "SSIZE_MAX": 2**63 - 1,
    }
    token = token.removesuffix("+hi")
    if token in names:
        return names[token]
    try:
        return int(token, 0)
    except ValueError:
        return None


def clone_field(token, name):
    """A field of a structure token {a=b,...} (clone_args, open_how), "0"
    when absent."""
    if not token.startswith("{"):
        return None
    for item in token.strip("{}").split(","):
        key, _, value = item.partition("=")
        if key == name:
            return value
    return "0"


def clause_holds(clause, args):
    """One clause: "argN[.FIELD] in T1 T2...", "argN[.FIELD] not-in ...",
    "argN[.FIELD] has MASK" (any of MASK's bits), "argN[.FIELD] has-all
    MASK" (all of them), "argN[.FIELD] lacks MASK", "argN matches REGEX"
    (the token)."""
    words = clause.split()
    if len(words) < 3 or not words[0].startswith("arg"):
        raise ValueError(f"bad clause: {clause}")
    ref, op, values = words[0], words[1], words[2:]
    argno, _, fieldname = ref[3:].partition(".")
    token = args[int(argno)]
    if fieldname:
        token = clone_field(token, fieldname)
        if token is None:
            return False
    if op in ("in", "not-in"):
        number = token_number(token)
        hit = any(
            token.removesuffix("+hi") == v or (number is not None and number == token_number(v))
            for v in values
        )
        return hit if op == "in" else not hit
    if op == "matches":
        return re.search(values[0], token) is not None
    if op in ("has", "lacks", "has-all"):
        number = token_number(token)
        mask = token_number(values[0])
        if op == "has-all":
            return number is not None and (number & mask) == mask
        hit = number is not None and (number & mask) != 0
        return hit if op == "has" else not hit
    raise ValueError(f"bad clause: {clause}")


def answer_matches(patterns, result):
    """Whether an answer ("0", "-1 EINVAL", "child") is one of patterns:
    0, child, an errno name, "any", or "not" followed by errno names."""
    got = result.split(" (")[0]
    got = got.split()[-1]
    if patterns[0] == "any":
        return True
    if patterns[0] == "not":
        return got not in patterns[1:]
    return got in patterns


def deviation_for(devs, release, linux, module):
    """The deviation that documents a pair of differing calls, or None."""
    for d in devs:
        if d.observed != "yes" or linux.name not in d.call or release not in d.releases:
            continue
        if not any(all(clause_holds(c, linux.args) for c in alt) for alt in d.when):
            continue
        if not (answer_matches(d.linux, linux.result) and answer_matches(d.module, module.result)):
            continue

        def kept(state):
            if "*" in d.differs:
                return []
            return [s for s in state if not any(s.strip().startswith(p) for p in d.differs)]

        if kept(linux.state) == kept(module.state):
            return d
    return None


# --- comparing runs ----------------------------------------------------------


@dataclass
class Outcome:
    """What comparing one seed found."""

    compared: int = 0  # calls compared
    accepted: dict = field(default_factory=dict)  # deviation name -> count
    cut: int = None  # index where a deviation ended the comparison
    differences: list = field(default_factory=list)  # indexes of the differences

    @property
    def difference(self):
        """The first difference, or None."""
        return self.differences[0] if self.differences else None


# Output lines that describe the state a call left (the rest of a call's
# lines are its answer: values written back, the child, an undone rename).
STATE_LINES = ("+ ", "- ", "offset ", "semaphores:", "trimmed ", "not undone",
               "registrations:")


def state_of(call):
    return [s for s in call.state if s.strip().startswith(STATE_LINES)]


def compare(devs, release, linux_calls, module_calls):
    """Compares two runs of the same calls, call by call.  After a
    difference, or a documented deviation, that left the same state on both
    sides the comparison goes on; once the states differ it ends."""
    outcome = Outcome()
    for lc, mc in zip(linux_calls, module_calls):
        if lc.line != mc.line:
            raise ValueError(f"the runs disagree on the calls: {lc.line} / {mc.line}")
        outcome.compared += 1
        if lc.text() == mc.text():
            continue
        d = deviation_for(devs, release, lc, mc)
        if d is None:
            outcome.differences.append(lc.index)
        else:
            outcome.accepted[d.name] = outcome.accepted.get(d.name, 0) + 1
        if state_of(lc) != state_of(mc):
            if d is not None:
                outcome.cut = lc.index
            return outcome
    if len(linux_calls) != len(module_calls):
        # One run stopped early (killed, hung): the first call it lacks.
        outcome.differences.append(min(len(linux_calls), len(module_calls)))
    return outcome


# --- running the program ------------------------------------------------------


class Fuzzer:
    def __init__(self, program, runners, devs, workdir):
        self.program = os.path.abspath(program)
        self.runners = runners
        self.devs = devs
        # One folder per driver, so that runs at the same time keep apart.
        os.makedirs(workdir, exist_ok=True)
        self.workdir = tempfile.mkdtemp(dir=workdir)
        atexit.register(shutil.rmtree, self.workdir, ignore_errors=True)
        self.wall = {r.name: 0.0 for r in runners}

    def start(self, runner, args, stdin=None):
        cwd = os.path.join(self.workdir, runner.name)
        os.makedirs(cwd, exist_ok=True)
        return subprocess.Popen(
            runner.prefix + [self.program] + args,
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run_all(self, runners, args, stdin=None):
        """Runs the program with args under each runner at once; returns
        {runner name: (seeds, figures, error text or None)}."""
        procs = {}
        for r in runners:
            procs[r.name] = (self.start(r, args, stdin), time.monotonic())
        out = {}
        for name, (p, t0) in procs.items():
            try:
                stdout, stderr = p.communicate(stdin, timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                stdout, stderr = p.communicate()
                stderr += f"\nkilled after {RUN_TIMEOUT} s"
            self.wall[name] += time.monotonic() - t0
            error = None
            if p.returncode != 0:
                error = f"exit status {p.returncode}: {stderr.strip()}"
            try:
                seeds, figures = parse_run(stdout)
            except ValueError as e:
                seeds, figures, error = {}, None, f"{error or ''} {e}".strip()
            out[name] = (seeds, figures, error)
        return out

    def script(self, seed, ncalls):
        return subprocess.run(
            [self.program, "gen", str(seed), str(ncalls)],
            check=True, capture_output=True, text=True,
        ).stdout.splitlines()

    def run_script(self, runners, lines):
        out = self.run_all(runners, ["run", "-"], "\n".join(lines) + "\n")
        return {name: (seeds.get(None, []), error) for name, (seeds, _, error) in out.items()}


# --- reduction ----------------------------------------------------------------


def signature(linux, module):
    """What identifies a difference: the call and both answers."""
    if linux is None or module is None:
        return (getattr(linux or module, "name", "?"), "died", "died")
    return (linux.name, linux.result, module.result)


class Reducer:
    """Reduces a difference to the fewest calls, with the simplest arguments,
    that still show it with the same two answers."""

    def __init__(self, fuzzer, linux, module, pools):
        self.fuzzer, self.linux, self.module, self.pools = fuzzer, linux, module, pools
        self.runs = 0

    def shows(self, lines, sig):
        self.runs += 1
        out = self.fuzzer.run_script([self.linux, self.module], lines)
        lc, le = out[self.linux.name]
        mc, me = out[self.module.name]
        if le is not None or len(lc) != len(lines):
            return False
        o = compare(self.fuzzer.devs, self.module.release, lc, mc)
        if not o.differences or o.differences[-1] != len(lines) - 1:
            return False
        got = signature(lc[-1], mc[-1] if len(mc) == len(lines) else None)
        return got == sig

    def reduce(self, lines, sig):
        """ddmin over the calls before the last, then simpler tokens."""
        head, last = lines[:-1], lines[-1]
        n = 2
        while head:
            chunk = max(1, len(head) // n)
            for start in range(0, len(head), chunk):
                trial = head[:start] + head[start + chunk:]
                if self.shows(trial + [last], sig):
                    head, n = trial, max(n - 1, 2)
                    break
            else:
                if chunk == 1:
                    break
                n = min(len(head), n * 2)
        lines = head + [last]
        changed = True
        while changed:
            changed = False
            for i in range(len(lines)):
                for candidate in self.simpler_lines(lines[i]):
                    trial = lines[:i] + [candidate] + lines[i + 1:]
                    if self.shows(trial, sig):
                        lines, changed = trial, True
                        break
        return lines

    def simpler_lines(self, line):
        """Variants of line with one argument made simpler."""
        name, *args = line.split()
        kinds = self.pools["calls"].get(name, [])
        for i, token in enumerate(args):
            for simpler in self.simpler_tokens(token, kinds[i] if i < len(kinds) else None):
                yield " ".join([name] + args[:i] + [simpler] + args[i + 1:])

    def simpler_tokens(self, token, kind):
        if token.endswith("+hi"):
            yield token.removesuffix("+hi")
            return
        if token.startswith("{") and token != "{}" and "=" in token:
            items = token.strip("{}").split(",")
            for j in range(len(items)):
                yield "{" + ",".join(items[:j] + items[j + 1:]) + "}"
            for j, item in enumerate(items):
                key, _, value = item.partition("=")
                for fewer in fewer_bits(value):
                    yield "{" + ",".join(items[:j] + [f"{key}={fewer}"] + items[j + 1:]) + "}"
        yield from fewer_bits(token)
        if token.startswith("[") and ";" in token:
            ops = token.strip("[]").split(";")
            for j in range(len(ops)):
                yield "[" + ";".join(ops[:j] + ops[j + 1:]) + "]"
        pool = self.pools["kinds"].get(kind, [])
        if token in pool:
            yield from pool[: min(pool.index(token), 4)]


def fewer_bits(token):
    """A flags value (hex) with one of its bits cleared, for each bit."""
    if not token.startswith("0x"):
        return
    value = int(token, 16)
    if bin(value).count("1") < 2:
        return
    for bit in range(64):
        if value & (1 << bit):
            yield hex(value & ~(1 << bit))


def read_pools(program):
    text = subprocess.run([program, "pools"], check=True, capture_output=True, text=True).stdout
    pools = {"kinds": {}, "calls": {}, "wide": set()}
    for line in text.splitlines():
        head, _, rest = line.partition(":")
        if head.startswith("call "):
            pools["calls"][head.split()[1]] = rest.split()
        else:
            kind = head.split()[0]
            pools["kinds"][kind] = rest.split()
            if head.endswith(" wide"):
                pools["wide"].add(kind)
    return pools


# --- the campaign ----------------------------------------------------------------


@dataclass
class Difference:
    runners: list  # the systems that showed it
    seed: int
    index: int
    sig: tuple
    reproducer: list = None
    answers: dict = None  # runner name -> the reproducer's last call (text)
    seeds_seen: list = field(default_factory=list)


def runners_from(args):
    linux = Runner("linux", [])
    modules = []
    for spec in args.module:
        release, _, kmod = spec.partition("=")
        modules.append(Runner(f"netbsd-{release}", [args.linuxrun, "--kmod", kmod], release))
    for spec in args.runner:
        name, _, command = spec.partition("=")
        modules.append(Runner(name, [os.path.abspath(w) if os.path.exists(w) else w
                                     for w in shlex.split(command)]))
    return linux, modules


def campaign(args):
    devs = parse_deviations(args.deviations)
    linux, modules = runners_from(args)
    fz = Fuzzer(args.program, [linux] + modules, devs, args.workdir)
    pools = read_pools(fz.program)
    started = time.monotonic()
    per_module = {m.name: {"seeds": 0, "calls": 0, "compared": 0, "accepted": {}, "cut": 0}
                  for m in modules}
    deadline_calls = {r.name: 0 for r in [linux] + modules}
    diffs = {}  # (runner, signature) -> Difference
    seed = args.first_seed
    while True:
        elapsed = time.monotonic() - started
        if seed >= args.first_seed + args.seeds and (
            args.seconds is None or elapsed >= args.seconds
        ):
            break
        left = args.first_seed + args.seeds - seed
        count = min(args.batch, left) if left > 0 else args.batch
        out = fz.run_all([linux] + modules, ["seeds", str(seed), str(count), str(args.calls)])
        lseeds, lfig, lerr = out[linux.name]
        if lerr is not None:
            sys.exit(f"difffuzz: the Linux run of seeds {seed}..{seed + count - 1} failed: {lerr}")
        deadline_calls[linux.name] += lfig[1] if lfig else 0
        for m in modules:
            mseeds, mfig, merr = out[m.name]
            deadline_calls[m.name] += mfig[1] if mfig else 0
            stats = per_module[m.name]
            for s in range(seed, seed + count):
                stats["seeds"] += 1
                lc, mc = lseeds.get(s, []), mseeds.get(s, [])
                stats["calls"] += len(mc)
                o = compare(devs, m.release, lc, mc)
                stats["compared"] += o.compared
                for k, v in o.accepted.items():
                    stats["accepted"][k] = stats["accepted"].get(k, 0) + v
                stats["cut"] += o.cut is not None
                for index in o.differences:
                    lcall = lc[index] if index < len(lc) else None
                    mcall = mc[index] if index < len(mc) else None
                    sig = signature(lcall, mcall)
                    if sig not in diffs:
                        diffs[sig] = Difference([], s, index, sig + ((merr,) if merr else ()))
                    if m.name not in diffs[sig].runners:
                        diffs[sig].runners.append(m.name)
                    if s not in diffs[sig].seeds_seen:
                        diffs[sig].seeds_seen.append(s)
        if args.verbose:
            print(f"seeds {seed}..{seed + count - 1}: {len(diffs)} distinct differences so far",
                  file=sys.stderr)
        seed += count
    campaign_time = time.monotonic() - started

    reduce_started = time.monotonic()
    reduced = 0
    for d in diffs.values():
        if args.no_reduce or (args.max_reduce is not None and reduced >= args.max_reduce):
            continue
        reduced += 1
        module = next(m for m in modules if m.name == d.runners[0])
        lines = fz.script(d.seed, args.calls)[: d.index + 1]
        r = Reducer(fz, linux, module, pools)
        d.reproducer = r.reduce(lines, d.sig[:3]) if r.shows(lines, d.sig[:3]) else lines
        out = fz.run_script([linux] + modules, d.reproducer)
        d.answers = {}
        for name, (calls, error) in out.items():
            last = calls[-1] if len(calls) == len(d.reproducer) else None
            d.answers[name] = last.text() if last else f"(no answer: {error})"
    reduce_time = time.monotonic() - reduce_started

    report = format_report(args, devs, modules, per_module, deadline_calls, diffs, fz,
                           campaign_time, reduce_time)
    print(report)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(report + "\n")
    return 1 if diffs else 0


def format_report(args, devs, modules, per_module, deadline_calls, diffs, fz,
                  campaign_time, reduce_time):
    out = []
    last_seed = args.first_seed + max(s["seeds"] for s in per_module.values()) - 1
    out.append(f"difffuzz: seeds {args.first_seed}..{last_seed}, {args.calls} calls each; "
               f"campaign {campaign_time:.1f} s, reduction {reduce_time:.1f} s")
    out.append(f"  linux: {fz.wall['linux']:.1f} s of runs, "
               f"{deadline_calls['linux']} calls ended by the deadline")
    for m in modules:
        s = per_module[m.name]
        accepted = ", ".join(f"{k} {v}" for k, v in sorted(s["accepted"].items())) or "none"
        out.append(f"  {m.name}: {s['seeds']} seeds, {s['calls']} calls, {s['compared']} compared, "
                   f"{fz.wall[m.name]:.1f} s of runs, {deadline_calls[m.name]} calls ended by "
                   f"the deadline; documented deviations met: {accepted}; "
                   f"seeds ended by a deviation: {s['cut']}")
    unobserved = [d.name for d in devs if d.observed != "yes"]
    if unobserved:
        out.append("  documented deviations the dump cannot show: " + ", ".join(unobserved))
    if not diffs:
        out.append("no difference outside the deviations file")
        return "\n".join(out)
    out.append(f"{len(diffs)} distinct differences outside the deviations file "
               "(call, Linux's answer, the module's):")
    by_call = {}
    for d in diffs.values():
        by_call.setdefault(d.sig[0], []).append(d)
    for call in sorted(by_call):
        out.append(f"\n## {call}")
        for d in sorted(by_call[call], key=lambda d: d.sig):
            seen = ", ".join(str(s) for s in d.seeds_seen[:8])
            more = f" and {len(d.seeds_seen) - 8} more" if len(d.seeds_seen) > 8 else ""
            out.append(f"\n- {', '.join(d.runners)}: Linux `{d.sig[1]}`, module `{d.sig[2]}`"
                       + (f" ({d.sig[3]})" if len(d.sig) > 3 else "")
                       + f"; first in seed {d.seed} call {d.index}; seeds {seen}{more}")
            if d.reproducer:
                out.append("  reproducer (difffuzz run):")
                out.extend(f"      {line}" for line in d.reproducer)
                for name, text in d.answers.items():
                    first, *rest = text.split("\n")
                    out.append(f"    {name}: {first.split(' = ', 1)[-1]}")
                    out.extend(f"      {r.strip()}" for r in rest)
    return "\n".join(out)


def show(args):
    """Runs lists of calls everywhere, prints the answers side by side and,
    per system, the first difference outside the deviations file."""
    devs = parse_deviations(args.deviations)
    linux, modules = runners_from(args)
    fz = Fuzzer(args.program, [linux] + modules, devs, args.workdir)
    status = 0
    for path in args.files:
        with open(path, encoding="utf-8") as f:
            lines = [ln.rstrip("\n") for ln in f if ln.strip() and not ln.startswith("#")]
        out = fz.run_script([linux] + modules, lines)
        for i, line in enumerate(lines):
            print(f"{line}")
            for name, (calls, error) in out.items():
                text = calls[i].text() if i < len(calls) else f"(no answer: {error})"
                first, *rest = text.split("\n")
                print(f"  {name:10} {first.split(' = ', 1)[-1]}")
                for r in rest:
                    print(f"  {'':10} {r.strip()}")
        for m in modules:
            o = compare(devs, m.release, out[linux.name][0], out[m.name][0])
            accepted = ", ".join(f"{k} {v}" for k, v in sorted(o.accepted.items())) or "none"
            if o.difference is not None:
                status = 1
                verdict = f"difference at call {o.difference}"
            elif o.cut is not None:
                verdict = f"no difference; comparison ended by a deviation at call {o.cut}"
            else:
                verdict = "no difference"
            print(f"{path}: {m.name}: {verdict} (deviations met: {accepted})")
    return status


def reduce_one(args):
    devs = parse_deviations(args.deviations)
    linux, modules = runners_from(args)
    fz = Fuzzer(args.program, [linux] + modules, devs, args.workdir)
    module = modules[0]
    lines = fz.script(args.seed, args.index + 1)
    out = fz.run_script([linux, module], lines)
    lc, mc = out[linux.name][0], out[module.name][0]
    sig = signature(lc[-1] if lc else None, mc[-1] if len(mc) == len(lines) else None)
    r = Reducer(fz, linux, module, read_pools(fz.program))
    if not r.shows(lines, sig):
        print("no difference at that call")
        return 0
    for line in r.reduce(lines, sig):
        print(line)
    print(f"# Linux {sig[1]}, {module.name} {sig[2]} ({r.runs} runs)", file=sys.stderr)
    return 1


def check_deviations(args):
    """Every deviation must quote its manual page entry (compared with the
    rendered page, whitespace folded) and parse."""
    devs = parse_deviations(args.deviations)
    page = subprocess.run(["mandoc", "-Tascii", args.manual], check=True,
                          capture_output=True, text=True).stdout
    page = re.sub(r".\x08", "", page)
    folded = " ".join(page.replace("\u2010", "-").split())
    folded = re.sub(r"(\w)- (\w)", r"\1-\2", folded)
    bad = 0
    for d in devs:
        quote = " ".join(" ".join(d.manual).split())
        if quote not in folded:
            print(f"{args.deviations}:{d.lineno}: {d.name}: not in {args.manual}: {quote}")
            bad += 1
    print(f"{len(devs)} deviations, {bad} not found in the manual page")
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--program", default=os.path.join(TOP, "build/difffuzz/difffuzz"))
    p.add_argument("--linuxrun", default=os.path.join(TOP, "build/bin/linuxrun"))
    p.add_argument("--module", action="append", default=[],
                   help="RELEASE=KMOD, e.g. 11=build/netbsd-11/compat_linux_rs.kmod (repeatable)")
    p.add_argument("--runner", action="append", default=[],
                   help="NAME=COMMAND: another system to compare, COMMAND put before the "
                        "program (no deviation applies to it)")
    p.add_argument("--deviations", default=os.path.join(HERE, "deviations"))
    p.add_argument("--manual", default=os.path.join(TOP, "man/compat_linux_rs.4"))
    p.add_argument("--workdir", default=os.path.join(TOP, "build/difffuzz/work"))
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("campaign")
    c.add_argument("--first-seed", type=int, default=1)
    c.add_argument("--seeds", type=int, default=200, help="at least this many seeds")
    c.add_argument("--seconds", type=float, help="then more seeds until this many seconds")
    c.add_argument("--calls", type=int, default=50)
    c.add_argument("--batch", type=int, default=25, help="seeds per program run")
    c.add_argument("--report", help="also write the report here")
    c.add_argument("--no-reduce", action="store_true")
    c.add_argument("--max-reduce", type=int, help="reduce at most this many differences")
    c.add_argument("--verbose", action="store_true")
    r = sub.add_parser("reduce")
    r.add_argument("seed", type=int)
    r.add_argument("index", type=int)
    s = sub.add_parser("show")
    s.add_argument("files", nargs="+")
    sub.add_parser("check-deviations")
    args = p.parse_args()
    if args.command != "check-deviations" and not args.module and not args.runner:
        args.module = [f"{r}={TOP}/build/netbsd-{r}/compat_linux_rs.kmod" for r in ("11", "10")]
    try:
        return {"campaign": campaign, "reduce": reduce_one, "show": show,
                "check-deviations": check_deviations}[args.command](args)
    except (ValueError, OSError, subprocess.CalledProcessError) as e:
        print(f"difffuzz: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
