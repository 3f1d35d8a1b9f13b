# SPDX-License-Identifier: GPL-2.0-or-later
#
# The render worker's Blender process. It imports `bpy` (Blender as a Python module), so it is
# GPL-bound; the Rust worker is not, because it only talks to this process through pipes and
# files (see gpu-workers/render/README.md).
#
# One process serves many renders: importing Blender and loading GPU kernels happen once.
# Protocol: one JSON command per line on stdin; answers are lines on stdout starting with
# "@@rw " followed by JSON (anything else on stdout is Blender's own chatter).
#
#   {"cmd": "load", "scene": "/path/scene.json"}           -> {"event": "loaded", ...}
#   {"cmd": "render", "camera": 0, "width": .., "height": .., "samples": .., "denoise": true,
#    "seed": 0, "outputs": [{"path": .., "format": "PNG" | "JPEG" | "OPEN_EXR"}]}
#                                                           -> {"event": "progress", ...}*,
#                                                              {"event": "rendered", ...}
#   {"cmd": "export", "outputs": [{"path": .., "format": "GLB" | "USDZ"}], "leave_out": [name]}
#                                                           -> {"event": "exported", ...}
#   {"cmd": "quit"}
# Any failure answers {"event": "error", "message": ...} and the process stays usable.

import json
import math
import os
import re
import sys
import time
import traceback

import bpy
from mathutils import Vector

PREFIX = "@@rw "
_out = sys.stdout


def send(**message):
    _out.write(PREFIX + json.dumps(message) + "\n")
    _out.flush()


def configure_device(scene, wanted):
    """GPU (OptiX, else CUDA) when asked and present, else CPU; returns what is used."""
    scene.cycles.device = "CPU"
    if wanted != "GPU":
        return "CPU"
    prefs = bpy.context.preferences.addons["cycles"].preferences
    for backend in ("OPTIX", "CUDA"):
        try:
            prefs.compute_device_type = backend
        except TypeError:
            continue
        prefs.get_devices()
        gpus = [d for d in prefs.devices if d.type == backend]
        if gpus:
            for device in prefs.devices:
                device.use = device.type == backend
            scene.cycles.device = "GPU"
            return backend
    return "CPU"


def material(name, spec):
    mat = bpy.data.materials.new(name)
    bsdf = mat.node_tree.nodes.get("Principled BSDF")
    r, g, b = spec.get("base_color", [0.8, 0.8, 0.8])
    bsdf.inputs["Base Color"].default_value = (r, g, b, 1.0)
    bsdf.inputs["Roughness"].default_value = spec.get("roughness", 0.6)
    bsdf.inputs["Metallic"].default_value = spec.get("metallic", 0.0)
    emission = spec.get("emission")
    if emission:
        bsdf.inputs["Emission Color"].default_value = (*emission["color"], 1.0)
        bsdf.inputs["Emission Strength"].default_value = emission["strength"]
    mat.diffuse_color = (r, g, b, 1.0)
    return mat


def add_mesh(collection, spec, materials):
    mesh = bpy.data.meshes.new(spec["name"])
    mesh.from_pydata(spec["vertices"], [], spec["faces"])
    mesh.validate()
    mesh.update()
    obj = bpy.data.objects.new(spec["name"], mesh)
    mesh.materials.append(materials[spec["material"]])
    collection.objects.link(obj)
    return obj


