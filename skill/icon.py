"""The skill's store icon, drawn from this file: a crescent moon and a pillow at night.

This module is the icon's source. :func:`render` rasterises the shapes below at any
size (the store wants 108 and 512 px PNGs) with signed distances, so edges are
anti-aliased without supersampling, and :func:`png` writes the file with zlib only:
no imaging library is needed at package time. Colours are the Echo Show screens'
(dark, dim) so the listing and the device look alike.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

SIZES = {"small": 108, "large": 512}
RGB = tuple[int, int, int]
TOP, BOTTOM = (0x1C, 0x2A, 0x4A), (0x0B, 0x14, 0x2B)
MOON, PILLOW, STAR = (0xF2, 0xD4, 0x8C), (0xC8, 0xD3, 0xEE), (0xE6, 0xEA, 0xF6)


@dataclass(frozen=True)
class Shape:
    colour: RGB
    # Signed distance in icon units (0..1): negative inside, positive outside.
    distance: Callable[[float, float], float]
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 it stays within


def _circle(cx: float, cy: float, r: float) -> Callable[[float, float], float]:
    return lambda x, y: math.hypot(x - cx, y - cy) - r


def _crescent(x: float, y: float) -> float:
    # The moon's disc less a second, offset disc.
    return max(_circle(0.63, 0.35, 0.21)(x, y), -_circle(0.72, 0.28, 0.18)(x, y))


def _pillow(x: float, y: float) -> float:
    # A rounded rectangle: distance to a box shrunk by the corner radius, less the radius.
    hx, hy, r = 0.31, 0.11, 0.09
    qx, qy = abs(x - 0.5) - (hx - r), abs(y - 0.73) - (hy - r)
    outside = math.hypot(max(qx, 0.0), max(qy, 0.0))
    return outside + min(max(qx, qy), 0.0) - r


SHAPES = (
    Shape(MOON, _crescent, (0.40, 0.12, 0.86, 0.58)),
    Shape(PILLOW, _pillow, (0.17, 0.60, 0.83, 0.86)),
    *(
        Shape(STAR, _circle(cx, cy, 0.016), (cx - 0.03, cy - 0.03, cx + 0.03, cy + 0.03))
        for cx, cy in ((0.22, 0.24), (0.32, 0.44), (0.17, 0.52), (0.86, 0.66))
    ),
)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def render(size: int) -> list[list[RGB]]:
    """Rows of RGB pixels, ``size`` square."""
    rows = [[_mix(TOP, BOTTOM, (j + 0.5) / size)] * size for j in range(size)]
    for shape in SHAPES:
        x0, y0, x1, y1 = (max(0, min(size, round(v * size))) for v in shape.box)
        for j in range(y0, y1):
            y = (j + 0.5) / size
            row = rows[j]
            for i in range(x0, x1):
                # Coverage of this pixel: 1 inside, 0 outside, linear across the edge.
                cover = 0.5 - shape.distance((i + 0.5) / size, y) * size
                if cover >= 1.0:
                    row[i] = shape.colour
                elif cover > 0.0:
                    row[i] = _mix(row[i], shape.colour, cover)
    return rows


def png(rows: list[list[RGB]]) -> bytes:
    """An 8-bit RGB PNG of ``rows`` (filter type 0 on every line)."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(
        b"IDAT", zlib.compress(raw, 9)
    ) + chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, or None if ``data`` is not one."""
    if len(data) < 24 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def icons() -> dict[str, bytes]:
    """``{"small": 108 px PNG, "large": 512 px PNG}``."""
    return {name: png(render(size)) for name, size in SIZES.items()}
