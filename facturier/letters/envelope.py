"""Where the addresses go on an A4 letter so they show through a window envelope. Pure data.

We follow DIN 5008 form B ("Geschäftsbrief", the 2020 edition) for the vertical geometry and the
size of the address field: the field is 85 mm wide and 45 mm high, its top 45 mm below the top
edge; its first 17.7 mm are the "Zusatz- und Vermerkzone" (our return-address line), the remaining
27.3 mm the recipient's address (up to 6 lines). The sheet is folded at 105 mm and 210 mm (the
fold marks of form B), so the field sits behind the window of a DL envelope (110 × 220 mm, window
90 × 45 mm, 15 mm above the bottom edge, DIN 680).

Horizontally, FACTURIER_LETTER_WINDOW chooses the envelope:
- left: window 20 mm from the left edge (DIN 680 / DIN 5008, usual in Germany, Austria,
  Switzerland): the field starts 20 mm from the sheet's left edge.
- right: window 20 mm from the right edge (the usual French "enveloppe DL à fenêtre à droite";
  La Poste asks for the address in the lower right part of the envelope): a 220 mm envelope holds
  the 210 mm sheet with about 5 mm play per side, so a 90 mm window at 220-20-90 = 110 mm on the
  envelope is 105 mm from the sheet's left edge. The field starts there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddressField:
    left_mm: float
    top_mm: float
    width_mm: float = 85.0
    height_mm: float = 45.0
    # Top part of the field that holds the return address line (DIN 5008 Zusatz- und Vermerkzone).
    return_zone_mm: float = 17.7

    @property
    def recipient_top_mm(self) -> float:
        return self.top_mm + self.return_zone_mm

    def contains(self, x_mm: float, y_mm: float, *, tolerance_mm: float = 0.1) -> bool:
        """Is the point (mm from the sheet's left and top edges) inside the field? The tolerance
        absorbs rounding in PDF coordinates (points), far below any printer's accuracy."""
        t = tolerance_mm
        return (
            self.left_mm - t <= x_mm <= self.left_mm + self.width_mm + t
            and self.top_mm - t <= y_mm <= self.top_mm + self.height_mm + t
        )


WINDOWS: dict[str, AddressField] = {
    "left": AddressField(left_mm=20.0, top_mm=45.0),
    "right": AddressField(left_mm=105.0, top_mm=45.0),
}
# Fold marks of DIN 5008 form B, drawn in the left margin for folding machines and people.
FOLD_MARKS_MM = (105.0, 210.0)


def address_field(window: str) -> AddressField:
    try:
        return WINDOWS[window]
    except KeyError:
        raise ValueError(f"FACTURIER_LETTER_WINDOW={window!r}: expected left or right") from None
