"""Marketplace regions: fixed UTC offsets and rough money scales.

Offsets are fixed (no daylight saving in any of these markets today), so no tzdata is
needed. Money scales only make the numbers look plausible in each local currency
(VND/IDR in thousands, SGD in units); they carry no business rule.
"""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, kw_only=True)
class Region:
    code: str
    utc_offset: timedelta
    cost_per_click: float
    order_value: float


REGIONS: dict[str, Region] = {
    region.code: region
    for region in (
        Region(
            code="VN", utc_offset=timedelta(hours=7), cost_per_click=900.0, order_value=180_000.0
        ),
        Region(code="TH", utc_offset=timedelta(hours=7), cost_per_click=3.0, order_value=450.0),
        Region(
            code="ID", utc_offset=timedelta(hours=7), cost_per_click=600.0, order_value=150_000.0
        ),
        Region(code="SG", utc_offset=timedelta(hours=8), cost_per_click=0.3, order_value=35.0),
        Region(code="MY", utc_offset=timedelta(hours=8), cost_per_click=0.4, order_value=70.0),
        Region(code="PH", utc_offset=timedelta(hours=8), cost_per_click=4.0, order_value=700.0),
        Region(code="TW", utc_offset=timedelta(hours=8), cost_per_click=3.0, order_value=600.0),
        Region(code="BR", utc_offset=timedelta(hours=-3), cost_per_click=0.5, order_value=90.0),
    )
}


def region(code: str) -> Region:
    """The region for a code; raises ValueError for markets the simulator does not model."""
    try:
        return REGIONS[code]
    except KeyError:
        raise ValueError(f"unknown region {code!r}; known: {', '.join(REGIONS)}") from None
