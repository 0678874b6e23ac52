"""clip_alignment / clip_consistency with tiny randomly initialised CLIP models saved locally.

No download anywhere: the open_clip model is a tiny ViT config registered at test time and
saved as a state dict; the transformers model is a tiny ``CLIPConfig`` saved with
``save_pretrained`` together with a real CLIP BPE tokenizer built from the vocabulary file
that open_clip ships. Random weights are fine here: the tests check plumbing and parity, not
semantics.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from sora_bench.cache import Cache
from sora_bench.errors import MetricSkip
from sora_bench.metrics.base import RunContext, SampleContext
from sora_bench.metrics.clip_alignment import (
    ClipAlignment,
    ClipConsistency,
    clipscore_from_cosines,
    consistency_from_embeddings,
)
from sora_bench.types import Prompt, Video

TINY_OC = "sbtest-tiny-vit"


def _video(t: int, h: int = 40, w: int = 52, seed: int = 0) -> Video:
    rng = np.random.default_rng(seed)
    return Video(rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8), fps=8.0, source=f"t{t}")


def _ctx(text: str | None, run: RunContext | None = None) -> SampleContext:
    prompt = None if text is None else Prompt(id="p", text=text)
    return SampleContext(sample_id="s", prompt=prompt, run=run or RunContext())


# ------------------------------------------------------------------------------ tiny models
@pytest.fixture(scope="module")
def tiny_open_clip(tmp_path_factory):
    """(safetensors path, .pt path) of one tiny random open_clip model."""
    import torch
    from safetensors.torch import save_file

    from sora_bench.metrics.clip_backends import _open_clip

    oc = _open_clip()
    root = tmp_path_factory.mktemp("oc")
    cfg = {"embed_dim": 16,
           "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16,
                          "patch_size": 8},
           "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2,
                        "layers": 2}}
    (root / f"{TINY_OC}.json").write_text(json.dumps(cfg))
    oc.add_model_config(root / f"{TINY_OC}.json")
    torch.manual_seed(0)
    state = {k: v.contiguous() for k, v in oc.create_model(TINY_OC).state_dict().items()}
    save_file(state, root / "tiny.safetensors")
    torch.save(state, root / "tiny.pt")
    return root / "tiny.safetensors", root / "tiny.pt"


@pytest.fixture(scope="module")
def tiny_hf(tmp_path_factory):
    """A folder holding a tiny random CLIPModel + CLIPProcessor (real CLIP BPE vocabulary)."""
    pytest.importorskip("transformers")  # the optional [hf] extra
    from sora_bench.metrics.clip_backends import _open_clip

    oc = _open_clip()
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor, CLIPTokenizer

    out = tmp_path_factory.mktemp("hf")
    tok = oc.tokenizer
    with gzip.open(tok.default_bpe()) as fh:  # the same merge list SimpleTokenizer reads
        merges = fh.read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
    chars = list(tok.bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars] + ["".join(m.split()) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    (out / "vocab.json").write_text(json.dumps({t: i for i, t in enumerate(vocab)}))
    (out / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    tokenizer = CLIPTokenizer(str(out / "vocab.json"), str(out / "merges.txt"))
    images = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    cfg = CLIPConfig(
        text_config=dict(vocab_size=len(vocab), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=2, max_position_embeddings=77),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=64,
                           num_hidden_layers=2, num_attention_heads=2),
        projection_dim=16)
    torch.manual_seed(0)
    model = CLIPModel(cfg)
    processor = CLIPProcessor(image_processor=images, tokenizer=tokenizer)
    model.save_pretrained(out)
    processor.save_pretrained(out)
    # This random model puts every text on the far side of every image (all cosines < 0, so
    # every CLIPScore clamps to 0). The same model with the text projection negated has every
    # cosine > 0: the two together exercise both sides of the clamp.
    flipped = out / "flipped"
    with torch.no_grad():
        model.text_projection.weight.neg_()
    model.save_pretrained(flipped)
    processor.save_pretrained(flipped)
    return out


@pytest.fixture()
def oc_run(tiny_open_clip):
    return RunContext(settings={"clip_weights": str(tiny_open_clip[0]), "clip_model": TINY_OC,
                                "clip_pretrained": "none"})


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------ pure maths
def test_clipscore_clamps_per_frame_then_averages():
    mean, per = clipscore_from_cosines(np.array([-0.5, 0.2, 0.3]))
    assert per.tolist() == pytest.approx([0.0, 20.0, 30.0])
    assert mean == pytest.approx(50.0 / 3)


def test_consistency_formula_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    e = rng.normal(size=(7, 5))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    loop = [0.5 * (max(0.0, e[t - 1] @ e[t]) + max(0.0, e[0] @ e[t])) for t in range(1, 7)]
    value, details = consistency_from_embeddings(e)
    assert value == pytest.approx(np.mean(loop), abs=1e-12)
    assert details["pair_scores"] == pytest.approx(loop)
    same = np.tile(e[:1], (4, 1))
    assert consistency_from_embeddings(same)[0] == pytest.approx(1.0)
    flip = np.stack([e[0], -e[0], e[0]])  # consecutive cosines -1, -1; first-frame -1, +1
    assert consistency_from_embeddings(flip)[0] == pytest.approx(0.25)


def test_module_import_does_not_import_torch():
    code = ("import sys, sora_bench.metrics.clip_alignment as m; m.ClipAlignment().protocol; "
            "bad = [k for k in ('torch', 'open_clip', 'transformers') if k in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# ------------------------------------------------------------------------------ weights
def test_offline_without_weights_skips_with_the_fix():
    metric = ClipAlignment()
    with pytest.raises(MetricSkip) as err:
        metric.setup(RunContext())
    assert err.value.reason == "weights-missing"
    msg = str(err.value)
    assert "sora-bench weights --fetch clip" in msg and "--clip-weights" in msg
    assert "SORA_BENCH_CLIP_WEIGHTS" in msg and "offline" in msg


def test_missing_explicit_path_names_the_path(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(MetricSkip, match="nope.safetensors") as err:
        ClipConsistency(weights=str(missing)).setup(RunContext())
    assert err.value.reason == "weights-missing"


def test_env_var_supplies_weights(tiny_open_clip, monkeypatch):
    monkeypatch.setenv("SORA_BENCH_CLIP_WEIGHTS", str(tiny_open_clip[1]))
    metric = ClipAlignment(model=TINY_OC, pretrained="none")
    metric.setup(RunContext())
    assert _sha(tiny_open_clip[1]) in metric.protocol


def test_garbage_weight_file_is_a_skip_not_a_crash(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    with pytest.raises(MetricSkip) as err:
        ClipAlignment(weights=str(bad)).setup(RunContext())
    assert err.value.reason == "weights-missing" and "did not load" in str(err.value)


# ------------------------------------------------------------------------------ open_clip
def test_open_clip_loads_state_dict_files_end_to_end(tiny_open_clip):
    from sora_bench.metrics.clip_backends import ClipSpec, load_backend

    frames = _video(5).frames
    embs = []
    for path in tiny_open_clip:
        b = load_backend(ClipSpec(model=TINY_OC, pretrained="none", weights=str(path)))
        assert b.identity == f"open_clip:{TINY_OC}:none:sha256={_sha(path)}"
        e = b.encode_images(frames, batch_size=2)
        assert e.shape == (5, 16) and e.dtype == np.float32
        assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
        t, truncated = b.encode_text("a red ball bounces")
        assert t.shape == (16,) and not truncated
        embs.append(e)
        assert "bicubic" in b.describe()["preprocessing"]
    np.testing.assert_allclose(embs[0], embs[1], atol=1e-6)  # .safetensors == .pt
    assert not np.allclose(embs[0][0], embs[0][1])  # different frames, different embeddings


@pytest.mark.parametrize(("precision", "exact"), [("fp32", True), ("bf16", False)])
def test_fp32_encoders_run_without_tf32(tiny_open_clip, monkeypatch, precision, exact):
    """On CUDA, PyTorch's default TF32 convolutions would make "fp32" differ from a CPU's."""
    import torch

    from sora_bench.metrics.clip_backends import ClipSpec, load_backend

    b = load_backend(ClipSpec(model=TINY_OC, pretrained="none", weights=str(tiny_open_clip[0]),
                              precision=precision))
    seen = []
    for name in ("_image_features", "_text_features"):
        inner = getattr(b, name)

        def spy(*a, _inner=inner):
            seen.append(torch.backends.cudnn.conv.fp32_precision == "ieee")
            return _inner(*a)

        monkeypatch.setattr(b, name, spy)
    b.encode_images(_video(2).frames)
    b.encode_text(f"a {precision} probe")  # a text of its own: backends memoise texts
    assert seen == [exact, exact]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.* in torch 2.13
def test_torchscript_archive_loads_like_the_state_dict(tiny_open_clip, tmp_path):
    """OpenAI's own release files (~/.cache/clip/ViT-B-32.pt) are TorchScript archives."""
    import torch

    from sora_bench.metrics.clip_backends import ClipSpec, _is_torchscript, _open_clip, load_backend

    model = _open_clip().create_model(TINY_OC)
    model.load_state_dict(torch.load(tiny_open_clip[1], weights_only=True))
    archive = tmp_path / "tiny_ts.pt"
    torch.jit.save(torch.jit.script(model.eval()), archive)
    assert _is_torchscript(str(archive)) and not _is_torchscript(str(tiny_open_clip[1]))
    frames = _video(3).frames
    a = load_backend(ClipSpec(model=TINY_OC, pretrained="none", weights=str(archive)))
    b = load_backend(ClipSpec(model=TINY_OC, pretrained="none", weights=str(tiny_open_clip[1])))
    np.testing.assert_allclose(a.encode_images(frames), b.encode_images(frames), atol=1e-6)


