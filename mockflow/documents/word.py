"""Word (.docx) text: headers, body paragraphs, tables and text boxes, in reading order.

Zip bombs are handled in two steps. First the central directory (member count, declared
sizes, compression ratios) refuses an honest bomb without inflating a byte. Then, since
headers can lie, every member is inflated in bounded chunks (which stop at the declared
size and check the CRC) into an uncompressed copy of the archive, counting real bytes.
python-docx only ever reads that copy: its own `ZipFile.read` would inflate a lying
member whole before cutting it to size. python-docx's package reader and XML parser (no
entity resolution) do the reading; only the parts that hold text are parsed.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.opc.pkgreader import PackageReader
from docx.oxml.parser import parse_xml
from lxml import etree

from mockflow.documents.errors import CorruptDocument, UnsafeArchive
from mockflow.documents.limits import Deadline, ExtractLimits

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
# Not document text: deleted revisions, field codes, the compatibility copy of drawings.
_SKIP = {_W + "delText", _W + "instrText", _W + "pPr", _W + "rPr", _W + "sectPr", _MC_FALLBACK}
_SMALL_MEMBER = 1_000_000
_CHUNK = 1 << 16
_WORD_ERRORS = (
    zipfile.BadZipFile,
    PackageNotFoundError,
    etree.XMLSyntaxError,
    KeyError,
    ValueError,
    EOFError,
    NotImplementedError,
    RecursionError,
    OSError,
    zlib.error,
)


def check_archive(data: bytes, limits: ExtractLimits) -> None:
    """Refuse a .docx whose zip would inflate beyond `limits`, before inflating anything."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise CorruptDocument("Word document") from None
    if len(members) > limits.max_archive_members:
        raise UnsafeArchive()
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        too_dense = member.file_size > _SMALL_MEMBER and ratio > limits.max_compression_ratio
        if too_dense or total > limits.max_unpacked_bytes:
            raise UnsafeArchive()


def bounded_copy(data: bytes, limits: ExtractLimits, deadline: Deadline) -> bytes:
    """An uncompressed copy of the zip in `data`, inflated at most `max_unpacked_bytes`."""
    out = io.BytesIO()
    total = 0
    try:
        with (
            zipfile.ZipFile(io.BytesIO(data)) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy,
        ):
            for info in source.infolist():
                deadline.check()
                with source.open(info) as member, copy.open(info.filename, "w") as target:
                    while chunk := member.read(_CHUNK):
                        total += len(chunk)
                        if total > limits.max_unpacked_bytes:
                            raise UnsafeArchive()
                        target.write(chunk)
    except _WORD_ERRORS:
        raise CorruptDocument("Word document") from None
    return out.getvalue()


def read_docx(data: bytes, limits: ExtractLimits, deadline: Deadline) -> str:
    """The text of the Word document in `data`: headers, then the body, then footers."""
    check_archive(data, limits)
    data = bounded_copy(data, limits, deadline)
    body: list[str] | None = None
    margins: dict[str, list[str]] = {CONTENT_TYPE.WML_HEADER: [], CONTENT_TYPE.WML_FOOTER: []}
    try:
        package = PackageReader.from_file(io.BytesIO(data))
        # Only the parts that hold text are parsed; styles, themes and media stay bytes.
        for _, content_type, reltype, blob in package.iter_sparts():
            if reltype == RELATIONSHIP_TYPE.OFFICE_DOCUMENT:
                body = _block_lines(_body(parse_xml(blob)), deadline)
            elif content_type in margins:
                margins[content_type].extend(_block_lines(parse_xml(blob), deadline))
    except _WORD_ERRORS:
        raise CorruptDocument("Word document") from None
    if body is None:
        raise CorruptDocument("Word document")
    header = _unique(margins[CONTENT_TYPE.WML_HEADER])
    footer = _unique(margins[CONTENT_TYPE.WML_FOOTER])
    return "\n".join([*header, *body, *footer])


def _body(document: etree._Element) -> etree._Element:
    body = document.find(_W + "body")
    if body is None:
        raise CorruptDocument("Word document")
    return body


def _block_lines(container: etree._Element, deadline: Deadline) -> list[str]:
    lines: list[str] = []
    _blocks(container, lines, deadline)
    return lines


def _blocks(container: etree._Element, out: list[str], deadline: Deadline) -> None:
    """Paragraphs and tables of `container`, descending into content controls and boxes."""
    for child in container:
        deadline.check()
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "p":
            _paragraph(child, out, deadline)
        elif tag == _W + "tbl":
            _table(child, out, deadline)
        else:
            _blocks(child, out, deadline)


def _paragraph(paragraph: etree._Element, out: list[str], deadline: Deadline) -> None:
    parts: list[str] = []
    boxes: list[etree._Element] = []
    _runs(paragraph, parts, boxes)
    text = "".join(parts).strip()
    if text and _is_list_item(paragraph):
        text = f"- {text}"
    out.append(text)
    for box in boxes:
        _blocks(box, out, deadline)


def _runs(element: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        elif tag == _W + "txbxContent":
            boxes.append(child)
        else:
            _runs(child, parts, boxes)


def _is_list_item(paragraph: etree._Element) -> bool:
    properties = paragraph.find(_W + "pPr")
    if properties is None:
        return False
    if properties.find(_W + "numPr") is not None:
        return True
    style = properties.find(_W + "pStyle")
    name = (style.get(_W + "val") or "") if style is not None else ""
    return "list" in name.lower() or "bullet" in name.lower()


def _table(table: etree._Element, out: list[str], deadline: Deadline) -> None:
    """One line per row, cells separated by ' | '."""
    for row in table.iter(_W + "tr"):
        if row.getparent() is not table:
            continue
        cells = []
        for cell in row.iterfind(_W + "tc"):
            lines = _block_lines(cell, deadline)
            cells.append(" ".join(line for line in lines if line))
        out.append(" | ".join(cell for cell in cells if cell))


def _unique(lines: list[str]) -> list[str]:
    """Lines in order without repeats: first-page, even and default headers often match."""
    return [line for line in dict.fromkeys(lines) if line.strip()]
