"""Builders of real documents for the extraction tests and the benchmark.

Every fixture is generated here at test time (fpdf2, pypdf's writer, python-docx, zipfile
or hand-written PDF objects), so the repository holds no binary test files.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
UNICODE_FONT_CANDIDATES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)

# Glyph order of the fake embedded font: as in a real subset, the codes are glyph ids, not
# Unicode, and glyph 32 is "Q" (a wide letter), not a space. The font has no space glyph.
_GLYPH_ORDER = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,;:%()-·@/+&'!?"
_FIRST_GID = 16
_NARROW = {"i": 278, "l": 278, "j": 278, "t": 389, "f": 306, "r": 392, ".": 278, ",": 278}
_WIDE = {"m": 833, "w": 722, "M": 917, "W": 1028, "Q": 778}


def find_font(candidates: Sequence[str]) -> str | None:
    """The first font file of `candidates` present on this machine, if any."""
    return next((path for path in candidates if Path(path).is_file()), None)


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF whose objects 1..n are `objects` (object 1 must be the catalog)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def _glyph_width(char: str) -> int:
    return _WIDE.get(char) or _NARROW.get(char) or (722 if char.isupper() else 500)


def _to_unicode_cmap(cids: dict[str, int]) -> bytes:
    pairs = b"\n".join(b"<%04X> <%04X>" % (cid, ord(char)) for char, cid in cids.items())
    return (
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        b"%d beginbfchar\n%s\nendbfchar\n"
        b"endcmap CMapName currentdict /CMap defineresource pop end end" % (len(cids), pairs)
    )


def latex_style_pdf(lines: Sequence[str], *, word_gap: int = -333) -> bytes:
    """One page laid out the way XeLaTeX/LuaLaTeX/Typst write text.

    A composite (Type0, Identity-H) subset font with no space glyph; each line is one TJ
    array whose words are separated only by a positioning adjustment of `word_gap`
    thousandths of an em (TeX's interword glue), never by a space character.
    """
    used = sorted({c for line in lines for c in line if not c.isspace()}, key=_GLYPH_ORDER.index)
    cids = {char: _FIRST_GID + _GLYPH_ORDER.index(char) for char in used}
    ops = [b"BT /F1 10 Tf"]
    for row, line in enumerate(lines):
        words = [b"<%s>" % b"".join(b"%04X" % cids[c] for c in word) for word in line.split()]
        ops.append(b"1 0 0 1 60 %d Tm [%s] TJ" % (760 - 14 * row, (b" %d " % word_gap).join(words)))
    ops.append(b"ET")
    widths = b" ".join(b"%d [%d]" % (cids[c], _glyph_width(c)) for c in used)
    font = b"/ABCDEF+LMRoman10-Regular"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            _stream(b"\n".join(ops)),
            b"<< /Type /Font /Subtype /Type0 /BaseFont %s /Encoding /Identity-H "
            b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>" % font,
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont %s /CIDToGIDMap /Identity "
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
            b"/FontDescriptor 8 0 R /W [%s] >>" % (font, widths),
            _stream(_to_unicode_cmap(cids)),
            b"<< /Type /FontDescriptor /FontName %s /Flags 4 /FontBBox [-430 -290 1417 1127] "
            b"/ItalicAngle 0 /Ascent 1127 /Descent -290 /CapHeight 683 /StemV 93 >>" % font,
        ]
    )


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small, valid grey PNG image, written by hand."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00" + bytes([(x * 31 + y * 17) % 256 for x in range(width)]) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _fpdf(font_path: str | None = None):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(18, 18, 18)
    if font_path:
        pdf.add_font("Body", fname=font_path)
        pdf.set_font("Body", size=11)
    else:
        pdf.core_fonts_encoding = "windows-1252"  # bullets and dashes, as Word writes them
        pdf.set_font("Helvetica", size=11)
    return pdf


def text_pdf(
    pages: Sequence[Sequence[str]],
    *,
    header: str | None = None,
    footer: str | None = None,
    font_path: str | None = None,
) -> bytes:
    """A PDF with one page per item of `pages`, each a list of lines written as they are.

    `header` and `footer` are printed on every page; `{page}` and `{pages}` in them become
    the page number and page count, as word processors do.
    """
    pdf = _fpdf(font_path)
    pdf.set_auto_page_break(False)
    for number, lines in enumerate(pages, 1):
        pdf.add_page()
        if header:
            pdf.set_xy(18, 8)
            pdf.cell(0, 6, header.format(page=number, pages=len(pages)))
        pdf.set_xy(18, 24)
        for line in lines:
            pdf.cell(0, 6.5, line, new_x="LMARGIN", new_y="NEXT")
        if footer:
            pdf.set_xy(18, 282)
            pdf.cell(0, 6, footer.format(page=number, pages=len(pages)))
    return bytes(pdf.output())


def resume_lines() -> list[str]:
    """The lines of an ordinary one-page software engineer resume."""
    return [
        "Alex Morgan",
        "Senior Backend Engineer - alex.morgan@example.com - Berlin",
        "",
        "Summary",
        "Backend engineer with eight years of experience building payment systems in Go.",
        "",
        "Experience",
        "Staff Engineer, Paylane (2021 - present)",
        "\u2022 Led the migration of the ledger service from a monolith to event sourcing.",
        "\u2022 Cut p99 checkout latency from 900 ms to 250 ms by redesigning the fraud checks.",
        "Software Engineer, Shipwise (2017 - 2021)",
        "\u2022 Built the route-planning API used by 40,000 drivers daily.",
        "",
        "Projects",
        "\u2022 queuekit: an open-source Postgres-backed job queue with 2,000 GitHub stars.",
        "",
        "Skills",
        "Python, Go, PostgreSQL, Kafka, Kubernetes, Terraform, AWS",
        "",
        "Education",
        "BSc Computer Science, TU Munich",
    ]


def flate_bomb_pdf(unpacked_mb: int) -> bytes:
    """A one-page PDF whose content stream inflates to `unpacked_mb` MB (mostly spaces)."""
    import zlib

    packer = zlib.compressobj(1)
    parts = [packer.compress(b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET\n")]
    block = b" " * (1 << 20)
    parts.extend(packer.compress(block) for _ in range(unpacked_mb))
    parts.append(packer.flush())
    content = b"".join(parts)
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
            % (len(content), content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def unicode_pdf(lines: Sequence[str], font_path: str, cjk_font_path: str) -> bytes:
    """A PDF in an embedded Unicode font, with a CJK font for the glyphs it lacks."""
    pdf = _fpdf(font_path)
    pdf.add_font("CJK", fname=cjk_font_path)
    pdf.set_fallback_fonts(["CJK"])
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def many_pages_pdf(count: int) -> bytes:
    """A long PDF: `count` pages of ordinary text."""
    body = [f"Line {n} of a long report about systems, queues and databases." for n in range(30)]
    return text_pdf([body] * count, footer="Page {page} of {pages}")


def two_column_pdf(left: Sequence[str], right: Sequence[str]) -> bytes:
    """One page with two text columns side by side, left column written first."""
    pdf = _fpdf()
    pdf.add_page()
    for x, lines in ((18, left), (110, right)):
        pdf.set_xy(x, 24)
        for line in lines:
            pdf.set_x(x)
            pdf.cell(82, 6.5, line, new_x="LEFT", new_y="NEXT")
    return bytes(pdf.output())


def image_only_pdf(pages: int = 1) -> bytes:
    """A 'scanned' PDF: each page holds an image and no text layer."""
    pdf = _fpdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.image(io.BytesIO(png_bytes(64, 64)), x=20, y=20, w=170)
    return bytes(pdf.output())


def encrypted_pdf(plain: bytes, user_password: str = "s3cret") -> bytes:
    """`plain` encrypted with AES-256 so that opening it needs `user_password`."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(
        user_password=user_password, owner_password="owner-" + user_password, algorithm="AES-256"
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


_TEXTBOX_RUN = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape style="width:200pt;height:40pt">'
    "<v:textbox><w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    "</v:textbox></v:shape></w:pict></w:r>"
)