def test_torchvision_shim_makes_torchvision_import():
    code = ("from sora_bench._torchvision_compat import ensure_torchvision_importable, status\n"
            "first = ensure_torchvision_importable()\n"
            "import torchvision.transforms\n"
            "assert ensure_torchvision_importable() == first\n"
            "print(first, status())")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    # applied (CPU torch + CUDA-linked torchvision) or not needed (extension loads natively)
    assert "declared nms/qnms" in out or "loads natively" in out


def test_alignment_protocol_details_and_value(oc_run, tiny_open_clip):
    metric = ClipAlignment()
    metric.setup(oc_run)
    sha = _sha(tiny_open_clip[0])
    assert metric.protocol == (f"clip_alignment/open_clip:{TINY_OC}:none:sha256={sha}"
                               "/uniform8/model-transform/clipscore-mean")
    out = metric.score(_video(20), _ctx("a red ball bounces on a wooden floor", oc_run))
    d = out.details
    assert d["frame_indices"] == [0, 3, 5, 8, 11, 14, 16, 19]
    assert len(d["clipscore_per_frame"]) == 8 == d["num_frames_sampled"]
    assert out.value == pytest.approx(np.mean(d["clipscore_per_frame"]))
    cos = np.array(d["cosine_per_frame"])
    assert d["mean_cosine"] == pytest.approx(cos.mean())
    assert d["clipscore_per_frame"] == pytest.approx((100 * np.maximum(cos, 0)).tolist())
    assert not d["prompt_truncated"] and out.warnings == ()


