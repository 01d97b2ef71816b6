"""Walk every page a signed-in person can reach by following links, and judge each one as
that person sees it on a phone and on a desktop.

Per page: the HTTP status; horizontal overflow (`scrollWidth ≤ innerWidth`) at both widths;
chart labels drawn at 11 px or more on the phone; each statistical term with its one-line
explanation (evaluation/words.py GLOSSARY); code identifiers in the visible text (snake_case words, or any code the labels module
translates); doubled function words (已已) and corner quotes; every error the browser's
console reports (a Content-Security-Policy violation included); axe-core's serious and
critical violations. One URL per route shape is
visited (digits and query strings folded), so a list of 600 cadres costs one visit, not 600.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from evaluation import words as labels
from evaluation.rubrics.loader import load_default_rubric
from evaluation.scorecard.plan import PLANS_DIR, load_plan_file

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
SKIP = re.compile(r"\.(xlsx|pdf|csv|toml|png|svg|zip|json)$|/(export|download|pdf|backup)\b|/api/")
# What the person reads, without what they are meant to copy or type verbatim (user names,
# file names, TOML, addresses) — those sit in <code>, <kbd>, <pre> or [data-verbatim].
VISIBLE_TEXT = """() => {
  const root = document.querySelector('main') || document.body;
  const copy = root.cloneNode(true);
  copy.querySelectorAll('code, kbd, samp, pre, script, style, [data-verbatim], [hidden]')
      .forEach(node => node.remove());
  return copy.innerText;
}"""
SAME_SHAPE = 2
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# The smallest chart label as drawn on screen, in CSS pixels (font size × the SVG's scale).
SMALLEST_CHART_TEXT = """() => Math.min(999, ...Array.from(document.querySelectorAll('svg.chart text'))
  .filter(t => t.getClientRects().length)
  .map(t => { const m = t.getScreenCTM();
              return parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1); }))"""
MIN_CHART_TEXT = 11
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
WORD = re.compile(r"\b[a-z]{3,}\b")


def known_codes() -> set[str]:
    """Every code the labels module turns into words, every competency id of the shipped
    rubric and every indicator code of the shipped scorecards: none may reach a reader raw."""
    codes: set[str] = set()
    for name, value in vars(labels).items():
        if (
            not name.startswith("_")
            and isinstance(value, dict)
            and value
            and all(isinstance(k, str) for k in value)
        ):
            codes.update(str(k) for k in value)
    codes.update(c.id for c in load_default_rubric().competencies)
    for path in PLANS_DIR.glob("*.toml"):
        codes.update(i.code for i in load_plan_file(path).indicators)
    return {code for code in codes if re.fullmatch(r"[a-z][a-z_]+", code)}


def shape(url: str) -> str:
    """/office/cycles/12/move/close?x=1 → /office/cycles/#/move/close; /r/<token> → /r/*"""
    path = re.sub(r"/\d+(?=/|$)", "/#", urlsplit(url).path)
    return re.sub(r"/[A-Za-z0-9_-]{16,}(?=/|$)", "/*", path)


@dataclass
class PageReport:
    url: str
    status: int
    overflow: dict[str, int] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)
    chart_text: float = 999.0
    unexplained: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    wording: list[str] = field(default_factory=list)
    height: int = 0  # the page's height at 390 px, in CSS pixels

    def problems(self) -> list[str]:
        found = []
        if self.status >= 400:
            found.append(f"HTTP {self.status}")
        found += [f"{width} 宽度横向溢出 {px}px" for width, px in self.overflow.items() if px > 1]
        if self.codes:
            found.append(f"代码词：{', '.join(sorted(set(self.codes))[:8])}")
        if self.unexplained:
            found.append(f"术语无说明：{'、'.join(self.unexplained)}")
        if self.console:
            found.append(f"控制台错误：{' | '.join(self.console[:3])}")
        if self.wording:
            found.append(f"用词：{'、'.join(self.wording)}")
        if self.chart_text < MIN_CHART_TEXT - 0.05:
            found.append(f"390 宽度下图表文字只有 {self.chart_text:.1f}px")
        found += self.axe
        return found


# Function words that never double in correct Chinese ("周期已已截止"), and the corner
# quotes mainland 公文 do not use (“” instead).
DOUBLED = re.compile(
    r"(已已|的的|了了|在在|是是|和和|与与|及及|或或|将将|被被|把把|未未|请请|于于)"
)
CORNER_QUOTES = re.compile(r"[「」『』]")


