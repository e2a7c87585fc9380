#!/usr/bin/python3
"""Checks for verify's HTML report, printed as one JSON object for the C++ tests to assert on.

  html_report_check.py markup FILE   strict well-formedness of the report as leakwatch wrote it:
                                     every element closed in order, no duplicate ids, and
                                     self-contained (no script, no event handler, no external
                                     URL); plus element counts
  html_report_check.py dom FILE      element counts and text of a DOM that Chromium dumped
  html_report_check.py png FILE      decodes a PNG screenshot (zlib only) and counts colours

Standard library only (python3 of Debian 12)."""

import html.parser
import json
import struct
import sys
import zlib

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# SVG elements written as <x/> are self-closing in foreign content.
SVG_SELF_CLOSING_OK = {"rect", "line", "path", "circle"}


class Report(html.parser.HTMLParser):
    def __init__(self, strict):
        super().__init__(convert_charrefs=True)
        self.strict = strict
        self.errors = []
        self.stack = []
        self.ids = set()
        self.counts = {}
        self.texts = []
        self.row_sources = []
        self.table_rows = {}  # table id -> rows in its tbody
        self.current_table = []
        self.in_tbody = False
        self.doctype = None
        self.in_svg = 0

    def count(self, key):
        self.counts[key] = self.counts.get(key, 0) + 1

    def error(self, message):
        self.errors.append("line %d: %s" % (self.getpos()[0], message))

    def handle_decl(self, decl):
        self.doctype = decl

    def check_attrs(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.error("event handler attribute %s on <%s>" % (name, tag))
            if name in ("src", "href", "xlink:href", "action", "srcset") and value is not None:
                self.error("external reference %s=%r on <%s>" % (name, value, tag))
            if name == "style" and value and "url(" in value:
                self.error("url() in a style attribute")
            if name == "id":
                if value in self.ids:
                    self.error("duplicate id %r" % value)
                self.ids.add(value)

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        self.check_attrs(tag, attrs)
        if tag in ("script", "iframe", "object", "embed", "link", "img", "base", "form"):
            self.error("forbidden element <%s>" % tag)
        self.count(tag)
        for cls in (attrs_d.get("class") or "").split():
            self.count(tag + "." + cls)
        if attrs_d.get("id"):
            self.count(tag + "#" + attrs_d["id"])
        if tag == "g" and "source-row" in (attrs_d.get("class") or "").split():
            self.row_sources.append(attrs_d.get("data-source"))
        if tag == "table":
            self.current_table.append(attrs_d.get("id") or "")
            self.table_rows.setdefault(attrs_d.get("id") or "", 0)
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody and self.current_table:
            self.table_rows[self.current_table[-1]] += 1
        if tag == "svg":
            self.in_svg += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if self.strict and tag not in VOID and not (self.in_svg and tag in SVG_SELF_CLOSING_OK):
            self.error("<%s/> is not a void element" % tag)
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            if self.strict:
                self.error("end tag for void element </%s>" % tag)
            return
        if tag == "table" and self.current_table:
            self.current_table.pop()
        if tag == "tbody":
            self.in_tbody = False
        if tag == "svg":
            self.in_svg -= 1
        if not self.stack or self.stack[-1] != tag:
            if self.strict:
                self.error("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else "nothing"))
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data)


def check_html(path, strict):
    with open(path, "rb") as f:
        raw = f.read()
    errors = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return {"errors": ["not UTF-8: %s" % e]}
    p = Report(strict)
    p.feed(text)
    p.close()
    errors += p.errors
    if strict:
        if not text.startswith("<!DOCTYPE html>"):
            errors.append("does not start with <!DOCTYPE html>")
        if p.stack:
            errors.append("unclosed elements at the end: %s" % p.stack)
        if '<meta charset="utf-8">' not in text:
            errors.append("no <meta charset=\"utf-8\">")
    return {
        "errors": errors,
        "counts": p.counts,
        "row_sources": p.row_sources,
        "table_rows": p.table_rows,
        "text": "\n".join(p.texts),
    }


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def check_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {"errors": ["not a PNG"]}
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    if depth != 8 or ctype not in (2, 6) or interlace:
        return {"errors": ["unsupported PNG depth %d colour type %d" % (depth, ctype)]}
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = {}
    i = 0
    for _ in range(height):
        ftype = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 0xFF
            elif ftype == 2:
                line[x] = (line[x] + b) & 0xFF
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 0xFF
            elif ftype == 4:
                line[x] = (line[x] + paeth(a, b, c)) & 0xFF
        for x in range(0, stride, bpp):
            rgb = "%02x%02x%02x" % (line[x], line[x + 1], line[x + 2])
            colours[rgb] = colours.get(rgb, 0) + 1
        prev = line
    total = width * height
    return {
        "errors": [],
        "width": width,
        "height": height,
        "distinct_colours": len(colours),
        "non_white_fraction": 1 - colours.get("ffffff", 0) / total,
        # Exact colours of the report's CSS, for the test to look up.
        "colours": {k: v for k, v in colours.items() if v >= 4},
    }


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "markup":
        out = check_html(path, strict=True)
    elif mode == "dom":
        out = check_html(path, strict=False)
    elif mode == "png":
        out = check_png(path)
    else:
        sys.exit("unknown mode " + mode)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
