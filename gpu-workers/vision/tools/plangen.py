#!/usr/bin/env python3
"""Draws labelled test floor plans for the vision worker's tests and benchmark.

    plangen.py OUT_DIR [--count N] [--seed S] [--width PX] [--height PX] [--pdf] [--rooms LO-HI]
               [--no-dimensions] [--units m|mm|cm|imperial]

Each plan is `plan_NNN.png` (and `plan_NNN.pdf` with --pdf) beside `plan_NNN.json`, the
truth: walls (centre segments with thickness), rooms (inner-face polygons and names), doors,
windows and dimension labels, in metres with the origin at the building's outer lower-left
corner and y up, plus the page transform (`px_per_m`, `origin_px`: x_px = ox + x * ppm,
y_px = oy - y * ppm).

What varies from plan to plan, as on real drawings: the building and its room layout, wall
weights (exterior 0.20-0.35 m, interior 0.10-0.15 m), thin-line weight (1-3 px), units
(metres, millimetres, feet and inches; unitless centimetres on request), which sides carry overall dimensions (the left and
right ones rotated a quarter turn either way), room labels with clear sizes, door swings
and window widths, and, on about half the plans, scan noise (grain, specks, blur).
"""

import argparse
import json
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOM_NAMES = ["Office", "Meeting", "Kitchen", "Storage", "Reception", "Open Plan", "Print", "Focus"]
INCH = 0.0254


class Units:
    """How lengths snap and print on one plan."""

    def __init__(self, kind):
        self.kind = kind
        self.step = 6 * INCH if kind == "imperial" else 0.05

    def snap(self, metres):
        return round(metres / self.step) * self.step

    def text(self, metres):
        if self.kind == "m":
            return f"{metres:.2f} m"
        if self.kind == "mm":
            return f"{round(metres * 1000)} mm"
        if self.kind == "cm":
            # Centimetres without a unit, as residential plans write them.
            return f"{round(metres * 100)}"
        inches = round(metres / INCH)
        return f"{inches // 12}'-{inches % 12}\""

    def pair(self, a, b):
        if self.kind == "mm":
            return f"{round(a * 1000)} x {round(b * 1000)} mm"
        if self.kind == "cm":
            return f"{round(a * 100)} X {round(b * 100)}"
        return f"{self.text(a)} x {self.text(b)}"


def split_cells(rng, inner, wall_t, rooms_wanted, units):
    """Guillotine splits of the inner rectangle: cells (inner faces) and the walls between."""
    cells = [inner]
    walls = []
    min_room = 2.6
    while len(cells) < rooms_wanted:
        candidates = [
            c for c in cells if max(c[2] - c[0], c[3] - c[1]) >= 2 * min_room + wall_t
        ]
        if not candidates:
            break
        cell = max(candidates, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]) * rng.uniform(0.6, 1.0))
        cells.remove(cell)
        x0, y0, x1, y1 = cell
        vertical = (x1 - x0) >= (y1 - y0)
        lo, hi = (x0, x1) if vertical else (y0, y1)
        at = units.snap(rng.uniform(lo + min_room + wall_t / 2, hi - min_room - wall_t / 2))
        a, b = at - wall_t / 2, at + wall_t / 2
        if vertical:
            cells += [(x0, y0, a, y1), (b, y0, x1, y1)]
            walls.append({"orient": "v", "at": at, "lo": y0, "hi": y1, "t": wall_t})
        else:
            cells += [(x0, y0, x1, a), (x0, b, x1, y1)]
            walls.append({"orient": "h", "at": at, "lo": x0, "hi": x1, "t": wall_t})
    return cells, walls


def junctions_on(wall, walls):
    """Positions along `wall` where another wall ends against it."""
    found = []
    for other in walls:
        if other is wall or other["orient"] == wall["orient"]:
            continue
        touches = abs(other["lo"] - (wall["at"] + wall["t"] / 2)) < 1e-6 or abs(
            other["hi"] - (wall["at"] - wall["t"] / 2)
        ) < 1e-6
        if touches and wall["lo"] <= other["at"] <= wall["hi"]:
            found.append((other["at"], other["t"]))
    return found


