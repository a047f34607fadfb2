"""Cut the one Markdown rendering into sections, and shrink it to fit a chat platform's message limits.

`service.render.render_recommendation` writes the answer once. The chat adapters parse that Markdown into
sections (heading, lines, code blocks), emit them in the platform's dialect, and only when the result is
over the platform's limit leave out the least useful parts first, saying so in a note:

1. single commands too long for one message block (Slack: a section holds 3000 characters);
2. the Compose snippet (the `docker` commands above it say the same);
3. the longest remaining commands, one at a time;
4. the assumptions list;
5. as a last resort, lines from the end.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from service.i18n import Gettext, english
from service.render import ASSUMPTIONS_TITLE, COMPOSE_TITLE

_HEADING = re.compile(r"^(#{1,6}) (.+)$")


@dataclass(frozen=True, slots=True)
class Code:
    language: str
    body: str


Part = str | Code


@dataclass
class Section:
    title: str | None  # None: text before the first heading, the footer, or a note
    level: int  # 1 or 2 for headings, 0 otherwise
    parts: list[Part] = field(default_factory=list)
    note: bool = False  # the "left out to fit" note this module adds


def parse_markdown(markdown: str, gettext: Gettext = english) -> list[Section]:
    """Split `render_recommendation` Markdown into sections; blank lines carry no meaning here.

    `gettext` is the language the answer was rendered in: the footer is found by its translated prefix."""
    sections = [Section(None, 0)]
    fence: str | None = None
    code: list[str] = []
    for line in markdown.splitlines():
        if fence is not None:
            if line.strip() == "```":
                sections[-1].parts.append(Code(fence, "\n".join(code)))
                fence = None
            else:
                code.append(line)
            continue
        if line.startswith("```"):
            fence, code = line[3:].strip(), []
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(heading[2].strip(), len(heading[1])))
        elif line.strip():
            sections[-1].parts.append(line)
    if fence is not None:  # an unterminated fence still shows as code
        sections[-1].parts.append(Code(fence, "\n".join(code)))
    # The trailing "catalogue sha256:..." line is a footer, not part of the last list.
    last = sections[-1]
    footer = last.parts[-1] if last.title is not None and last.parts else None
    prefix = gettext("catalogue {version}").split("{", 1)[0]
    if isinstance(footer, str) and footer.startswith(prefix):
        sections.append(Section(None, 0, [last.parts.pop()]))
    return [section for section in sections if section.title is not None or section.parts]


def _count(n: int) -> str:
    return f"{n:,}"


@dataclass
class _Shortening:
    """The answer being shortened for one platform, and what has been left out of it so far."""

    work: list[Section]
    platform: str
    _: Gettext = english  # the answer's language: the titles it looks for and the notes it writes
    left_out: list[str] = field(default_factory=list)

    def result(self) -> list[Section]:
        if not self.left_out:
            return self.work
        note = self._(
            "Shortened to fit in one {platform} message; left out: {parts}. "
            "Ask the same query with `netadvisor ask` or `GET /v1/recommendations?q=` for all of it."
        ).format(platform=self.platform, parts=self._(", ").join(self.left_out))
        return [*self.work, Section(None, 0, [note], note=True)]

    def drop_code(self, section: Section, index: int) -> None:
        part = section.parts[index]
        assert isinstance(part, Code)
        size = len(part.body)
        section.parts[index] = self._(
            "_(command left out: {size} characters, too long for {platform})_"
        ).format(size=_count(size), platform=self.platform)
        self.left_out.append(self._("a {size}-character command").format(size=_count(size)))

    def drop_wide_code(self, max_code_line: int) -> None:
        for section in self.work:
            for index, part in enumerate(section.parts):
                if isinstance(part, Code) and max(map(len, part.body.splitlines() or [""])) > max_code_line:
                    self.drop_code(section, index)

    def drop_compose_then_largest_code(self, fits: Callable[[list[Section]], bool]) -> None:
        for section in self.work:
            if section.title == self._(COMPOSE_TITLE) and section.parts:
                section.parts = [self._("_(Compose snippet left out: the commands above do the same.)_")]
                self.left_out.append(self._("the Compose snippet"))
        while not fits(self.result()):
            blocks = [
                (len(part.body), section, index)
                for section in self.work
                for index, part in enumerate(section.parts)
                if isinstance(part, Code)
            ]
            if not blocks:
                break
            _, section, index = max(blocks, key=lambda block: block[0])
            self.drop_code(section, index)

    def shorten_assumptions(self, fits: Callable[[list[Section]], bool]) -> None:
        for section in self.work:
            if section.title == self._(ASSUMPTIONS_TITLE) and section.parts:
                count = len(section.parts)
                section.parts = [self._("_({count} assumptions left out.)_").format(count=count)]
                self.left_out.append(self._("the assumptions"))

    def cut_the_end(self, fits: Callable[[list[Section]], bool]) -> None:
        self.left_out.append(self._("the end of the answer"))
        work = self.work
        while not fits(self.result()):
            tail = next((section for section in reversed(work) if section.parts), None)
            if tail is None or (tail is work[0] and len(tail.parts) <= 1):
                break
            tail.parts.pop()
            if not tail.parts and tail is not work[0]:
                work.remove(tail)


def fit(
    sections: list[Section],
    fits: Callable[[list[Section]], bool],
    *,
    platform: str,
    max_code_line: int | None = None,
    gettext: Gettext = english,
) -> list[Section]:
    """Return `sections`, shortened as little as possible so that `fits` accepts them (see module doc)."""
    shortening = _Shortening(copy.deepcopy(sections), platform, gettext)
    if max_code_line is not None:
        shortening.drop_wide_code(max_code_line)
    # Each step leaves out more than the one before; stop at the first that fits.
    for step in (
        shortening.drop_compose_then_largest_code,
        shortening.shorten_assumptions,
        shortening.cut_the_end,
    ):
        if fits(shortening.result()):
            return shortening.result()
        step(fits)
    return shortening.result()