@pytest.mark.parametrize("text", [None, "", "   \n"])
def test_missing_or_empty_prompt_is_no_prompt(oc_run, text):
    metric = ClipAlignment()
    metric.setup(oc_run)
    with pytest.raises(MetricSkip) as err:
        metric.score(_video(3), _ctx(text, oc_run))
    assert err.value.reason == "no-prompt"


@pytest.mark.parametrize("backend", ["open_clip", "transformers"])
def test_10kb_prompt_is_truncated_with_a_warning(backend, oc_run, tiny_hf):
    run = oc_run if backend == "open_clip" else RunContext(
        settings={"clip_backend": "transformers", "clip_weights": str(tiny_hf)})
    metric = ClipAlignment()
    metric.setup(run)
    long_text = "a red ball " * 1000  # 11 kB, 3 tokens per repeat
    assert len(long_text.encode()) > 10_000
    out = metric.score(_video(4), _ctx(long_text, run))
    assert out.details["prompt_truncated"] is True
    assert out.warnings and "truncated" in out.warnings[0]
    # 77 tokens = start + 75 prompt tokens + end: the first 25 repeats survive
    short = metric.score(_video(4), _ctx("a red ball " * 25, run))
    assert not short.details["prompt_truncated"]
    assert out.value == pytest.approx(short.value, abs=1e-4)


@pytest.mark.parametrize("backend", ["open_clip", "transformers"])
def test_non_ascii_prompt(backend, oc_run, tiny_hf):
    run = oc_run if backend == "open_clip" else RunContext(
        settings={"clip_backend": "transformers", "clip_weights": str(tiny_hf)})
    metric = ClipAlignment()
    metric.setup(run)
    text = "一只红色的球在木地板上弹跳 🎈 — café, Straße"
    a = metric.score(_video(4), _ctx(text, run))
    b = metric.score(_video(4), _ctx(text, run))
    c = metric.score(_video(4), _ctx("a red ball", run))
    assert np.isfinite(a.value) and a.value == b.value
    assert a.details["cosine_per_frame"] != c.details["cosine_per_frame"]
    assert not a.details["prompt_truncated"]