def free_spot(rng, lo, hi, width, blocked, clearance):
    """A start position for an opening of `width` in [lo, hi] away from blocked spans."""
    for _ in range(200):
        start = rng.uniform(lo + clearance, hi - clearance - width)
        if all(start + width + clearance <= b0 or start >= b1 + clearance for b0, b1 in blocked):
            return start
    return None


class Page:
    def __init__(self, width, height, ppm, origin):
        self.image = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.ppm = ppm
        self.ox, self.oy = origin

    def px(self, x, y):
        return (self.ox + x * self.ppm, self.oy - y * self.ppm)

    def rect(self, x0, y0, x1, y1, fill):
        (a, b), (c, d) = self.px(x0, y1), self.px(x1, y0)
        self.draw.rectangle([round(a), round(b), round(c) - 1, round(d) - 1], fill=fill)

    def line(self, p, q, width):
        self.draw.line([self.px(*p), self.px(*q)], fill=0, width=width)

    def text(self, centre, text, size, rotate=0):
        font = ImageFont.load_default(size=size)
        left, top, right, bottom = font.getbbox(text)
        label = Image.new("L", (right - left + 6, bottom - top + 6), 0)
        ImageDraw.Draw(label).text((3 - left, 3 - top), text, font=font, fill=255)
        if rotate:
            label = label.rotate(rotate, expand=True)
        cx, cy = self.px(*centre)
        at = (round(cx - label.width / 2), round(cy - label.height / 2))
        self.image.paste(0, at, label)
        return [at[0], at[1], at[0] + label.width, at[1] + label.height]