def docx_bytes(
    paragraphs: Sequence[str] = (),
    *,
    bullets: Sequence[str] = (),
    table: Sequence[Sequence[str]] = (),
    header: str | None = None,
    footer: str | None = None,
    textbox: str | None = None,
) -> bytes:
    """A Word document built with python-docx: paragraphs, then bullets, then a table."""
    import docx
    from lxml import etree

    document = docx.Document()
    section = document.sections[0]
    if header:
        section.header.paragraphs[0].text = header
    if footer:
        section.footer.paragraphs[0].text = footer
    for text in paragraphs:
        document.add_paragraph(text)
    for text in bullets:
        document.add_paragraph(text, style="List Bullet")
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    if textbox:
        anchor = document.add_paragraph()
        anchor._p.append(etree.fromstring(_TEXTBOX_RUN.format(text=textbox)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(member: str = "word/document.xml", unpacked_mb: int = 200) -> bytes:
    """A real DOCX whose `member` is replaced by `unpacked_mb` MB that deflate to ~0.1%."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["Looks like a resume."])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            if info.filename != member:
                bomb.writestr(info.filename, source.read(info.filename))
        with bomb.open(member, "w") as payload:
            block = b" " * (1 << 20)
            for _ in range(unpacked_mb):
                payload.write(block)
    return out.getvalue()


def lying_zip_bomb_docx(unpacked_mb: int = 300, declared: int = 5_000) -> bytes:
    """A zip bomb whose headers lie: document.xml claims `declared` bytes, with the CRC of
    its first `declared` bytes, so that no size, ratio or CRC check on the headers fires."""
    import struct
    import zlib

    bomb = bytearray(zip_bomb_docx("word/document.xml", unpacked_mb))
    crc = zlib.crc32(b" " * declared)
    name = b"word/document.xml"
    start = 0
    while (entry := bomb.find(b"PK\x01\x02", start)) >= 0:
        start = entry + 4
        length = struct.unpack_from("<H", bomb, entry + 28)[0]
        if bytes(bomb[entry + 46 : entry + 46 + length]) != name:
            continue
        local = struct.unpack_from("<I", bomb, entry + 42)[0]
        struct.pack_into("<I", bomb, entry + 16, crc)
        struct.pack_into("<I", bomb, entry + 24, declared)
        struct.pack_into("<I", bomb, local + 14, crc)
        struct.pack_into("<I", bomb, local + 22, declared)
    return bytes(bomb)


def zip_archive(members: dict[str, bytes]) -> bytes:
    """A plain zip archive (not a Word document)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
