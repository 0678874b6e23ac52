"""ReferenceGenerator and :func:`render_scene`: scene mapping -> (Video, Truth)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import GeneratorError
from ...types import CameraTruth, Event, GenerationRequest, ObjectTruth, Truth, Video, thaw
from ..base import GeneratedSample, Generator

__all__ = ["GENERATOR_VERSION", "ReferenceGenerator", "render_scene", "default_antialias"]

#: bumped whenever the same (scene, seed, spec) renders differently
GENERATOR_VERSION = 1


def default_antialias(width: int, height: int) -> int:
    """2x2 supersampling from 96x96 up; tiny CI clips render without it (speed)."""
    return 2 if width * height >= 96 * 96 else 1


def render_scene(scene_mapping: Any, *, width: int = 256, height: int = 256,
                 num_frames: int = 48, fps: float = 24.0, seed: int = 0,
                 defect: str | tuple[str, float] | None = None, antialias: int | None = None,
                 jitter: float = 1.0, meta: Mapping[str, Any] | None = None
                 ) -> tuple[Video, Truth]:
    """Render a scene (mapping, or a parsed :class:`~.scene.Scene`) to a Video and its Truth.

    Deterministic in all arguments. ``defect`` is ``"NAME[:STRENGTH]"`` or ``(name, strength)``
    (see :mod:`sora_bench.generator.defects`). ``antialias`` = supersampling factor per axis
    (None: :func:`default_antialias`). ``jitter`` scales the seed's perturbation of initial
    conditions (0 = none).
    """
    from .. import defects as dfx
    from .camera import camera_track
    from .physics import simulate
    from .render import render_frames
    from .scene import Scene, parse_scene
    from .shading import lighting_for
    from .shapes import build_prims
    from .truth import build_truth

    if int(width) < 1 or int(height) < 1 or int(num_frames) < 1 or not float(fps) > 0:
        raise ValueError("width, height, num_frames must be >= 1 and fps > 0")
    width, height, T, fps = int(width), int(height), int(num_frames), float(fps)
    scene = scene_mapping if isinstance(scene_mapping, Scene) else parse_scene(thaw(scene_mapping))
    dspec = dfx.parse_defect(defect)
    plan = dfx.plan_defect(dspec[0], dspec[1], scene) if dspec else None
    aa = default_antialias(width, height) if antialias is None else max(1, int(antialias))
    duration = scene.duration_s or max(T - 1, 1) / fps
    sim = simulate(scene, num_frames=T, fps=fps, seed=seed, jitter=jitter,
                   gravity_scale=plan.gravity_scale if plan else 1.0,
                   penetrate=plan.penetrate if plan else 0.0,
                   penetrate_ids=frozenset(o.id for o in scene.objects) if plan else frozenset())
    tgt = None
    if scene.camera.move == "tracking" and scene.camera.target in sim.bodies:
        tgt = sim.bodies[scene.camera.target].position
    K, R, t, C = camera_track(scene.camera, T, fps, width, height, duration, tgt)
    cam = CameraTruth(K, R, t, scene.camera.move)
    light = lighting_for(scene, T, fps, duration)
    ov: dict[str, dict] = {"hidden": {}, "color": {}, "scale": {}}
    if plan is not None:
        first_occ = None
        if plan.name == "identity_swap" and plan.subject is not None:
            first_occ = _first_occlusion(scene, sim, cam, light, plan.subject, fps)
        ov = dfx.scene_overrides(plan, sim, T, first_occ)
    prims, infos = build_prims(scene, sim, scale=ov["scale"], color=ov["color"],
                               hidden=ov["hidden"])
    out = render_frames(scene, prims, len(infos), K, R, C, light, width, height, aa)
    info = {"generator": "reference", "version": GENERATOR_VERSION, "seed": int(seed),
            "antialias": aa, "scene": thaw(scene.source)}
    info.update(dict(meta or {}))
    truth = build_truth(sim, infos, out, cam, fps, width, height, meta=info)
    frames = out.frames
    if plan is not None:
        order = dfx.frame_order(plan, T, seed)
        if order is not None:
            frames = frames[order]
            truth = _reorder(truth, order)
        frames = dfx.apply_post(plan, frames, seed)
        rec = dfx.record(plan)
        fr = rec["frames"] or [0, T - 1]
        ev = Event(f"defect:{plan.name}", int(fr[0]), tuple(plan.objects), int(fr[1]), None,
                   {"strength": plan.strength})
        events = tuple(sorted(truth.events + (ev,), key=lambda e: (e.frame, e.kind, e.objects)))
        truth = dataclasses.replace(truth, defects=(rec,), events=events)
    video = Video(np.ascontiguousarray(frames), fps, "generator:reference",
                  {"generator": "reference", "version": GENERATOR_VERSION})
    return video, truth


def _first_occlusion(scene, sim, cam, light, subject: str, fps: float) -> int | None:
    """First frame after the subject's first occlusion, from a cheap 48x48 pre-render."""
    from .render import render_frames
    from .shapes import build_prims
    from .truth import build_truth

    prims, infos = build_prims(scene, sim)
    w = h = 48
    s = w / cam.intrinsics[0, 0, 2] / 2
    K = cam.intrinsics.copy()
    K[:, :2, :] *= s
    out = render_frames(scene, prims, len(infos), K, cam.rotation,
                        -np.einsum("tji,tj->ti", cam.rotation, cam.translation), light, w, h, 1)
    small = CameraTruth(K, cam.rotation, cam.translation, cam.move)
    tr = build_truth(sim, infos, out, small, fps, w, h)
    for e in tr.events:
        if e.kind == "occluded" and subject in e.objects:
            return int(e.end_frame if e.end_frame is not None else e.frame) + 1
    return None