# ------------------------------------------------------------------------------ sampling
def test_one_frame_video(oc_run):
    align, cons = ClipAlignment(), ClipConsistency()
    align.setup(oc_run)
    video = _video(1)
    out = align.score(video, _ctx("a ball", oc_run))
    assert out.details["frame_indices"] == [0]
    with pytest.raises(MetricSkip) as err:
        cons.check_video(video)
    assert err.value.reason == "too-short"


def test_fewer_frames_than_n_and_very_long_video_encode_only_sampled_frames(oc_run, monkeypatch):
    align = ClipAlignment(sampler="uniform:8")
    align.setup(oc_run)
    calls: list[int] = []
    real = align.backend.encode_images
    monkeypatch.setattr(align.backend, "encode_images",
                        lambda f, batch_size=16: calls.append(len(f)) or real(f, batch_size))
    short = align.score(_video(3), _ctx("a ball", oc_run))
    assert short.details["frame_indices"] == [0, 1, 2] and calls == [3]
    long_video = _video(3000, h=8, w=8, seed=1)
    out = align.score(long_video, _ctx("a ball", oc_run))
    assert out.details["frame_indices"][-1] == 2999 and calls == [3, 8]


def test_consistency_and_alignment_share_embeddings(oc_run, monkeypatch, tmp_path):
    run = RunContext(settings=oc_run.settings, cache=Cache(tmp_path / "cache"))
    align, cons = ClipAlignment(), ClipConsistency()
    align.setup(run)
    cons.setup(run)
    assert align.backend is cons.backend  # one model per process
    calls: list[int] = []
    real = align.backend.encode_images
    monkeypatch.setattr(align.backend, "encode_images",
                        lambda f, batch_size=16: calls.append(len(f)) or real(f, batch_size))
    video = _video(12)
    ctx = _ctx("a ball", run)
    c = cons.score(video, ctx)
    a = align.score(video, ctx)
    assert calls == [12]  # alignment's 8 frames come from consistency's 12
    assert c.details["frame_indices"] == list(range(12)) and 0.0 <= c.value <= 1.0
    # a new sample context (fresh memo) with the same cache: nothing is encoded again
    a2 = align.score(video, _ctx("a ball", run))
    c2 = cons.score(video, _ctx("a ball", run))
    assert calls == [12] and a2.value == pytest.approx(a.value) and c2.value == c.value
    # another sampler is another cache entry
    ClipAlignment(sampler="uniform:3").score(video, _ctx("a ball", run))
    assert calls == [12, 3]


# ------------------------------------------------------------------------------ parity
class _TorchmetricsAdapter:
    """torchmetrics 1.9 calls ``model.get_image_features(...)`` and divides the result by its
    norm; transformers 5 returns a ``BaseModelOutputWithPooling`` whose ``pooler_output`` is
    that projected embedding (transformers 4 returned the tensor). This adapter only unwraps
    it, through torchmetrics' documented "callable returning (model, processor)" hook."""

    def __init__(self, model):
        self.model, self.config = model, model.config

    def to(self, device):
        self.model.to(device)
        return self

    def get_image_features(self, *args, **kwargs):
        out = self.model.get_image_features(*args, **kwargs)
        return getattr(out, "pooler_output", out)

    def get_text_features(self, *args, **kwargs):
        out = self.model.get_text_features(*args, **kwargs)
        return getattr(out, "pooler_output", out)


