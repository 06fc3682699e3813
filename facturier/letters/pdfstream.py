"""Concatenate many PDFs into one file without holding them all in memory.

pypdf's PdfWriter keeps every page object until write(): a 1,000-letter batch would sit whole in
memory. This writer copies each source's page objects (renumbered) straight to the output file as
soon as the source is read, and keeps only what the final cross-reference table needs: one byte
offset per object and one reference per page. Memory stays flat whatever the batch size.

Objects shared between pages of one source (fonts, images) are written once per source; nothing is
shared across sources, which costs some bytes (each letter embeds its own font subsets, as the
letters themselves do) but keeps each source independent.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

_CATALOG, _PAGES = 1, 2  # reserved object numbers, written last


class StreamingPdfWriter:
    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.page_refs: list[int] = []
        self.next_id = 3
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")  # binary marker: transfer tools keep it binary

    @property
    def page_count(self) -> int:
        return len(self.page_refs)

    def add_pdf(self, source: Path | IO[bytes]) -> int:
        """Append every page of the source; returns how many pages it added."""
        reader = PdfReader(source)
        if reader.is_encrypted:
            reader.decrypt("")
        mapping: dict[tuple[int, int], int] = {}
        pending: list[tuple[int, PdfObject]] = []
        added = 0
        for page in reader.pages:
            page_id = self._new_id()
            if page.indirect_reference is not None:
                # Annotations point back at their page (/P): map it to the copy, not a second one.
                ref = page.indirect_reference
                mapping[(ref.idnum, ref.generation)] = page_id
            copy = self._copy_dict(page, mapping, pending, skip=("/Parent",))
            copy[NameObject("/Parent")] = IndirectObject(_PAGES, 0, None)  # type: ignore[arg-type]
            self._write(page_id, copy)
            self.page_refs.append(page_id)
            self._flush(pending, mapping)
            added += 1
        return added

    def add_blank_page(self, *, width: float = 595.276, height: float = 841.89) -> None:
        """A blank A4 page (duplex padding: the next letter starts on a front side)."""
        page = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Page"),
                NameObject("/Parent"): IndirectObject(_PAGES, 0, None),  # type: ignore[arg-type]
                NameObject("/MediaBox"): ArrayObject([NumberObject(0), NumberObject(0), _num(width), _num(height)]),
                NameObject("/Resources"): DictionaryObject(),
            }
        )
        page_id = self._new_id()
        self._write(page_id, page)
        self.page_refs.append(page_id)

    def close(self) -> None:
        """Write the page tree, the catalog and the cross-reference table."""
        kids = ArrayObject([IndirectObject(ref, 0, None) for ref in self.page_refs])  # type: ignore[arg-type]
        pages = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Pages"),
                NameObject("/Kids"): kids,
                NameObject("/Count"): NumberObject(len(self.page_refs)),
            }
        )
        self._write(_PAGES, pages)
        catalog = DictionaryObject(
            {NameObject("/Type"): NameObject("/Catalog"), NameObject("/Pages"): IndirectObject(_PAGES, 0, None)}  # type: ignore[arg-type]
        )
        self._write(_CATALOG, catalog)
        xref_at = self.out.tell()
        size = self.next_id
        self.out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
        for number in range(1, size):
            offset = self.offsets.get(number)
            # Every number is written; a gap would only come from a bug, and is then a free entry.
            self.out.write(f"{offset:010d} 00000 n \n".encode() if offset is not None else b"0000000000 65535 f \n")
        self.out.write(f"trailer\n<< /Size {size} /Root {_CATALOG} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode())

    # --- copying ------------------------------------------------------------------------------

    def _new_id(self) -> int:
        number = self.next_id
        self.next_id += 1
        return number

    def _write(self, number: int, obj: PdfObject) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(f"{number} 0 obj\n".encode())
        obj.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def _flush(self, pending: list[tuple[int, PdfObject]], mapping: dict[tuple[int, int], int]) -> None:
        # Write the objects the page refers to; copying them may discover more (fonts -> widths).
        while pending:
            number, source = pending.pop()
            self._write(number, self._copy(source, mapping, pending))

    def _ref(self, ref: IndirectObject, mapping: dict[tuple[int, int], int], pending: list[Any]) -> IndirectObject:
        key = (ref.idnum, ref.generation)
        if key not in mapping:
            mapping[key] = self._new_id()
            pending.append((mapping[key], ref.get_object()))
        return IndirectObject(mapping[key], 0, None)  # type: ignore[arg-type]

    def _copy(self, obj: Any, mapping: dict[tuple[int, int], int], pending: list[Any]) -> Any:
        if isinstance(obj, IndirectObject):
            return self._ref(obj, mapping, pending)
        if isinstance(obj, StreamObject):
            stream = StreamObject()
            stream._data = obj._data  # the encoded bytes, copied as they are (no re-compression)
            for key, value in obj.items():
                if key != "/Length":
                    stream[NameObject(key)] = self._copy(value, mapping, pending)
            return stream
        if isinstance(obj, DictionaryObject):
            return self._copy_dict(obj, mapping, pending)
        if isinstance(obj, ArrayObject):
            return ArrayObject(self._copy(item, mapping, pending) for item in obj)
        return obj  # numbers, names, strings, booleans, null: immutable, written as they are

    def _copy_dict(
        self, obj: DictionaryObject, mapping: dict[tuple[int, int], int], pending: list[Any], skip: tuple[str, ...] = ()
    ) -> DictionaryObject:
        copy = DictionaryObject()
        for key, value in obj.items():
            if key in skip:
                continue
            # A page's annotations may point back at the page (/P) and widgets at the AcroForm:
            # links survive, forms do not matter on paper.
            copy[NameObject(key)] = self._copy(value, mapping, pending)
        return copy


def _num(value: float) -> PdfObject:
    return NumberObject(int(value)) if float(value).is_integer() else FloatObject(value)