def _reorder(truth: Truth, order: np.ndarray) -> Truth:
    """Per-frame arrays reordered like the frames; events moved to where their frame shows."""
    objs = {oid: ObjectTruth(o.id, o.kind, o.attributes, o.box[order], o.visible_fraction[order],
                             o.in_frame[order], o.position[order], o.velocity[order],
                             o.exists[order]) for oid, o in truth.objects.items()}
    c = truth.camera
    cam = CameraTruth(c.intrinsics[order], c.rotation[order], c.translation[order], c.move)
    where = {}
    for i, f in enumerate(order.tolist()):
        where.setdefault(f, i)
    events = []
    for e in truth.events:
        if e.frame in where:
            end = None if e.end_frame is None else where.get(e.end_frame, e.end_frame)
            events.append(Event(e.kind, where[e.frame], e.objects, end, e.position, e.detail))
    return dataclasses.replace(truth, objects=objs, camera=cam, events=tuple(events))


class ReferenceGenerator(Generator):
    """The bundled procedural, physically simulated renderer (DESIGN.md §5)."""

    name = "reference"

    def __init__(self, antialias: int | None = None) -> None:
        self.antialias = antialias

    @classmethod
    def from_spec(cls, arg: str | None) -> ReferenceGenerator:
        if not arg:
            return cls()
        key, _, val = arg.partition("=")
        if key.strip() in ("antialias", "aa") and val.strip().isdigit():
            return cls(antialias=int(val))
        raise ValueError(f"reference generator takes 'antialias=N', got {arg!r}")

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "version": GENERATOR_VERSION,
                "antialias": "auto" if self.antialias is None else self.antialias}

    def generate(self, request: GenerationRequest, workdir: Path) -> GeneratedSample:
        prompt = request.prompt
        unused: list[str] = []
        scene = prompt.scene
        if scene is None:
            try:
                from .parse import parse_prompt
            except ImportError as exc:
                raise GeneratorError(
                    f"prompt {prompt.id!r} has no scene and the free-text parser is missing"
                ) from exc
            scene, unused = parse_prompt(prompt.text)
        spec = request.spec
        try:
            video, truth = render_scene(
                scene, width=spec.width, height=spec.height, num_frames=spec.num_frames,
                fps=spec.fps, seed=request.seed, defect=request.defect, antialias=self.antialias,
                meta={"prompt_id": prompt.id, "unused_words": list(unused)})
        except ValueError as exc:
            raise GeneratorError(f"prompt {prompt.id!r}: {exc}") from exc
        meta = {"unused_words": list(unused), "scene": thaw(scene),
                "generator_version": GENERATOR_VERSION}
        return GeneratedSample(video=video, truth=truth, meta=meta)
