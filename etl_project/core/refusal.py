"""Why a file cannot be taken in, said in English and in Chinese.

The English names the file or sheet and comes first; the Chinese says the same without naming the
file again. ``str()`` gives both in one line, as load_audit keeps a reason and a run prints it;
``validate`` shows them on two lines, as it shows a rejected row's messages.
"""

from __future__ import annotations


class Refusal(Exception):
    def __init__(self, en: str, zh: str | None = None):
        super().__init__(joined(en, zh))
        self.en = en
        self.zh = zh


def joined(en: str, zh: str | None) -> str:
    return f"{en.rstrip('. ')}. {zh}" if zh else en


def both(refusals: list[Refusal], en_prefix: str = "") -> tuple[str, str | None]:
    """Several reasons as one: the English ones after ``en_prefix`` and the Chinese ones, each
    joined by semicolons (the Chinese None when none has one)."""
    chinese = [r.zh for r in refusals if r.zh]
    return en_prefix + "; ".join(r.en for r in refusals), "；".join(chinese) or None
