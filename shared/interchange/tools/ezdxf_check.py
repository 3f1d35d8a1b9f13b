"""Drawings written and read by ezdxf (https://ezdxf.mozman.at, MIT), a public DXF library:
what the interchange tests use to prove our DXF reader and writer against another program.

    ezdxf_check.py write SPEC.json OUT.dxf   draw walls, rooms, labels and block inserts
    ezdxf_check.py read IN.dxf               print what ezdxf finds: units, layers, blocks,
                                             inserts with their attributes, as JSON
"""

import json
import sys

import ezdxf


def write(spec_path, out_path):
    spec = json.load(open(spec_path))
    doc = ezdxf.new(spec.get("version", "R2010"), units=spec.get("insunits", 4))
    msp = doc.modelspace()
    for layer in spec.get("layers", []):
        doc.layers.add(layer)
    for wall in spec.get("walls", []):
        msp.add_lwpolyline(
            wall["points"],
            close=wall.get("closed", False),
            dxfattribs={"layer": wall["layer"], "const_width": wall.get("width", 0)},
        )
    for room in spec.get("rooms", []):
        msp.add_lwpolyline(room["points"], close=True, dxfattribs={"layer": room["layer"]})
        if "label" in room:
            msp.add_text(
                room["label"], height=200, dxfattribs={"layer": room["layer"]}
            ).set_placement(room["label_at"])
    for block in spec.get("blocks", []):
        definition = doc.blocks.new(name=block["name"], base_point=block.get("base", (0, 0)))
        w, d = block["size"]
        x0, y0 = block.get("origin", (0, 0))
        definition.add_lwpolyline(
            [(x0, y0), (x0 + w, y0), (x0 + w, y0 + d), (x0, y0 + d)], close=True
        )
        for tag in block.get("attributes", []):
            definition.add_attdef(tag, insert=(x0, y0), dxfattribs={"height": 50})
    for insert in spec.get("inserts", []):
        ref = msp.add_blockref(
            insert["block"],
            insert["at"],
            dxfattribs={"layer": insert.get("layer", "I-FURN"), "rotation": insert.get("rotation", 0)},
        )
        if insert.get("attributes"):
            ref.add_auto_attribs(insert["attributes"])
    doc.saveas(out_path)


def read(path):
    doc = ezdxf.readfile(path)
    msp = doc.modelspace()
    auditor = doc.audit()
    out = {
        "dxfversion": doc.dxfversion,
        "insunits": doc.header.get("$INSUNITS"),
        "layers": sorted(layer.dxf.name for layer in doc.layers),
        "errors": [str(e.message) for e in auditor.errors],
        "blocks": {},
        "inserts": [],
        "polylines": [],
        "texts": [],
    }
    for block in doc.blocks:
        if block.name.startswith("*"):
            continue
        out["blocks"][block.name] = sorted(a.dxf.tag for a in block.query("ATTDEF"))
    for ref in msp.query("INSERT"):
        out["inserts"].append(
            {
                "layer": ref.dxf.layer,
                "block": ref.dxf.name,
                "at": list(ref.dxf.insert)[:2],
                "rotation": ref.dxf.rotation,
                "attributes": {a.dxf.tag: a.dxf.text for a in ref.attribs},
            }
        )
    for line in msp.query("LWPOLYLINE"):
        out["polylines"].append(
            {
                "layer": line.dxf.layer,
                "closed": line.closed,
                "points": [list(p)[:2] for p in line.get_points("xy")],
                "width": line.dxf.const_width,
            }
        )
    for text in msp.query("TEXT"):
        out["texts"].append({"layer": text.dxf.layer, "text": text.dxf.text})
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "read":
        read(sys.argv[2])
    else:
        sys.exit(__doc__)
