"""Fuzzing the command line: mutated space files, mutated architecture files and hostile option
values, fed to every command. Whatever comes in, a command ends with exit code 0, or with exit
code 2 and at most one line on stderr (never a traceback), and a command that fails leaves the
stored study byte-identical (a command that only reads leaves it so whatever its exit code).

The cases are drawn from a fixed seed, so the test is deterministic; each is run in this process
(starting ``nas`` costs seconds), a few through a real ``nas`` process.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass

import pytest
import yaml
from clirun import (
    ROOT,
    STORE,
    TINY_SPACE,
    check_outcome,
    listing,
    run_in_process,
    sha256,
)

SEED = 20240611
TRAIN_DATA = "synthetic:1x16x16:4:64"
#: Base command lines that succeed; a case changes one part of one of them.
BASE = {
    "space": ["space", "tiny.yaml", "--input", "1x16x16", "--samples", "1"],
    "profile": ["profile", "arch.yaml", "--no-memory", "--repeats", "2"],
    "search": ["search", "tiny.yaml", "--study", "t", "--storage", STORE, "--dataset", "synthetic",
               "--no-progress", "--jobs", "1"],
    "status": ["status", "t", "--storage", STORE],
    "report": ["report", "t", "--storage", STORE, "-o", "r.html"],
    "export": ["export", "t", "--storage", STORE, "-o", "a.yaml"],
    "train": ["train", "arch.yaml", "--dataset", TRAIN_DATA, "--adapt", "--epochs", "1", "--batch-size", "32",
              "--threads", "1", "--no-progress", "-o", "run"],
}


# -- what goes in ------------------------------------------------------------------------------------

NUMBERS = ["0", "-1", "99999999999999999999", "1e400", "nan", "inf", "-inf", "abc", "", "1.5", "0x10"]
#: Output paths: (path, made by) -- a folder, a path under a regular file, nonexistent parents,
#: the study's own database, a fifo, a name nobody can create.
OUTPUTS = [".", "studies", "studies/", "tiny.yaml/x.out", "new/deeper/x.out", "studies/t.db", "./studies/t.db",
           "studies/t.db-journal", "fifo", "/proc/nas-no-such/x.out", "", "a\nb.out", "x" * 300]
URLS = ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true", "bad://x", "http://host/x",
        "postgresql://u:secret@127.0.0.1:1/x", "studies/t.db", "sqlite:///studies", "sqlite:///tiny.yaml",
        "sqlite:///nope/t.db", "sqlite:///tiny.yaml/t.db", "", "sqlite:///studies/t.db?mode=ro"]
STUDY_NAMES = ["", "nope", "t\x00", "t\n", "T", "../t", "t" * 500]
DEVICES = ["tpu", "cuda:99", "banana", "cuda:-1", "", "cpu:x"]
PICKS = ["", "trial:", "trial:-1", "trial:99999999999999999999", "trial:x", "knee", "worst", "trial:1.5"]
DATASETS = ["synthetic:1x16x16:1", "synthetic:0x16x16", "synthetic:1x16x16:4:0", "nope", "folder:/nonexistent",
            "folder:tiny.yaml", "", "synthetic:3x99999x99999"]

#: Per command: option -> the kind of values it is fuzzed with.
OPTIONS = {
    "space": {"--input": "shape", "--classes": "number", "--samples": "number", "--seed": "number"},
    "profile": {"--input": "shape", "--classes": "number", "--repeats": "number", "--threads": "number"},
    "search": {"--trials": "number", "--timeout": "number", "--epochs": "number", "--train-subset": "number",
               "--val-size": "number", "--batch-size": "number", "--seed": "number", "--jobs": "number",
               "--threads": "number", "--heartbeat": "number", "--grace": "number", "--max-flops": "number",
               "--max-params": "number", "--preset-max-flops": "number", "--objectives": "objectives",
               "--sampler": "word", "--dataset": "dataset", "--storage": "bad-url", "--data-dir": "output"},
    "status": {"--recent": "number", "--storage": "url", "STUDY": "study"},
    "report": {"-o": "output", "--storage": "url", "STUDY": "study"},
    "export": {"-o": "output", "--storage": "url", "--pick": "pick", "--max-flops": "number", "STUDY": "study"},
    "train": {"--epochs": "number", "--batch-size": "number", "--lr": "number", "--weight-decay": "number",
              "--warmup": "number", "--seed": "number", "--val-size": "number", "--erase": "number",
              "--ema": "number", "--threads": "number", "--resolution": "number", "--device": "device",
              "-o": "output", "--dataset": "dataset"},
}
SHAPES = ["0x16x16", "1x16", "1x16x8", "1x99999x99999", "99999x16x16", "-1x16x16", "axbxc", "", "1x1x1"]
KINDS = {
    "number": NUMBERS, "output": OUTPUTS, "url": URLS, "study": STUDY_NAMES,
    # a search would start a new study at a storage that does not exist yet
    "bad-url": [u for u in URLS if u not in (STORE, "sqlite:///nope/t.db")],
    "device": DEVICES, "pick": PICKS, "dataset": DATASETS, "shape": SHAPES, "word": ["", "x", "TPE", "tpe "],
    "objectives": ["", "accuracy,accuracy", "flops", "accuracy,latency,params,flops,x", ",", "ACCURACY"],
}

# -- mutations of YAML files -------------------------------------------------------------------------

ODD_VALUES = [0, -1, 10**9, 10**30, float("nan"), float("inf"), -float("inf"), 1.5, "x", "", None, True, [], {},
              [[[]]], "9" * 60, -(10**12)]
#: Nine levels of nine aliases: a billion strings to whatever expands it.
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))
JUNK_TOKENS = [":", "[", "]", "{", "}", "-", "&a", "*a", "!!python/object:os.system", "? ", "|", ">", "#", ",",
               "\t", "'", '"', "%YAML 1.1", "---", "...", "~", "!!binary", "0x7fffffff"]


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path into a parsed YAML document."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _parent(doc: object, path: tuple) -> tuple[object, object]:
    node = doc
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    return node, path[-1]


def _value(doc: object, path: tuple) -> object:
    parent, key = _parent(doc, path)
    return parent[key]  # type: ignore[index]


def _dump(doc: object) -> bytes:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True).encode()


def mutate_yaml(text: str, rng: random.Random) -> tuple[str, bytes]:
    """One random mutation of a YAML file: (what was done, the new file's bytes)."""
    doc = yaml.safe_load(text)
    paths = [p for p in _paths(doc) if p]
    how = rng.choice(["delete", "duplicate", "retype", "number", "non-utf8", "alias", "laughs", "key",
                      "token", "token", "swap", "document"])
    if how == "document":  # the whole file is something other than a mapping
        return how, rng.choice([b"", b"- 1\n", b"x\n", b"~\n", b"[]\n", b"--- 1\n--- 2\n", b"\xef\xbb\xbf"])
    if how in ("delete", "retype", "number", "key", "swap") and paths:
        path = rng.choice(paths)
        parent, key = _parent(doc, path)
        if how in ("key", "swap") and not isinstance(parent, dict):
            parent, key = doc, rng.choice(sorted(doc))  # type: ignore[arg-type]
        if how == "delete":
            del parent[key]  # type: ignore[attr-defined]
        elif how == "retype":
            parent[key] = rng.choice(ODD_VALUES)  # type: ignore[index]
        elif how == "number":
            numeric = [p for p in paths if type(_value(doc, p)) in (int, float)]
            if numeric:
                parent, key = _parent(doc, rng.choice(numeric))
            parent[key] = rng.choice([0, -1, -7, 10**9, 10**40, float("nan"), float("inf"), 2**63, 1e308])
        elif how == "key":
            parent[rng.choice([1, 2.5, None, True])] = "x"  # type: ignore[index]  # a non-string key
        else:  # swap: a value moved from elsewhere
            other = rng.choice(paths)
            parent[key] = _parent(doc, other)[0][_parent(doc, other)[1]]  # type: ignore[index]
        return f"{how} {path!r}", _dump(doc)
    data = text.encode()
    lines = data.splitlines(keepends=True)
    if how == "duplicate":
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
        return f"duplicate line {i}", b"".join(lines)
    if how == "non-utf8":
        i = rng.randrange(len(data) + 1)
        return f"bytes at {i}", data[:i] + rng.choice([b"\xff", b"\xc3\x28", b"\x80\x80", b"\xed\xa0\x80"]) + data[i:]
    if how == "alias":
        i = rng.randrange(1, len(lines) + 1)
        return "alias", b"anchor: &x [1, 2]\n" + b"".join(lines[:i]) + b"extra: *x\n" + b"".join(lines[i:])
    if how == "laughs":
        return "billion laughs", LAUGHS.encode() + data
    # a random token edit: a word or a number replaced, or junk put in
    tokens = text.replace("[", " [ ").replace("]", " ] ").replace(",", " , ").replace("{", " { ").replace(
        "}", " } ").split(" ")
    i = rng.randrange(len(tokens))
    tokens[i] = rng.choice(JUNK_TOKENS + [str(v) for v in ODD_VALUES] + [rng.choice(tokens)])
    return f"token {i}", " ".join(tokens).encode()


def mutate_arch(text: str, rng: random.Random) -> tuple[str, bytes]:
    """A mutation of an architecture file: a corrupted block-notation token, dimension or class
    count, or any of the YAML mutations."""
    doc = yaml.safe_load(text)
    how = rng.choice(["notation", "notation", "notation", "input", "classes", "yaml"])
    if how == "yaml":
        return mutate_yaml(text, rng)
    if how == "input":
        doc["input"] = rng.choice(SHAPES + [16, None, [1, 16, 16]])
        return f"input {doc['input']!r}", _dump(doc)
    if how == "classes":
        doc["classes"] = rng.choice([0, -3, 1, 10**9, 10**30, float("inf"), float("nan"), "ten", 2.5, None])
        return f"classes {doc['classes']!r}", _dump(doc)
    blocks = [("stem", None)] + [(i, j) for i, s in enumerate(doc["stages"])
                                 for j in range(len(s["blocks"] if isinstance(s, dict) else s))] + [("head", None)]
    where = rng.choice(blocks)
    if where[0] in ("stem", "head"):
        block = doc[where[0]]
    else:
        stage = doc["stages"][where[0]]
        block = (stage["blocks"] if isinstance(stage, dict) else stage)[where[1]]
    parts = str(block).split("_")
    k = rng.randrange(len(parts))
    edit = rng.choice(["number", "drop", "unknown", "duplicate", "empty", "family"])
    if edit == "number" and k > 0:
        parts[k] = parts[k][0] + rng.choice(["0", "-1", "999999999", "1e9", "nan", "inf", "", "x", "1.5", "65537"])
    elif edit == "drop" and len(parts) > 1:
        del parts[k]
    elif edit == "unknown":
        parts.insert(k + 1, rng.choice(["zz9", "q", "k", "c", "__", "re_re", "s0"]))
    elif edit == "duplicate":
        parts.insert(k, parts[k])
    elif edit == "empty":
        parts = [""]
    else:
        parts[0] = rng.choice(["nosuch", "", "CONV", "bneck2", "head", "conv"])
    new = "_".join(parts)
    if where[0] in ("stem", "head"):
        doc[where[0]] = new
    else:
        stage = doc["stages"][where[0]]
        (stage["blocks"] if isinstance(stage, dict) else stage)[where[1]] = new
    return f"{edit} {block!r} -> {new!r}", _dump(doc)


# -- the cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One command line, and the file (if any) it is given."""

    name: str
    argv: tuple[str, ...]
    file: str | None = None  # written to this name in the working folder
    data: bytes = b""
    #: For a hostile option value: the option and the value.
    option: str | None = None
    value: str | None = None


def _space_seeds() -> list[tuple[str, str]]:
    seeds = [("tiny", TINY_SPACE)]
    seeds += [(p.stem, p.read_text()) for p in sorted((ROOT / "search_spaces").glob("*.yaml"))]
    return seeds


def _with(argv: list[str], option: str, value: str) -> list[str]:
    argv = list(argv)
    if option == "STUDY":
        argv[1] = value
    elif option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


def make_cases() -> list[Case]:
    rng = random.Random(SEED)
    cases: list[Case] = []
    seeds = _space_seeds()
    for i in range(30):  # mutated spaces through `nas space`: the tiny one (fast to count) half the time
        name, text = seeds[0] if i % 2 == 0 else seeds[1 + (i // 2) % (len(seeds) - 1)]
        what, data = mutate_yaml(text, rng)
        cases.append(Case(f"space-{i}-{name}-{what}", ("space", "m.yaml", "--input", "1x16x16", "--samples", "1"),
                          "m.yaml", data))
    for i in range(8):  # mutated tiny space through `nas search` against the stored study
        what, data = mutate_yaml(TINY_SPACE, rng)
        cases.append(Case(f"search-space-{i}-{what}", tuple(BASE["search"]), "tiny.yaml", data))
    for i in range(21):  # mutated architectures through `nas profile` and `nas train`
        seed = "preset.yaml" if i % 3 == 2 else "arch.yaml"
        command = "train" if i % 5 == 4 else "profile"
        argv = (["profile", "m.yaml", "--no-latency", "--no-memory"] if command == "profile"
                else ["train", "m.yaml", *BASE["train"][2:]])
        cases.append(Case(f"{command}-arch-{i}-{seed}", tuple(argv), "m.yaml", seed.encode()))  # mutated at run time
    for command, options in OPTIONS.items():  # hostile option values
        n = {"search": 12, "train": 10, "space": 6, "profile": 6}.get(command, 7)
        for i in range(n):
            option = rng.choice(sorted(options))
            value = rng.choice(KINDS[options[option]])
            cases.append(Case(f"{command}-{option}-{value!r}", tuple(_with(BASE[command], option, value)),
                              option=option, value=value))
    return cases


CASES = make_cases()


# -- running them -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name[:80] for c in CASES])
def test_fuzz_case(work, capfd, case):
    rng = random.Random(f"{SEED}:{case.name}")
    if case.file is not None:
        data = case.data
        if case.name.startswith(("profile-arch", "train-arch")):
            _, data = mutate_arch((work / case.data.decode()).read_text(), rng)
        (work / case.file).write_bytes(data)
    argv = list(case.argv)
    db = work / "studies" / "t.db"
    before, listed = sha256(db), listing(work)
    capfd.readouterr()
    code, err, out = run_in_process(argv, capfd)
    check_outcome(case.name, argv, code, err, before, sha256(db), listed, listing(work))


# -- the same hostile values through the library ------------------------------------------------------


def _api_call(command: str, option: str, value: str):
    """The library call that ``BASE[command]`` with ``option`` set to ``value`` makes."""
    import nas

    name = {"-o": "output", "STUDY": "study"}.get(option, option.lstrip("-").replace("-", "_"))
    if command == "search":
        given = {**dict(study="t", storage=STORE, dataset="synthetic", no_progress=True, jobs=1), name: value}
        return lambda: nas.search("tiny.yaml", **given)
    if command == "train":
        given = {**dict(output="run", dataset=TRAIN_DATA, adapt=True, epochs=1, batch_size=32, threads=1,
                        no_progress=True), name: value}
        return lambda: nas.train("arch.yaml", **given)
    if command == "profile":
        given = {**dict(no_memory=True, repeats=2), name: value}
        return lambda: nas.profile("arch.yaml", **given)
    if command == "space":
        given = {**dict(input="1x16x16", samples=1), name: value}
        return lambda: nas.describe_space("tiny.yaml", **given)
    study = dict(name="t", storage=STORE)
    study.update({"study": {"name": value}, "storage": {"storage": value}}.get(name, {}))
    if command == "export":
        pick = {"pick": value}.get(name, "best")
        kwargs = dict(max_flops=value if name == "max_flops" else None, path=value if name == "output" else "a.yaml")
        return lambda: nas.open_study(**study).export(pick, **kwargs)
    if command == "report":
        return lambda: nas.open_study(**study).report(value if name == "output" else "r.html")
    if command == "status":
        return lambda: nas.open_study(**study).status(value if name == "recent" else 10.0)
    return None


API_CASES = [c for c in CASES if c.option is not None and _api_call(c.argv[0], c.option, c.value or "") is not None]


@pytest.mark.parametrize("case", API_CASES, ids=[c.name[:80] for c in API_CASES])
def test_fuzz_api_says_what_the_command_line_says(work, capfd, case):
    """A value the command line refuses raises :class:`nas.NasError` from the library with the
    same one line, and leaves the study as it was."""
    import nas

    db = work / "studies" / "t.db"
    before = sha256(db)
    capfd.readouterr()
    code, err, _ = run_in_process(list(case.argv), capfd)
    if code != 2:
        return  # accepted: the command's own run checks it (test_fuzz_case)
    line = err.strip().splitlines()[-1].removeprefix(f"nas {case.argv[0]}: error: ")
    if line.startswith("argument "):
        return  # the command line's own syntax (e.g. a value that reads as an option): no library counterpart
    call = _api_call(case.argv[0], case.option or "", case.value or "")
    with pytest.raises(nas.NasError) as raised:
        call()
    assert str(raised.value) == line, case.name
    assert sha256(db) == before


# -- a few through a real `nas` process ----------------------------------------------------------------

PROCESS_CASES = {
    "non-utf8-argument": [b"export", b"t", b"--storage", STORE.encode(), b"-o", b"a\xff/studies/t.db"],
    "search-laughs": [b"search", b"laughs.yaml", b"--study", b"t", b"--storage", STORE.encode(), b"--dataset",
                      b"synthetic"],
}


@pytest.mark.parametrize("name", sorted(PROCESS_CASES))
def test_fuzz_through_a_real_process(work, name):
    (work / "laughs.yaml").write_text(LAUGHS)
    db = work / "studies" / "t.db"
    before, listed = sha256(db), listing(work)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    argv = PROCESS_CASES[name]
    proc = subprocess.run([sys.executable.encode(), b"-m", b"nas.cli.main", *argv], cwd=work, env=env,
                          capture_output=True, timeout=300)
    err = proc.stderr.decode("utf-8", "replace")
    shown = [os.fsdecode(a) for a in argv]
    assert proc.returncode == 2, err
    check_outcome(name, shown, proc.returncode, err, before, sha256(db), listed, listing(work))


def test_mutations_are_deterministic_and_varied():
    """The same seed draws the same cases; they cover every command and many mutation kinds."""
    again = make_cases()
    assert [(c.name, c.argv, c.data) for c in again] == [(c.name, c.argv, c.data) for c in CASES]
    assert {c.argv[0] for c in CASES} == set(BASE)
    kinds = {c.name.split("-")[3].split(" ")[0] for c in CASES if c.name.startswith("space-")}
    assert len(kinds) >= 6, kinds