@pytest.mark.parametrize("flipped", [False, True])
def test_transformers_backend_equals_torchmetrics_clip_score(tiny_hf, flipped):
    import torch
    from torchmetrics.functional.multimodal import clip_score
    from transformers import CLIPModel, CLIPProcessor

    folder = tiny_hf / "flipped" if flipped else tiny_hf
    model = CLIPModel.from_pretrained(folder, local_files_only=True).eval()
    processor = CLIPProcessor.from_pretrained(folder, local_files_only=True)

    def load():
        return _TorchmetricsAdapter(model), processor

    run = RunContext(settings={"clip_backend": "transformers", "clip_weights": str(folder),
                               "clip_sampler": "all"})
    metric = ClipAlignment()
    metric.setup(run)
    assert metric.protocol.startswith("clip_alignment/transformers:openai/clip-vit-base-patch32:")
    video = _video(4, h=45, w=61, seed=7)
    positive = 0
    for text in ("a red ball bounces", "一只猫 on a sofa"):
        ours = metric.score(video, _ctx(text, run))
        with torch.no_grad():
            theirs = [float(clip_score(torch.from_numpy(f.copy()).permute(2, 0, 1), text, load))
                      for f in video.frames]
            batch = torch.from_numpy(video.frames.copy()).permute(0, 3, 1, 2)
            batch_score = float(clip_score(batch, [text] * 4, load))
        assert ours.details["clipscore_per_frame"] == pytest.approx(theirs, abs=1e-4)
        assert ours.value == pytest.approx(np.mean(theirs), abs=1e-4)
        assert ours.details["clipscore_batch_clamp"] == pytest.approx(batch_score, abs=1e-4)
        positive += sum(v > 1.0 for v in theirs)
        assert (min(ours.details["cosine_per_frame"]) > 0) == flipped
    assert (positive == 8) == flipped  # flipped: no frame clamped; else all clamped


# ------------------------------------------------------------------------------ whole run
def test_offline_score_run_completes_with_metric_skipped_and_no_value(tmp_path):
    from sora_bench.cli import main
    from sora_bench.results import RunResult
    from tests.helpers.media import encode, frames

    videos = tmp_path / "videos"
    encode(videos / "ball.mp4", frames(t=6, seed=1))
    encode(videos / "cat.mp4", frames(t=6, seed=2))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps({"ball": "a red ball bounces", "cat": "一只猫"}))
    out = tmp_path / "run"
    rc = main(["score", "--videos", str(videos), "--prompts", str(prompts), "--out", str(out),
               "--metrics", "clip_alignment,clip_consistency", "--no-progress"])
    assert rc == 0
    result = RunResult.load(out / "result.json")
    for name in ("clip_alignment", "clip_consistency"):
        m = result.metrics[name]
        assert m.value is None
        assert m.status_counts == {"skipped:weights-missing": 2}
        assert "--clip-weights" in m.skip_message and "weights --fetch clip" in m.skip_message
        for sample in result.samples:
            assert sample.metrics[name].value is None
            assert sample.metrics[name].status == "skipped:weights-missing"


def test_bf16_precision_is_in_the_protocol_and_close_to_fp32(oc_run):
    fp32, bf16 = ClipAlignment(), ClipAlignment(precision="bf16")
    fp32.setup(oc_run)
    bf16.setup(oc_run)
    assert ":bf16:" in bf16.protocol and ":bf16:" not in fp32.protocol
    video = _video(6)
    a = fp32.score(video, _ctx("a red ball", oc_run)).details["cosine_per_frame"]
    b = bf16.score(video, _ctx("a red ball", oc_run)).details["cosine_per_frame"]
    assert a != b and np.allclose(a, b, atol=2e-2)


def test_score_run_with_local_weights_gives_values(tmp_path, tiny_open_clip):
    from sora_bench.cli import main
    from sora_bench.results import RunResult
    from tests.helpers.media import encode, frames

    videos = tmp_path / "videos"
    encode(videos / "ball.mp4", frames(t=6, seed=1))
    encode(videos / "one.mp4", frames(t=1, seed=2))
    prompts = tmp_path / "prompts.json"
    prompts.write_text(json.dumps({"ball": "a red ball bounces", "one": "a single frame"}))
    params = []
    for name in ("clip_alignment", "clip_consistency"):
        params += ["--metric-param", f"{name}.model={TINY_OC}",
                   "--metric-param", f"{name}.pretrained=none"]
    rc = main(["score", "--videos", str(videos), "--prompts", str(prompts),
               "--out", str(tmp_path / "run"), "--metrics", "clip_alignment,clip_consistency",
               "--clip-weights", str(tiny_open_clip[0]), "--no-progress", *params])
    assert rc == 0
    result = RunResult.load(tmp_path / "run" / "result.json")
    by_id = {s.sample_id: s for s in result.samples}
    assert by_id["ball"].metrics["clip_alignment"].status == "ok"
    assert 0 <= by_id["ball"].metrics["clip_alignment"].value <= 100
    assert by_id["one"].metrics["clip_alignment"].details["frame_indices"] == [0]
    assert by_id["one"].metrics["clip_consistency"].status == "skipped:too-short"
    assert _sha(tiny_open_clip[0]) in result.metrics["clip_alignment"].protocol