def wording_in(text: str) -> list[str]:
    found = [f"重复字“{m}”" for m in sorted(set(DOUBLED.findall(text)))]
    if CORNER_QUOTES.search(text):
        found.append("直角引号「」（应为“”）")
    return found


def codes_in(text: str, codes: set[str]) -> list[str]:
    found = SNAKE.findall(text)
    found += [word for word in WORD.findall(text) if word in codes]
    return found


def unexplained_terms(text: str) -> list[str]:
    """Statistical words on the page without their one-line explanation beside them."""
    flat = re.sub(r"\s+", "", text)
    return [
        term
        for term, meaning in labels.GLOSSARY.items()
        if term in flat and re.sub(r"\s+", "", meaning) not in flat
    ]


def axe_serious(page: Any, axe: Any) -> list[str]:
    results = axe.run(page).response
    return [
        f"axe {v['id']} ({v['impact']}): {v['nodes'][0]['target']} {v['help']}"
        for v in results["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def crawl(
    page: Any,
    base: str,
    axe: Any,
    codes: set[str],
    visits: Counter[str],
    shots: Path | None = None,
    limit: int = 120,
    exports: dict[str, str] | None = None,
) -> list[PageReport]:
    """Breadth-first from the person's home page. Each route shape is opened up to
    SAME_SHAPE times (an open and a published cycle link to different pages) and fully
    judged — axe and a screenshot — the first time; `visits` is shared between people, so
    a shape judged for one is not judged again for the next. Spreadsheet links found on the
    way are collected in `exports` (one per route shape) for the caller to download."""
    queue: deque[str] = deque([f"{base}/"])
    opened: set[str] = set()
    reports: list[PageReport] = []
    console: list[str] = []  # errors the browser reports on the page being judged (CSP too)
    page.on("console", lambda m: console.append(m.text[:200]) if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(str(e)[:200]))
    while queue and len(reports) < limit:
        url = queue.popleft()
        home = not reports  # every person's crawl starts at their own home page
        if url in opened or SKIP.search(urlsplit(url).path):
            continue
        if visits[shape(url)] >= SAME_SHAPE and not home:
            continue
        opened.add(url)
        page.set_viewport_size(PHONE)
        console.clear()
        response = page.goto(url)
        status = response.status if response else 0
        landed = page.url.split("#")[0]
        if landed != url:  # redirected: judge where it landed, under that page's shape
            if landed in opened or (visits[shape(landed)] >= SAME_SHAPE and not home):
                continue
            opened.add(landed)
        visits[shape(landed)] += 1
        report = PageReport(landed, status)
        reports.append(report)
        if status >= 400 or urlsplit(landed).netloc != urlsplit(base).netloc:
            continue
        report.overflow["390"] = int(page.evaluate(OVERFLOW))
        report.height = int(page.evaluate("document.documentElement.scrollHeight"))
        text = page.evaluate(VISIBLE_TEXT)
        report.codes = codes_in(text, codes)
        report.wording = wording_in(text)
        report.unexplained = unexplained_terms(text)
        report.chart_text = float(page.evaluate(SMALLEST_CHART_TEXT))
        if visits[shape(landed)] == 1:
            report.axe = axe_serious(page, axe)
            if shots is not None:
                page.screenshot(path=str(shots / f"{screenshot_name(landed)}-390.png"))
        page.set_viewport_size(DESKTOP)
        report.overflow["1366"] = int(page.evaluate(OVERFLOW))
        report.console = list(console)
        for href in page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)"):
            target = urljoin(landed, href).split("#")[0]
            if target.startswith(base) and target not in opened:
                queue.append(target)
                if exports is not None and urlsplit(target).path.endswith(".xlsx"):
                    exports.setdefault(shape(target), target)
    return reports


def codes_in_workbook(content: bytes, codes: set[str]) -> dict[str, list[str]]:
    """Code words in every header and cell of every sheet of an .xlsx, by sheet."""

    import fastexcel

    found: dict[str, list[str]] = {}
    reader = fastexcel.read_excel(content)
    for name in reader.sheet_names:
        frame = reader.load_sheet_by_name(name, header_row=None).to_polars()
        cells = [str(v) for column in frame.columns for v in frame[column].to_list() if v]
        words = codes_in("\n".join(cells), codes)
        if words:
            found[name] = sorted(set(words))
    return found


def screenshot_name(url: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", shape(url)).strip("-") or "home"
