"""HTML of an article's content (presentation template ``pt_detail``): lead, body blocks, byline.

Three body markups: ``plain`` (justified ``<p>``), ``word`` (Word-pasted ``MsoNormal`` with spans
that split words, ``&nbsp;`` padding and wrapped lines) and ``entities`` (every non-ASCII letter as a
character reference, as old WCM rich-text editors saved it).
"""
from __future__ import annotations

import html
import random
from html.entities import codepoint2name

from . import cfemail
from .blocks import Article, Email, Image, ImageBlock, ListBlock, Para, Spacer, TableBlock
from .urls import SPACER

WORD_SPAN = '<span style="font-size:14.0pt;font-family:&quot;Times New Roman&quot;,&quot;serif&quot;">'
WORD_P = '<p class="MsoNormal" style="margin-bottom:6.0pt;text-align:justify;text-indent:36.0pt;line-height:normal">'


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def esc_entities(text: str) -> str:
    out = []
    for ch in esc(text):
        o = ord(ch)
        if o < 128:
            out.append(ch)
        elif o in codepoint2name and o < 256:
            out.append(f"&{codepoint2name[o]};")
        else:
            out.append(f"&#{o};")
    return "".join(out)


class BodyRenderer:
    def __init__(self, article: Article, seed: int):
        self.a = article
        self.r = random.Random(f"{seed}:{article.meta.k}:markup")
        self.esc = esc_entities if article.markup == "entities" else esc
        self.word = article.markup == "word"

    # --- inline ------------------------------------------------------------------------------
    def runs(self, runs) -> str:
        out = []
        for n, run in enumerate(runs):
            if isinstance(run, Email):
                hexed = cfemail.encode(run.address, self.r.randrange(16, 256))
                out.append(f'<a href="/cdn-cgi/l/email-protection#{hexed}" class="__cf_email__" '
                           f'data-cfemail="{hexed}">[email&#160;protected]</a>')
            elif self.word:
                out.append(self.word_text(run, leading=n == 0))
            else:
                out.append(self.esc(run))
        return "".join(out)

    def word_text(self, text: str, leading: bool = True) -> str:
        """Word's spans split the text anywhere (even mid-word); lines wrap; ``&nbsp;`` pads the start of a
        paragraph (never after an inline element, where it would be a visible space)."""
        r = self.r
        cuts = sorted(r.sample(range(1, len(text)), min(r.randint(0, 3), len(text) - 1))) if len(text) > 1 else []
        chunks = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)])]
        parts = []
        for n, chunk in enumerate(chunks):
            words = esc(chunk).split(" ")
            line, pieces = 0, []
            for i, w in enumerate(words):
                if i:
                    if line > 70:
                        pieces.append("\n")
                        line = 0
                    else:
                        pieces.append("&nbsp; " if r.random() < 0.02 else " ")
                pieces.append(w)
                line += len(w) + 1
            body = "".join(pieces)
            parts.append(f"{WORD_SPAN}{body}{'<o:p></o:p>' if n == len(chunks) - 1 else ''}</span>")
        pad = "&nbsp;&nbsp;&nbsp;&nbsp; " if r.random() < 0.3 and leading else ""
        return pad + "".join(parts)

    # --- blocks ------------------------------------------------------------------------------
    def block(self, b) -> str:
        if isinstance(b, Para):
            if b.kind == "h3":
                inner = f"<b>{self.runs(b.runs)}</b>" if self.word else self.runs(b.runs)
                return f"<h3>{inner}</h3>"
            if self.word:
                return f"{WORD_P}{self.runs(b.runs)}</p>"
            return f'<p style="text-align:justify">{self.runs(b.runs)}</p>'
        if isinstance(b, Spacer):
            return '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>'
        if isinstance(b, ListBlock):
            if self.word:
                items = "".join(f'<li class="MsoNormal" style="text-align:justify;line-height:normal">'
                                f'{self.word_text(i)}</li>' for i in b.items)
                return f'<ul style="margin-top:0cm" type="disc">{items}</ul>'
            return "<ul>" + "".join(f"<li>{self.esc(i)}</li>" for i in b.items) + "</ul>"
        if isinstance(b, TableBlock):
            return self.table(b)
        if isinstance(b, ImageBlock):
            return image_html(b.image, self.esc)
        raise TypeError(b)

    def table(self, b: TableBlock) -> str:
        rows = []
        for n, row in enumerate(b.rows):
            if self.word:
                cell = ('<td valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt">'
                        '<p class="MsoNormal" align="center" style="text-align:center;line-height:normal">'
                        '{b0}' + WORD_SPAN + '{t}<o:p></o:p></span>{b1}</p></td>')
                cells = "".join(cell.format(t=esc(c), b0="<b>" if n == 0 else "", b1="</b>" if n == 0 else "")
                                for c in row)
            else:
                tag = "th" if n == 0 else "td"
                cells = "".join(f"<{tag}>{self.esc(c)}</{tag}>" for c in row)
            rows.append(f"<tr>{cells}</tr>")
        cls = ('class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;border:none"'
               if self.word else 'border="1" cellpadding="4" cellspacing="0" style="width:100%;border-collapse:collapse"')
        return f"<table {cls}><tbody>{''.join(rows)}</tbody></table>"

    def byline(self) -> list[str]:
        by, e = self.a.byline, self.esc
        lines = []
        if by.style in ("a", "d"):
            lines.append(f'<p style="text-align:right"><strong>{e(by.author)}</strong></p>')
        if by.style == "b":
            lines.append(f'<p align="right"><b>{e(by.author)}</b></p>')
        if by.style == "a" and by.role:
            lines.append(f'<p style="text-align:right"><em>{e(by.role)}</em></p>')
        if by.source_line:
            lines.append(f'<p style="text-align:right"><em>{e(by.source_line)}</em></p>')
        return lines

    def content_body(self) -> str:
        blocks = [self.block(b) for b in self.a.blocks]
        if self.word:
            blocks = ['<div class="WordSection1">', *blocks, "</div>"]
        return "\n".join(blocks + self.byline())


def img_tag(img: Image, escape=esc) -> str:
    src = html.escape(img.path)
    attrs = f'class="lazy" src="{SPACER}" data-src="{src}"' if img.lazy else f'src="{src}"'
    if img.alt is not None:
        attrs += f' alt="{escape(img.alt).replace(chr(34), "&quot;")}"'
    return f'<img {attrs} width="500" border="0">'


def image_html(img: Image, escape=esc) -> str:
    tag = img_tag(img, escape)
    if img.style == "table":
        return ('<table align="center" border="0" cellpadding="3" cellspacing="0" class="image" style="width:500px">'
                f'<tbody><tr><td>{tag}</td></tr><tr><td style="text-align:center"><em>{escape(img.caption)}</em>'
                '</td></tr></tbody></table>')
    out = f'<p style="text-align:center">{tag}</p>'
    if img.style == "p":
        out += f'\n<p style="text-align:center"><em>{escape(img.caption)}</em></p>'
    return out


def lead_html(article: Article) -> str:
    if not article.lead:
        return ""
    e = esc_entities if article.markup == "entities" else esc
    return f'<div class="summary"><p><strong>{e(article.lead)}</strong></p></div>'