def add_import(collection, spec, materials):
    """A product's own glTF model, scaled to the product's catalogue dimensions."""
    before = set(bpy.data.objects)
    bpy.ops.import_scene.gltf(filepath=spec["path"])
    parts = [o for o in bpy.data.objects if o not in before]
    meshes = [o for o in parts if o.type == "MESH"]
    if not meshes:
        raise ValueError(f"{spec['path']} holds no mesh")
    bpy.context.view_layer.update()
    corners = [o.matrix_world @ Vector(c) for o in meshes for c in o.bound_box]
    low = Vector([min(c[i] for c in corners) for i in range(3)])
    high = Vector([max(c[i] for c in corners) for i in range(3)])
    size = high - low
    want = spec["size"]
    scale = [want[i] / size[i] if size[i] > 1e-6 else 1.0 for i in range(3)]
    root = bpy.data.objects.new(spec["name"], None)
    collection.objects.link(root)
    for o in parts:
        for c in o.users_collection:
            c.objects.unlink(o)
        collection.objects.link(o)
        if o.parent is None:
            o.parent = root
    # Move the model's footprint centre and floor to the origin, then scale, turn and place it.
    for o in parts:
        if o.parent is root:
            o.location -= Vector(((low.x + high.x) / 2, (low.y + high.y) / 2, low.z))
    root.scale = scale
    root.rotation_euler = (0.0, 0.0, spec.get("rotation_z", 0.0))
    root.location = spec["location"]
    override = spec.get("material")
    if override:
        for o in meshes:
            o.data.materials.clear()
            o.data.materials.append(materials[override])


def add_light(collection, spec, index):
    kind = spec["kind"]
    light = bpy.data.lights.new(f"light-{index}", type=kind.upper())
    light.energy = spec["power"]
    light.color = spec.get("color", [1.0, 1.0, 1.0])
    if kind == "area":
        light.shape = "RECTANGLE"
        light.size, light.size_y = spec["size"]
    if kind == "sun":
        light.angle = math.radians(spec.get("angle_deg", 1.0))
    obj = bpy.data.objects.new(f"light-{index}", light)
    obj.location = spec.get("location", [0.0, 0.0, 10.0])
    if "direction" in spec:
        # Lights shine along their -Z axis.
        obj.rotation_euler = Vector(spec["direction"]).to_track_quat("-Z", "Y").to_euler()
    collection.objects.link(obj)


def add_camera(collection, spec, index):
    data = bpy.data.cameras.new(f"camera-{index}")
    data.lens = spec.get("lens_mm", 20.0)
    data.clip_start = 0.05
    if spec.get("panorama"):
        data.type = "PANO"
        data.panorama_type = "EQUIRECTANGULAR"
    obj = bpy.data.objects.new(f"camera-{index}", data)
    obj.location = spec["location"]
    direction = Vector(spec["look_at"]) - Vector(spec["location"])
    obj.rotation_euler = direction.to_track_quat("-Z", "Y").to_euler()
    collection.objects.link(obj)
    return obj


