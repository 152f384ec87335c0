"""A page of Markdown as HTML: the findings and provenance pages the Snakemake report shows (it
offers other text files only for download). Written by hand for the few forms the pages use
(headings, paragraphs, lists, tables, `code`), rather than adding a Markdown package to the
pinned environment."""

from __future__ import annotations

import html
import re


def to_html(markdown: str, title: str = "Findings") -> str:
    """The Markdown this module writes (headings, paragraphs, lists, tables, `code`) as an HTML
    page, so the Snakemake report can show it (it offers other text files for download)."""

    def inline(text: str) -> str:
        text = html.escape(text.replace("\\|", "|"), quote=False)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)

    out, paragraph, items, table = [], [], [], []

    def flush() -> None:
        if paragraph:
            out.append(f"<p>{inline(' '.join(paragraph))}</p>")
        if items:
            out.append("<ul>" + "".join(f"<li>{inline(i)}</li>" for i in items) + "</ul>")
        if table:
            cells = [re.split(r"(?<!\\)\|", row.strip())[1:-1] for row in table]
            head = "".join(f"<th>{inline(c.strip())}</th>" for c in cells[0])
            body = "".join(
                "<tr>" + "".join(f"<td>{inline(c.strip())}</td>" for c in row) + "</tr>"
                for row in cells[2:]
            )
            # A wide table scrolls inside its panel instead of widening the page.
            out.append(
                f"<div class='wide'><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></div>"
            )
        paragraph.clear(), items.clear(), table.clear()

    for line in markdown.splitlines():
        heading = re.match(r"(#+) (.*)", line)
        if heading or not line.strip():
            flush()
            if heading:
                level = len(heading.group(1))
                out.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif line.startswith("|"):
            table.append(line)
        elif line.startswith("- "):
            items.append(line[2:])
        else:
            paragraph.append(line)
    flush()
    style = (
        "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;"
        "padding:.2em .5em;text-align:left}code{background:#f4f4f4}"
        ".wide{max-width:100%;overflow-x:auto}"
    )
    return (
        f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n"
    )
