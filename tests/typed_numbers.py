"""Find numbers typed into a chapter's prose that its outputs do not print.

The course's rule: prose states the finding and the notebook prints the numbers. A *typed number*
is a number in a markdown cell with a decimal point, an exponent or a percent sign ("0.93",
"1e-5", "63%"). It passes when the notebook's stored outputs contain it, or when the chapter's
section of ``typed_numbers_allow.py`` lists it (constants of the method, values cited from papers).
Integers ("3 seeds", "Chapter 5") are design choices, not results, and are not checked.
"""

import json
import re
from pathlib import Path

# 0.93, 12.5, .5, 1e-5, 2.5e+07, 63%, 1.5 %. A number glued to letters or underscores (h_1.5, v2.0)
# is an identifier, not a value.
NUMBER = re.compile(
    r"(?<![\w.])(\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+|\d+(?:\.\d+)?\s?%)(?![\w])"
)
# Code spans, links' targets, citation roles, labels and directive options hold identifiers, not claims.
SKIP = [
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"\{(?:cite|cite:p|cite:t|ref|numref|eq|doc|download)\}`[^`]*`"),
    re.compile(r"https?://\S+"),
    re.compile(r"\([\w-]+\)="),
    re.compile(r"^\s*:[\w-]+:.*$", re.M),
]
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(\S*)")


CODE_DIRECTIVES = ("{code-block}", "{code}", "{code-cell}")


def prose(markdown):
    """``markdown`` without its code blocks. A MyST directive (```{note}, ````{solution}) keeps its
    content, which is prose; a code fence (```python, ```text, ```{code-block}) drops it."""
    kept, fences = [], []  # fences: the open fences, innermost last, as (marker, is_code)
    for line in markdown.splitlines():
        match = FENCE.match(line)
        in_code = bool(fences) and fences[-1][1]
        if match:
            marker, info = match.groups()
            closes = bool(fences) and not info and marker[0] == fences[-1][0][0] \
                and len(marker) >= len(fences[-1][0])
            if closes:
                fences.pop()
            elif not in_code:
                fences.append((marker, not info.startswith("{") or info in CODE_DIRECTIVES))
            continue
        if not in_code:
            kept.append(line)
    return "\n".join(kept)


# Scientific notation written in LaTeX, "2.6 \times 10^3" or "4.5 \times 10^{-7}", states the number 2.6e3.
LATEX_POWER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*\\times\s*10\^\{?([+-]?\d+)\}?")


def typed_numbers(markdown):
    """The numbers a markdown cell states, as written, in order ("2.6 \\times 10^3" as "2.6e3")."""
    markdown = prose(markdown)
    for pattern in SKIP:
        markdown = pattern.sub(" ", markdown)
    markdown = LATEX_POWER.sub(lambda m: f"{m.group(1)}e{m.group(2)}", markdown)
    return [m.group(1).replace(" ", "") for m in NUMBER.finditer(markdown)]


def output_text(cell):
    """Every text a code cell's stored outputs show: streams, plain text, HTML and markdown."""
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append("".join(out["text"]))
        for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
            data = out.get("data", {}).get(mime)
            if data is not None:
                parts.append("".join(data))
        if out.get("output_type") == "error":
            parts.append("\n".join(out.get("traceback", [])))
    return "\n".join(parts)


PRINTED = re.compile(r"(?<![\w.])(\d*\.?\d+(?:[eE][+-]?\d+)?)(\s?%)?")


def printed_values(text):
    """The numbers an output prints, as (spelling, value, decimals, is_percent)."""
    found = []
    for m in PRINTED.finditer(text):
        spelling = m.group(1)
        mantissa = spelling.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        found.append((spelling, float(spelling), decimals, bool(m.group(2))))
    return found


def appears(number, text):
    """Whether the outputs ``text`` print ``number``: the same value, at the prose's precision or finer.

    "0.96" matches a printed 0.960 or 0.9612 (prose may round a printed number), never 0.97 or 1.0.
    "63%" matches 63%, 63.2% or 0.632. "1e-5" matches 1e-05 or 1.0e-5 (an exponent is compared by value).
    """
    values = printed_values(text)
    if number.endswith("%"):
        body = number[:-1]
        d = len(body.split(".")[1]) if "." in body else 0
        target = float(body)
        for _, value, decimals, percent in values:
            if percent and decimals >= d and f"{value:.{d}f}" == f"{target:.{d}f}":
                return True
            if not percent and decimals >= d + 2 and f"{100 * value:.{d}f}" == f"{target:.{d}f}":
                return True
        return False
    if "e" in number.lower():  # "2.6e3" matches a printed 2.6e+03, 2.61e+03 or 2612.4, never 2.7e+03
        mantissa, exponent = number.lower().split("e")
        d = len(mantissa.split(".")[1]) if "." in mantissa else 0
        target = f"{float(mantissa):.{d}f}"
        return any(f"{value / 10 ** int(exponent):.{d}f}" == target for _, value, _, percent in values if not percent)
    d = len(number.split(".")[1])
    target = f"{float(number):.{d}f}"
    return any(decimals >= d and "e" not in s.lower() and f"{value:.{d}f}" == target
               for s, value, decimals, _ in values)


def unprinted_numbers(path, allowed=()):
    """The typed numbers of the notebook at ``path`` that neither its outputs nor ``allowed`` hold."""
    nb = json.loads(Path(path).read_text())
    outputs = "\n".join(output_text(c) for c in nb["cells"] if c["cell_type"] == "code")
    missing = []
    for cell in nb["cells"]:
        # The JupyterLab reference list (scripts/lab_references.py) quotes bibliographic data, not claims.
        if cell["cell_type"] != "markdown" or "lab-references" in cell.get("metadata", {}).get("tags", []):
            continue
        for number in typed_numbers("".join(cell["source"])):
            if number in allowed or appears(number, outputs):
                continue
            missing.append(number)
    return missing