class Session:
    def __init__(self, device):
        self.device_wanted = device
        self.cameras = []
        self.device = "CPU"

    def load(self, path):
        started = time.perf_counter()
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        bpy.ops.wm.read_factory_settings(use_empty=True)
        scene = bpy.context.scene
        scene.render.engine = "CYCLES"
        self.device = configure_device(scene, self.device_wanted)
        collection = scene.collection
        materials = {name: material(name, m) for name, m in spec["materials"].items()}
        for mesh in spec["meshes"]:
            add_mesh(collection, mesh, materials)
        for item in spec.get("imports", []):
            add_import(collection, item, materials)
        for i, light in enumerate(spec["lights"]):
            add_light(collection, light, i)
        world = bpy.data.worlds.new("world")
        background = world.node_tree.nodes["Background"]
        background.inputs["Color"].default_value = (*spec["world"]["color"], 1.0)
        background.inputs["Strength"].default_value = spec["world"]["strength"]
        scene.world = world
        self.cameras = [add_camera(collection, c, i) for i, c in enumerate(spec["cameras"])]
        return {
            "event": "loaded",
            "objects": len(scene.objects),
            "device": self.device,
            "seconds": time.perf_counter() - started,
        }

    def render(self, command):
        scene = bpy.context.scene
        if not self.cameras:
            raise ValueError("no scene loaded")
        scene.camera = self.cameras[command.get("camera", 0)]
        render = scene.render
        render.resolution_x = command["width"]
        render.resolution_y = command["height"]
        render.resolution_percentage = 100
        threads = command.get("threads", 0)
        render.threads_mode = "FIXED" if threads else "AUTO"
        if threads:
            render.threads = threads
        cycles = scene.cycles
        cycles.samples = command["samples"]
        cycles.use_adaptive_sampling = True
        cycles.seed = command.get("seed", 0)
        cycles.use_denoising = command.get("denoise", True)
        cycles.max_bounces = 6
        cycles.caustics_reflective = False
        cycles.caustics_refractive = False
        scene.view_settings.view_transform = "AgX"
        started = time.perf_counter()
        bpy.ops.render.render(write_still=False)
        rendered = time.perf_counter() - started
        result = bpy.data.images["Render Result"]
        written = []
        for output in command["outputs"]:
            settings = render.image_settings
            settings.file_format = output["format"]
            if output["format"] == "OPEN_EXR":
                settings.color_mode = "RGBA"
                settings.color_depth = "32"
                settings.exr_codec = "ZIP"
            else:
                settings.color_mode = "RGB"
                settings.color_depth = "8"
                if output["format"] == "JPEG":
                    settings.quality = 92
            result.save_render(output["path"], scene=scene)
            written.append(output["path"])
        return {
            "event": "rendered",
            "seconds": rendered,
            "save_seconds": time.perf_counter() - started - rendered,
            "outputs": written,
            "device": self.device,
        }


    def export(self, command):
        """The loaded scene's geometry and materials as files a browser or a phone shows (glTF
        binary for model-viewer, USDZ for iOS Quick Look), with Blender's own exporters; no
        cameras or lights (viewers bring their own), nor the objects named in `leave_out` (the
        ceiling, which would hide the rooms from a viewer orbiting outside)."""
        if not self.cameras:
            raise ValueError("no scene loaded")
        for name in command.get("leave_out", []):
            obj = bpy.data.objects.get(name)
            if obj is not None:
                bpy.data.objects.remove(obj)
        written = []
        timings = {}
        for output in command["outputs"]:
            started = time.perf_counter()
            if output["format"] == "GLB":
                bpy.ops.export_scene.gltf(
                    filepath=output["path"], export_format="GLB", export_cameras=False,
                    export_lights=False, export_apply=True, export_yup=True)
            elif output["format"] == "USDZ":
                bpy.ops.wm.usd_export(
                    filepath=output["path"], export_cameras=False, export_lights=False,
                    export_materials=True, selected_objects_only=False)
            else:
                raise ValueError(f"unknown export format {output['format']!r}")
            timings[output["format"]] = time.perf_counter() - started
            written.append(output["path"])
        return {"event": "exported", "outputs": written, "seconds": timings}


SAMPLE = re.compile(r"Sample (\d+)/(\d+)")


# Persistent: `read_factory_settings` (every scene load) removes other handlers.
@bpy.app.handlers.persistent
def report_progress(*args):
    # Cycles reports its state as text, e.g. "Mem: 2M | Sample 12/64" (the first argument).
    match = next(filter(None, (SAMPLE.search(str(a)) for a in args)), None)
    if match:
        done, total = int(match.group(1)), int(match.group(2))
        send(event="progress", fraction=done / max(total, 1), stage="rendering")


def main():
    device = os.environ.get("RENDER_DEVICE", "CPU").upper()
    session = Session(device)
    bpy.app.handlers.render_stats.append(report_progress)
    send(event="ready", blender=bpy.app.version_string, pid=os.getpid())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            command = json.loads(line)
            name = command.get("cmd")
            if name == "quit":
                break
            if name == "load":
                send(**session.load(command["scene"]))
            elif name == "render":
                send(**session.render(command))
            elif name == "export":
                send(**session.export(command))
            else:
                raise ValueError(f"unknown command {name!r}")
        except Exception as error:  # noqa: BLE001 - every failure is answered, none kills us
            send(event="error", message=f"{type(error).__name__}: {error}",
                 trace=traceback.format_exc(limit=3))


if __name__ == "__main__":
    main()