def draw_plan(rng, width, height, rooms=None, dimensioned=True, units_kind=None):
    """One plan; `rooms` (lo, hi) asks for that many rooms on a floor sized to hold them
    (24-34 m² a room), else 3-7 rooms on a 10-20 x 7-13 m floor. Without `dimensioned`, no
    length is written on it (no overall dimensions, no room sizes)."""
    units = Units(rng.choice(["m", "mm", "imperial"]))
    if units_kind:
        units = Units(units_kind)
    if rooms is None:
        outer_w = units.snap(rng.uniform(10.0, 20.0))
        outer_h = units.snap(rng.uniform(7.0, 13.0))
    else:
        rooms_wanted = rng.randint(*rooms)
        area = rooms_wanted * rng.uniform(24.0, 34.0) + 30.0
        aspect = rng.uniform(1.2, 1.8)
        outer_w = units.snap(math.sqrt(area * aspect))
        outer_h = units.snap(area / outer_w)
    ext_t = units.snap(rng.uniform(0.2, 0.35))
    int_t = rng.choice([0.1, 0.12, 0.15]) if units.kind != "imperial" else 5 * INCH
    thin = rng.choice([1, 2, 2, 3])
    margin = 170
    ppm = min((width - 2 * margin) / outer_w, (height - 2 * margin) / outer_h)
    origin = ((width - outer_w * ppm) / 2, (height + outer_h * ppm) / 2)
    page = Page(width, height, ppm, origin)

    inner = (ext_t, ext_t, outer_w - ext_t, outer_h - ext_t)
    if rooms is None:
        rooms_wanted = rng.randint(3, 7)
    cells, inner_walls = split_cells(rng, inner, int_t, rooms_wanted, units)

    # Exterior walls run outer face to outer face; interior ones between the faces they meet.
    ext_walls = [
        {"orient": "h", "at": ext_t / 2, "lo": 0.0, "hi": outer_w, "t": ext_t},
        {"orient": "h", "at": outer_h - ext_t / 2, "lo": 0.0, "hi": outer_w, "t": ext_t},
        {"orient": "v", "at": ext_t / 2, "lo": 0.0, "hi": outer_h, "t": ext_t},
        {"orient": "v", "at": outer_w - ext_t / 2, "lo": 0.0, "hi": outer_h, "t": ext_t},
    ]
    all_walls = ext_walls + inner_walls
    for w in all_walls:
        if w["orient"] == "h":
            page.rect(w["lo"], w["at"] - w["t"] / 2, w["hi"], w["at"] + w["t"] / 2, 0)
        else:
            page.rect(w["at"] - w["t"] / 2, w["lo"], w["at"] + w["t"] / 2, w["hi"], 0)

    doors, windows = [], []

    def wall_point(w, along, across):
        return (along, w["at"] + across) if w["orient"] == "h" else (w["at"] + across, along)

    def cut(w, start, size):
        if w["orient"] == "h":
            page.rect(start, w["at"] - w["t"] / 2, start + size, w["at"] + w["t"] / 2, 255)
        else:
            page.rect(w["at"] - w["t"] / 2, start, w["at"] + w["t"] / 2, start + size, 255)

    def add_door(w, start, size):
        cut(w, start, size)
        hinge_at = rng.choice([start, start + size])
        other = start + size if hinge_at == start else start
        side = rng.choice([-1, 1])
        face = side * w["t"] / 2
        hinge = wall_point(w, hinge_at, face)
        leaf_end = wall_point(w, hinge_at, face + side * size)
        page.line(hinge, leaf_end, thin)
        # The swing: a quarter circle about the hinge from the open leaf to the far jamb.
        steps = 24
        points = []
        for i in range(steps + 1):
            a = (math.pi / 2) * i / steps
            along = hinge_at + (other - hinge_at) * math.sin(a)
            across = face + side * size * math.cos(a)
            points.append(page.px(*wall_point(w, along, across)))
        page.draw.line(points, fill=0, width=thin)
        centre = wall_point(w, start + size / 2, 0.0)
        doors.append({"center": list(centre), "width": size, "wall_orient": w["orient"]})

    def add_window(w, start, size):
        cut(w, start, size)
        for across in (-w["t"] / 2, 0.0, w["t"] / 2):
            page.line(wall_point(w, start, across), wall_point(w, start + size, across), thin)
        for along in (start, start + size):
            page.line(wall_point(w, along, -w["t"] / 2), wall_point(w, along, w["t"] / 2), thin)
        centre = wall_point(w, start + size / 2, 0.0)
        windows.append({"center": list(centre), "width": size, "wall_orient": w["orient"]})

    # One door in every interior wall, clear of the walls that end against it.
    for w in inner_walls:
        size = units.snap(rng.uniform(0.8, 1.0))
        blocked = [(at - t / 2, at + t / 2) for at, t in junctions_on(w, inner_walls)]
        start = free_spot(rng, w["lo"], w["hi"], size, blocked, 0.2)
        if start is not None:
            add_door(w, start, size)

    # The entrance in the bottom wall, then windows along every exterior stretch of a room.
    bottom = ext_walls[0]
    taken = {id(bottom): []}
    entrance = units.snap(1.0)
    start = free_spot(rng, ext_t, outer_w - ext_t, entrance, [], 0.6)
    add_door(bottom, start, entrance)
    taken[id(bottom)].append((start, start + entrance))
    for cell in cells:
        x0, y0, x1, y1 = cell
        stretches = []
        if abs(y0 - ext_t) < 1e-6:
            stretches.append((ext_walls[0], x0, x1))
        if abs(y1 - (outer_h - ext_t)) < 1e-6:
            stretches.append((ext_walls[1], x0, x1))
        if abs(x0 - ext_t) < 1e-6:
            stretches.append((ext_walls[2], y0, y1))
        if abs(x1 - (outer_w - ext_t)) < 1e-6:
            stretches.append((ext_walls[3], y0, y1))
        for w, lo, hi in stretches:
            if hi - lo < 2.2:
                continue
            size = units.snap(rng.uniform(1.0, min(2.0, hi - lo - 1.0)))
            start = free_spot(rng, lo, hi, size, taken.get(id(w), []), 0.35)
            if start is not None:
                add_window(w, start, size)
                taken.setdefault(id(w), []).append((start, start + size))

    # Room labels, with the clear size on rooms big enough to hold it.
    rooms = []
    counts = {}
    label_size = rng.randint(17, 22)
    for cell in cells:
        x0, y0, x1, y1 = cell
        base = rng.choice(ROOM_NAMES)
        counts[base] = counts.get(base, 0) + 1
        name = base if counts[base] == 1 else f"{base} {counts[base]}"
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        room = {"name": name, "polygon": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]}
        line_h = label_size * 1.3 / ppm
        page.text((cx, cy + line_h / 2), name, label_size)
        if (x1 - x0) * ppm > 190 and rng.random() < 0.8 and dimensioned:
            text = units.pair(x1 - x0, y1 - y0)
            page.text((cx, cy - line_h / 2), text, label_size - 3)
            room["size_label"] = {"text": text, "values_m": [x1 - x0, y1 - y0]}
        rooms.append(room)

    # Overall dimensions on two to four sides: line, ticks, extension lines, the figure.
    dimensions = []
    gap = 55 / ppm
    size = rng.randint(18, 24)
    sides = ["top", "left"] + [s for s in ("bottom", "right") if rng.random() < 0.5]
    if not dimensioned:
        sides = []
    for side in sides:
        horizontal = side in ("top", "bottom")
        length = outer_w if horizontal else outer_h
        text = units.text(length)
        tick = 8 / ppm
        if horizontal:
            y = outer_h + gap if side == "top" else -gap
            p, q = (0.0, y), (outer_w, y)
            page.line(p, q, thin)
            for x in (0.0, outer_w):
                page.line((x - tick, y - tick), (x + tick, y + tick), thin)
                page.line((x, y - 2 * tick), (x, y + 2 * tick), thin)
            offset = 16 / ppm if side == "top" else -16 / ppm
            box = page.text((outer_w / 2, y + offset), text, size)
        else:
            x = -gap if side == "left" else outer_w + gap
            page.line((x, 0.0), (x, outer_h), thin)
            for yy in (0.0, outer_h):
                page.line((x - tick, yy - tick), (x + tick, yy + tick), thin)
                page.line((x - 2 * tick, yy), (x + 2 * tick, yy), thin)
            offset = -16 / ppm if side == "left" else 16 / ppm
            rotate = 90 if side == "left" else -90
            box = page.text((x + offset, outer_h / 2), text, size, rotate=rotate)
        dimensions.append({"side": side, "text": text, "value_m": length, "box_px": box})

    noisy = rng.random() < 0.5
    image = page.image
    if noisy:
        image = scan_noise(rng, image)

    walls_out = []
    for i, w in enumerate(all_walls):
        if w["orient"] == "h":
            start, end = [w["lo"], w["at"]], [w["hi"], w["at"]]
        else:
            start, end = [w["at"], w["lo"]], [w["at"], w["hi"]]
        walls_out.append({"id": f"w{i + 1}", "start": start, "end": end, "thickness_m": w["t"]})
    truth = {
        "page": {"width": width, "height": height},
        "px_per_m": ppm,
        "origin_px": list(origin),
        "units": units.kind,
        "thin_line_px": thin,
        "scan_noise": noisy,
        "walls": walls_out,
        "rooms": rooms,
        "doors": doors,
        "windows": windows,
        "dimensions": dimensions,
    }
    return image, truth


