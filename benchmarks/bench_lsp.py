"""Benchmarks of the language server (issue 8 bounds), measured through the protocol: a separate
`python -m migc.lsp` process over stdio, driven by a minimal JSON-RPC client written here (so the
numbers include framing and the event loop, as an editor sees them).

1. didChange -> publishDiagnostics on a 1,000-line document while typing in its middle, p95
   (goal <= 50 ms), with the default settings (no debounce); typing in its first map, where
   every item after the edit moves (the worst case); and, for comparison, with a 150 ms debounce;
2. completion p95 (goal <= 30 ms) and hover p95 (goal <= 20 ms) on the same document, and
   completion p95 while the check of an edit is running;
3. the server's resident memory with the five examples open (goal < 150 MB).

The machine may be busy with other work, so each latency is also printed as a ratio to a
baseline measured in the same run: the round trip of a request the server rejects at once
(an unknown method), which costs only the pipe, the framing and the event loop.

Run: python benchmarks/bench_lsp.py [--edits N] [--requests N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def generate(lines: int) -> str:
    """A realistic 1,000-line mapping: header, custom fields, a values table, then maps."""
    out = [
        'import eu_countries from "std/regions.mig"',
        "migration bench {",
        "  from netmera",
        "  to zoho_crm",
        "  consent gdpr for User when country in eu_countries",
        "}",
        "create field Contacts.Netmera_Id__c: string(64) unique",
        "values campaign_status from Campaign.status to Campaigns.Status {",
        '  "FINISHED" -> "Complete"',
        '  "SENDING" -> "Active"',
        "}",
    ]
    index = 0
    while len(out) < lines:
        out += [
            f"map User -> Contacts where email != null and age > {index % 90} {{",
            "  key Netmera_Id__c <- extId",
            "  Email <- normalize_email(email)",
            "  First_Name <- name | truncate(40)",
            f'  Last_Name <- (surname ?? name ?? "Unknown {index}") | truncate(80)',
            '  Mobile <- e164(msisdn, "TR")',
            "  Mailing_City <- if city != null then trim(city) else null",
            f'  flag "no contact {index}" when email == null and msisdn == null -> report',
            "}",
        ]
        index += 1
    return "\n".join(out) + "\n"  # whole blocks (a cut block would be a syntax error): a few lines past `lines`


class Client:
    """Just enough JSON-RPC over stdio: requests with futures, notifications into a queue."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.diagnostics: asyncio.Queue = asyncio.Queue()
        self.reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def start(cls) -> Client:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "migc.lsp",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params) -> object:
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = future
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        await self.process.stdin.drain()
        return await future

    def notify(self, method: str, params) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def _read(self) -> None:
        stream = self.process.stdout
        while True:
            length = 0
            while True:
                line = await stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stream.readexactly(length))
            if "id" in message and ("result" in message or "error" in message):
                future = self.pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message.get("result", message.get("error")))
            elif message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics.put_nowait((time.perf_counter(), message["params"]))
            elif "id" in message:  # a request from the server (configuration, progress): answer null
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})

    async def wait_for_diagnostics(self, uri: str, version: int | None = None) -> float:
        while True:
            arrived, params = await asyncio.wait_for(self.diagnostics.get(), timeout=120)
            if params["uri"] == uri and (version is None or params.get("version") == version):
                return arrived

    async def stop(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except asyncio.TimeoutError:
            self.process.kill()
        self.reader.cancel()


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def position_of(text: str, needle: str, occurrence: int, delta: int) -> dict:
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    offset += delta
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


async def measure(edits: int, requests: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-lsp-"))
    text = generate(1000)
    document = folder / "bench.mig"
    document.write_text(text, encoding="utf-8")
    uri = document.as_uri()
    client = await Client.start()
    await client.request("initialize", {"processId": os.getpid(), "rootUri": folder.as_uri(), "capabilities": {}})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "mig", "version": 1, "text": text}})
    await client.wait_for_diagnostics(uri, 1)

    baseline = []
    for _ in range(requests):
        start = time.perf_counter()
        await client.request("migc/noSuchMethod", {})
        baseline.append(time.perf_counter() - start)

    version = 1
    lines = text.splitlines()
    middle = lines.index('  Last_Name <- (surname ?? name ?? "Unknown 50") | truncate(80)')
    top = lines.index('  Last_Name <- (surname ?? name ?? "Unknown 0") | truncate(80)')
    typed = {middle: "", top: ""}

    async def type_letters(line: int, count: int) -> list[float]:
        """Types `count` letters at the end of a string on `line`, one didChange each."""
        nonlocal version
        column = lines[line].index('")')
        samples = []
        for edit in range(count):
            version += 1
            where = {"line": line, "character": column + len(typed[line])}
            letter = "abcdefghijklmnopqrstuvwxyz"[edit % 26]
            typed[line] += letter
            change = {"range": {"start": where, "end": where}, "text": letter}
            start = time.perf_counter()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            arrived = await client.wait_for_diagnostics(uri, version)
            samples.append(arrived - start)
        return samples

    # Typing in the middle of the file: each edit inserts one character, so every top-level
    # item after the edit moves (its parse and check are reused, but their positions change).
    latencies: dict[str, list[float]] = {}
    client.notify("workspace/didChangeConfiguration", {"settings": {"mig": {"debounceMs": 150}}})
    await client.wait_for_diagnostics(uri)
    latencies["debounced"] = await type_letters(middle, edits)
    client.notify("workspace/didChangeConfiguration", {"settings": {"mig": {"debounceMs": 0}}})  # the default
    await client.wait_for_diagnostics(uri)
    latencies["middle"] = await type_letters(middle, edits)
    latencies["top"] = await type_letters(top, edits)  # the worst case: everything after it moves

    # The edits left the text as the last change made it; requests use positions in that text.
    current = list(lines)
    for line, letters in typed.items():
        column = current[line].index('")')
        current[line] = current[line][:column] + letters + current[line][column:]
    current_text = "\n".join(current) + "\n"
    completion, hover = [], []
    for index in range(requests):
        where = position_of(current_text, "Mobile <- ", index % 50, len("Mobile <- "))
        start = time.perf_counter()
        items = await client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": where})
        completion.append(time.perf_counter() - start)
        assert items and items["items"], "completion returned nothing"
        where = position_of(current_text, "normalize_email", index % 50, 3)
        start = time.perf_counter()
        found = await client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": where})
        hover.append(time.perf_counter() - start)
        assert found and "normalize_email" in found["contents"]["value"], "hover returned nothing"

    # Completion while a check holds the worker thread: the event loop must still answer.
    contended = []
    for _ in range(edits):
        version += 1
        client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [
            {"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}}, "text": " "},
        ]})
        await asyncio.sleep(0.05)  # debounce is off: the check of this version is running now
        for index in range(3):
            where = position_of(current_text, "Mobile <- ", index, len("Mobile <- "))
            start = time.perf_counter()
            await client.request("textDocument/completion", {"textDocument": {"uri": uri}, "position": where})
            contended.append(time.perf_counter() - start)
        await client.wait_for_diagnostics(uri, version)

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    for example in sorted((ROOT / "examples").glob("*.mig")):
        example_uri = example.as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": example_uri, "languageId": "mig", "version": 1, "text": example.read_text(encoding="utf-8")}})
        await client.wait_for_diagnostics(example_uri, 1)
    memory = rss_mb(client.process.pid)
    await client.stop()

    floor = p95(baseline)
    check_times = _check_in_process(document, current_text, repeat=max(5, edits // 2))
    analysis_times = _analyze_in_process(uri, current_text, middle, edits)
    print(f"baseline: unknown-method round trip p95 {floor * 1000:.2f} ms (median {statistics.median(baseline) * 1000:.2f} ms, n={len(baseline)})")
    rows = [
        ("didChange -> publishDiagnostics, typing mid-file (default: no debounce)", latencies["middle"], 50.0),
        ("didChange -> publishDiagnostics, typing in the first map (all items move)", latencies["top"], 50.0),
        ("didChange -> publishDiagnostics, typing mid-file with debounceMs 150 (not the default)", latencies["debounced"], None),
        ("completion", completion, 30.0),
        ("hover", hover, 20.0),
        ("completion while a check runs", contended, 30.0),
    ]
    for label, samples, goal in rows:
        value = p95(samples) * 1000
        verdict = "no goal" if goal is None else f"goal <= {goal:.0f} ms: {'meets' if value <= goal else 'misses'}"
        print(f"{label}: p95 {value:.1f} ms (median {statistics.median(samples) * 1000:.1f} ms, n={len(samples)}); "
              f"{value / (floor * 1000):.1f}x baseline; {verdict}")
    print(f"for comparison, in this process: one analysis of a mid-file edit (as the server runs it) median "
          f"{statistics.median(analysis_times) * 1000:.1f} ms, p95 {p95(analysis_times) * 1000:.1f} ms; "
          f"`migc check` of the whole text median {statistics.median(check_times) * 1000:.1f} ms, p95 {p95(check_times) * 1000:.1f} ms")
    print(f"server RSS with the five examples open: {memory:.1f} MB; goal < 150 MB: {'meets' if memory < 150 else 'misses'}")
    print(f"document: {len(text.splitlines())} lines; machine load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _check_in_process(path: Path, text: str, repeat: int) -> list[float]:
    """What `migc check` itself costs on the text: the part of the latency the server cannot save."""
    from migc.semantics.check import check_file

    check_file(path, text=text, display_name=str(path))  # warm the catalogs and the prelude
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        check_file(path, text=text, display_name=str(path))
        times.append(time.perf_counter() - start)
    return times


def _analyze_in_process(uri: str, text: str, line: int, edits: int) -> list[float]:
    """The server's analysis of each edit of the mid-file typing, in this process: the part of
    the latency that is checking rather than the protocol."""
    from migc.lsp.snapshot import analyze

    lines = text.splitlines()
    column = lines[line].index('")')
    analyze(uri, 0, text)
    times = []
    for edit in range(edits):
        lines[line] = lines[line][:column] + "x" + lines[line][column:]
        edited = "\n".join(lines) + "\n"
        start = time.perf_counter()
        analyze(uri, edit + 1, edited)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20, help="didChange samples per debounce setting")
    parser.add_argument("--requests", type=int, default=50, help="completion and hover samples")
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.edits, arguments.requests))


if __name__ == "__main__":
    main()
