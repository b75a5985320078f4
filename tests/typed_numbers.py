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
# Code spans, links' targets, citation roles and labels hold identifiers, not claims.
SKIP = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`\n]*`"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"\{(?:cite|cite:p|cite:t|ref|numref|eq|doc|download)\}`[^`]*`"),
    re.compile(r"https?://\S+"),
    re.compile(r"\(eq-[\w-]+\)="),
]


def typed_numbers(markdown):
    """The numbers a markdown cell states, as written, in order."""
    for pattern in SKIP:
        markdown = pattern.sub(" ", markdown)
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


def variants(number):
    """The spellings an output may use for the same value: "63%" also as "0.63" or "63.0%"."""
    if number.endswith("%"):
        value = number[:-1]
        forms = {value + "%", value}
        frac = float(value) / 100
        forms |= {f"{frac:.{d}f}" for d in range(2, 5)}
        forms |= {f"{float(value):.{d}f}" for d in range(0, 3)}
        return forms
    forms = {number}
    if number.startswith("."):
        forms.add("0" + number)
    if "e" in number.lower():
        mantissa, _, exp = number.lower().partition("e")
        sign = "-" if exp.startswith("-") else "+"
        digits = exp.lstrip("+-")
        forms |= {f"{mantissa}e{sign}{digits.zfill(2)}", f"{mantissa}e{exp}"}
    return forms


def appears(number, text):
    """Whether ``number`` appears in ``text`` as a whole token, in any of its spellings."""
    for form in variants(number):
        if re.search(r"(?<![\d.])" + re.escape(form) + r"(?![\d])", text):
            return True
    return False


def unprinted_numbers(path, allowed=()):
    """The typed numbers of the notebook at ``path`` that neither its outputs nor ``allowed`` hold."""
    nb = json.loads(Path(path).read_text())
    outputs = "\n".join(output_text(c) for c in nb["cells"] if c["cell_type"] == "code")
    missing = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for number in typed_numbers("".join(cell["source"])):
            if number in allowed or appears(number, outputs):
                continue
            missing.append(number)
    return missing
