"""Check HTML with selectors, not substrings (stdlib parser; no extra dependency)."""

from __future__ import annotations

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.found: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        element = {"tag": tag, "attrs": attributes, "text": []}
        self.found.append(element)
        if tag not in {"input", "meta", "link", "br", "img", "hr"}:
            self.stack.append((tag, attributes))
            element["open"] = True
        self._open = [e for e in self.found if e.get("open")]

    def handle_endtag(self, tag: str) -> None:
        for element in reversed(self.found):
            if element.get("open") and element["tag"] == tag:
                element["open"] = False
                break

    def handle_data(self, data: str) -> None:
        for element in self.found:
            if element.get("open"):
                element["text"].append(data)  # type: ignore[union-attr]


class Element:
    def __init__(self, raw: dict[str, object]) -> None:
        self.tag = str(raw["tag"])
        self.attrs: dict[str, str] = raw["attrs"]  # type: ignore[assignment]
        self.text = " ".join("".join(raw["text"]).split())  # type: ignore[arg-type]


def select(html: str, tag: str, **attrs: str) -> list[Element]:
    """Elements with this tag whose attributes contain these values (class matches a word)."""
    parser = _Collector()
    parser.feed(html)
    matches = []
    for raw in parser.found:
        if raw["tag"] != tag:
            continue
        element = Element(raw)
        ok = True
        for name, wanted in attrs.items():
            name = name.rstrip("_").replace("_", "-")
            value = element.attrs.get(name)
            if value is None or (
                wanted not in value.split() if name == "class" else value != wanted
            ):
                ok = False
        if ok:
            matches.append(element)
    return matches


def text_of(html: str, tag: str, **attrs: str) -> str:
    found = select(html, tag, **attrs)
    assert found, f"no <{tag} {attrs}> in page"
    return found[0].text


def texts(html: str, tag: str, **attrs: str) -> list[str]:
    return [e.text for e in select(html, tag, **attrs)]
