"""The Latin recognizer's character set and the text rules its labels follow.

Class 0 is the CTC blank; class k (k >= 1) is CHARSET[k - 1]. The space is a
class of its own (the model reads spaces). `write_charset` writes the file the
model ships with: one character per line, in class order (blank not listed).
"""

import unicodedata


def _range(a, b):
    return [chr(c) for c in range(a, b + 1)]


def build_charset():
    chars = _range(0x20, 0x7E)  # printable ASCII, space included
    chars += [c for c in _range(0xA1, 0xFF) if c != "\u00ad"]  # Latin-1 (no soft hyphen)
    chars += _range(0x100, 0x17F)  # Latin Extended-A
    chars += ["\u0218", "\u0219", "\u021a", "\u021b"]  # Ș ș Ț ț
    chars += list("–—‘’‚“”„•…€™†‡‰′″‹›")
    chars += list("−×÷±≤≥≠≈≡∼∝∞→←↔⇒⇐⇔↦∈∉∋⊂⊃⊆⊇∪∩∅∀∃¬∧∨⊕⊗∑∏∫∮√∂∇∆⟨⟩⌊⌋⌈⌉")
    chars += [c for c in _range(0x391, 0x3A9) if c != "\u03a2"]  # Greek capitals
    chars += _range(0x3B1, 0x3C9)  # Greek small, final sigma included
    chars += list("ϑϕϵϖϱ")
    out, seen = [], set()
    for c in chars:
        if c not in seen:
            seen.add(c)
            out.append(c)
    return out


CHARSET = build_charset()
CHAR_TO_ID = {c: i + 1 for i, c in enumerate(CHARSET)}  # 0 is the CTC blank
BLANK_ID = 0
SPACE_ID = CHAR_TO_ID[" "]
N_CLASSES = len(CHARSET) + 1

# Characters rewritten before the charset check (what the text layer gives for
# a glyph the reader sees as the right-hand side).
REWRITE = {
    "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ",
    "\u2007": " ", "\u2008": " ", "\u2005": " ", "\u2006": " ", "\u2004": " ",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb06": "st",
    "\u2010": "-", "\u2011": "-", "\u00ad": "-",
    "\u2013": "–", "\u2014": "—", "\u2015": "—",
    "\u2044": "/", "\u2215": "/", "\u2217": "*", "\u2219": "•", "\u22c5": "·", "\u2022": "•",
    "\u02bc": "’", "\u2032": "′", "\u0131\u0307": "i",
    "\u2264": "≤", "\u2265": "≥", "\u223c": "∼", "\u02dc": "˜",
}

# Spacing accents that TeX's OT1 fonts draw as a separate glyph over or under
# a letter, and the combining mark each stands for.
SPACING_ACCENTS = {
    "\u00b4": "\u0301", "\u02c6": "\u0302", "\u00a8": "\u0308",
    "\u02dc": "\u0303", "\u00b8": "\u0327", "\u02c7": "\u030c", "\u02d8": "\u0306",
    "\u02dd": "\u030b", "\u02db": "\u0328", "\u02d9": "\u0307", "\u00af": "\u0304", "\u02da": "\u030a",
}


def write_charset(path):
    with open(path, "w", encoding="utf-8") as f:
        for c in CHARSET:
            f.write(c + "\n")


def encode(text):
    """Class ids of text; None if a character is outside the charset."""
    ids = []
    for c in text:
        k = CHAR_TO_ID.get(c)
        if k is None:
            return None
        ids.append(k)
    return ids


def is_private_or_control(c):
    cat = unicodedata.category(c)
    return cat in ("Co", "Cc", "Cf", "Cs", "Cn")