def scan_noise(rng, image):
    """Grain, dust specks and a slight blur, as a scanner or phone camera leaves them."""
    image = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.4, 0.8)))
    grain = Image.effect_noise(image.size, rng.uniform(8, 16))
    image = Image.blend(image, grain, 0.12)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(150, 400)):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        r = rng.choice([0, 1])
        draw.ellipse([x - r, y - r, x + r, y + r], fill=rng.randint(0, 90))
    return image


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1200)
    parser.add_argument("--pdf", action="store_true", help="also write each page as a PDF")
    parser.add_argument(
        "--units",
        choices=["m", "mm", "cm", "imperial"],
        help="write lengths in this unit (cm: centimetres without a unit, `322 X 347`)",
    )
    parser.add_argument(
        "--no-dimensions", action="store_true", help="write no length on the plans (unscaled)"
    )
    parser.add_argument(
        "--rooms",
        help="LO-HI rooms per plan on a floor sized for them (default: 3-7 on 10-20 x 7-13 m)",
    )
    args = parser.parse_args()
    rooms = None
    if args.rooms:
        lo, _, hi = args.rooms.partition("-")
        rooms = (int(lo), int(hi or lo))
        if not 1 <= rooms[0] <= rooms[1] <= 200:
            parser.error("--rooms takes LO-HI with 1 <= LO <= HI <= 200")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for n in range(args.count):
        rng = random.Random(args.seed * 100_003 + n)
        image, truth = draw_plan(
            rng, args.width, args.height, rooms, not args.no_dimensions, args.units
        )
        stem = args.out_dir / f"plan_{n:03d}"
        image.save(stem.with_suffix(".png"))
        if args.pdf:
            image.convert("RGB").save(stem.with_suffix(".pdf"), resolution=150)
        stem.with_suffix(".json").write_text(json.dumps(truth, indent=1))


if __name__ == "__main__":
    main()
