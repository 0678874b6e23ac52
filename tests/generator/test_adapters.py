"""Generator adapters end to end on tiny data made at test time."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sora_bench.errors import ConfigError, GeneratorError, InputError
from sora_bench.generator import adapters as ad
from sora_bench.generator import load_generator
from sora_bench.types import GenerationRequest, Prompt, Video, VideoSpec
from sora_bench.video_io import read_video, write_video

SPEC = VideoSpec(num_frames=4, fps=8.0, height=8, width=10)


def request(pid: str = "ball_drop", seed: int = 0, text: str = "a red ball falls",
            defect: tuple[str, float] | None = None) -> GenerationRequest:
    return GenerationRequest(Prompt(pid, text, seeds=(seed,)), seed, SPEC, defect)


def ramp(t: int = 4, h: int = 8, w: int = 10) -> np.ndarray:
    return (np.arange(t * h * w * 3) % 251).astype(np.uint8).reshape(t, h, w, 3)


# ------------------------------------------------------------------------------------ folder
def test_folder_finds_each_layout(tmp_path: Path) -> None:
    np.save(tmp_path / "ball_drop__s0.npy", ramp())
    (tmp_path / "cube").mkdir()
    np.save(tmp_path / "cube" / "3.npy", ramp())
    np.save(tmp_path / "glass.npy", ramp())
    frames = tmp_path / "pan__s1"
    frames.mkdir()
    from PIL import Image

    for i in range(3):
        Image.fromarray(ramp()[i]).save(frames / f"{i}.png")
    gen = load_generator(f"folder:{tmp_path}")
    assert isinstance(gen, ad.FolderGenerator)
    assert gen.describe()["dir"] == str(tmp_path.resolve())
    cases = {("ball_drop", 0): tmp_path / "ball_drop__s0.npy",
             ("cube", 3): tmp_path / "cube" / "3.npy",
             ("glass", 7): tmp_path / "glass.npy",
             ("pan", 1): frames}
    for (pid, seed), want in cases.items():
        got = gen.generate(request(pid, seed), tmp_path / "work")
        assert got.path == want
    assert np.load(gen.generate(request(), tmp_path).path).shape[0] == 4
    assert read_video(gen.generate(request("pan", 1), tmp_path).path, fps=8).num_frames == 3


def test_folder_prefers_sample_id_and_reads_mp4(tmp_path: Path) -> None:
    write_video(Video(ramp(6, 16, 16), 8.0), tmp_path / "ball_drop__s0__vanish-0.5.mp4")
    np.save(tmp_path / "ball_drop.npy", ramp())
    gen = ad.FolderGenerator(tmp_path)
    got = gen.generate(request(defect=("vanish", 0.5)), tmp_path)
    assert got.path is not None and got.path.name == "ball_drop__s0__vanish-0.5.mp4"
    assert read_video(got.path).frames.shape == (6, 16, 16, 3)
    # without the defect the seed-less file is the match
    assert gen.generate(request(), tmp_path).path == tmp_path / "ball_drop.npy"


def test_folder_missing_names_paths_tried(tmp_path: Path) -> None:
    gen = ad.FolderGenerator(tmp_path)
    with pytest.raises(GeneratorError) as err:
        gen.generate(request("nothing", 2), tmp_path)
    msg = str(err.value)
    assert "nothing__s2" in msg and str(tmp_path / "nothing" / "2") in msg and "mp4" in msg


def test_folder_refuses_ids_that_escape(tmp_path: Path) -> None:
    inner = tmp_path / "videos"
    inner.mkdir()
    np.save(tmp_path / "secret.npy", ramp())
    with pytest.raises(GeneratorError):
        ad.FolderGenerator(inner).generate(request("../secret"), tmp_path)


def test_folder_spec_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_generator("folder:")
    with pytest.raises(ConfigError):
        load_generator(f"folder:{tmp_path / 'absent'}")


# ---------------------------------------------------------------------------------- callable
MODULE = '''
import numpy as np
from pathlib import Path
CALLS = []

def u8(prompt, seed, num_frames, fps, height, width):
    CALLS.append((prompt, seed, num_frames, fps, height, width))
    return np.full((num_frames, height, width, 3), seed, np.uint8)

def floats(prompt, seed, **kw):
    return np.full((kw["num_frames"], kw["height"], kw["width"], 3), 0.5, np.float32)

def floats_declared(prompt, seed, num_frames, height, width):
    a = np.linspace(-1, 1, num_frames * height * width * 3).reshape(num_frames, height, width, 3)
    return a, {"value_range": (-1, 1), "fps": 12}

def chw(prompt, num_frames):
    return np.zeros((num_frames, 3, 5, 7), np.uint8)

def path(prompt, prompt_id):
    p = Path(__file__).parent / (prompt_id + ".npy")
    np.save(p, np.zeros((2, 4, 4, 3), np.uint8))
    return str(p)

def nowhere(prompt):
    return "/no/such/file.mp4"

def boom(prompt):
    raise RuntimeError("out of memory")

def noprompt(seed):
    return None

NOT_CALLABLE = 3
'''


@pytest.fixture()
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    name = f"user_model_{abs(hash(str(tmp_path))) % 10**8}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


def test_callable_uint8_and_arguments(user_module: str, tmp_path: Path) -> None:
    gen = load_generator(f"{user_module}:u8")
    assert isinstance(gen, ad.CallableGenerator)
    assert gen.describe()["target"] == f"{user_module}:u8"
    got = gen.generate(request(seed=9), tmp_path)
    assert got.video is not None and got.video.frames.shape == (4, 8, 10, 3)
    assert int(got.video.frames.max()) == 9
    assert sys.modules[user_module].CALLS == [("a red ball falls", 9, 4, 8.0, 8, 10)]
    assert load_generator(f"callable:{user_module}:u8").describe() == gen.describe()


def test_callable_float_needs_declared_range(user_module: str, tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="value range"):
        load_generator(f"{user_module}:floats").generate(request(), tmp_path)
    got = load_generator(f"{user_module}:floats_declared").generate(request(), tmp_path)
    assert got.video is not None and got.video.fps == 12.0
    assert got.video.frames.min() == 0 and got.video.frames.max() == 255


def test_callable_channels_first_path_and_mismatch(user_module: str, tmp_path: Path) -> None:
    got = load_generator(f"{user_module}:chw").generate(request(), tmp_path)
    assert got.video is not None and got.video.frames.shape == (4, 5, 7, 3)
    assert got.meta["spec_mismatch"]["got"] == [4, 5, 7]
    got = load_generator(f"{user_module}:path").generate(request("p1"), tmp_path)
    assert got.path is not None and got.path.name == "p1.npy"


@pytest.mark.parametrize("fn, exc", [("nowhere", GeneratorError), ("boom", GeneratorError)])
def test_callable_failures(user_module: str, tmp_path: Path, fn: str, exc: type) -> None:
    with pytest.raises(exc):
        load_generator(f"{user_module}:{fn}").generate(request(), tmp_path)


@pytest.mark.parametrize("target", ["no_such_module_xyz:f", "{m}:missing", "{m}:NOT_CALLABLE",
                                    "{m}:noprompt", "{m}_broken:f"])
def test_callable_config_errors(user_module: str, target: str, tmp_path: Path) -> None:
    (tmp_path / f"{user_module}_broken.py").write_text("raise RuntimeError('bad import')\n")
    with pytest.raises(ConfigError):
        load_generator(target.format(m=user_module))


# ----------------------------------------------------------------------------------- command
SCRIPT = '''
import sys, numpy as np
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
if args.get("--fail"):
    sys.stderr.write("loading weights\\nCUDA error: out of memory\\n")
    sys.exit(3)
if args.get("--skip"):
    sys.exit(0)
n, h, w = int(args["--frames"]), int(args["--h"]), int(args["--w"])
value = len(args["--prompt"]) % 256
np.save(args["--out"], np.full((n, h, w, 3), value, np.uint8))
'''


def _script(tmp_path: Path) -> Path:
    p = tmp_path / "model.py"
    p.write_text(SCRIPT)
    return p


def test_command_end_to_end_with_hostile_prompt(tmp_path: Path) -> None:
    script = _script(tmp_path)
    # --out gets a .npy name through the {out} placeholder + out_ext
    gen = ad.CommandGenerator(
        f"{sys.executable} {script} --prompt {{prompt}} --frames {{num_frames}} "
        f"--h {{height}} --w {{width}} --out {{out}}", out_ext="npy")
    text = "it's a \"ball\"; rm -rf / $(touch pwned) `id` {seed}"
    got = gen.generate(request(text=text), tmp_path / "work")
    assert got.path is not None and got.path.suffix == ".npy"
    frames = np.load(got.path)
    assert frames.shape == (4, 8, 10, 3)
    assert int(frames[0, 0, 0, 0]) == len(text) % 256  # the prompt arrived intact
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert gen.describe()["template"].startswith(sys.executable)


def test_command_placeholder_inside_quotes(tmp_path: Path) -> None:
    gen = ad.CommandGenerator(f'{sys.executable} -c "import sys; open(sys.argv[2], \'w\')'
                              f'.write(sys.argv[1])" "{{prompt}}" {{out}}', out_ext="txt")
    argv = gen.argv(request(text="two words"), tmp_path / "o.txt")
    assert argv[-2] == "two words"


def test_command_failures(tmp_path: Path) -> None:
    script = _script(tmp_path)
    base = f"{sys.executable} {script} --out {{out}}"
    with pytest.raises(GeneratorError) as err:
        ad.CommandGenerator(base + " --fail 1").generate(request(), tmp_path)
    assert "status 3" in str(err.value) and "CUDA error: out of memory" in str(err.value)
    with pytest.raises(GeneratorError, match="wrote no video"):
        ad.CommandGenerator(base + " --skip 1").generate(request(), tmp_path)
    with pytest.raises(GeneratorError, match="timed out"):
        ad.CommandGenerator(f"{sys.executable} -c 'import time; time.sleep(30)' {{out}}",
                            timeout=0.5).generate(request(), tmp_path)
    with pytest.raises(GeneratorError, match="cannot start"):
        ad.CommandGenerator("/no/such/binary {out}").generate(request(), tmp_path)


@pytest.mark.parametrize("template", ["", "model --out", "model {bogus} {out}",
                                      "model 'unclosed {out}", "model {prompt}"])
def test_command_template_errors(template: str) -> None:
    with pytest.raises(ConfigError):
        load_generator(f"cmd:{template}")


# --------------------------------------------------------------------------------- diffusers
class FakeOutput:
    def __init__(self, frames: object) -> None:
        self.frames = frames


class FakePipeline:
    """Mimics diffusers' TextToVideo pipelines: frames depend on prompt and generator."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.calls: list[dict] = []

    def __call__(self, prompt: str, num_frames: int, height: int, width: int,
                 generator: object) -> FakeOutput:
        import torch

        self.calls.append({"prompt": prompt, "num_frames": num_frames})
        # on the generator's device, as a real pipeline would (cuda when the run has one)
        x = torch.rand((1, num_frames, height, width, 3), generator=generator,
                       device=generator.device).cpu()
        if self.kind == "np":
            return FakeOutput(x.numpy())
        if self.kind == "pt":  # (B, F, C, H, W)
            return FakeOutput(x.permute(0, 1, 4, 2, 3))
        if self.kind == "bad":
            return FakeOutput(x.numpy() * 2 - 1)
        from PIL import Image

        return FakeOutput([[Image.fromarray((f.numpy() * 255).astype(np.uint8)) for f in x[0]]])


@pytest.mark.parametrize("kind", ["np", "pt", "pil"])
def test_diffusers_with_fake_pipeline(kind: str, tmp_path: Path) -> None:
    pipe = FakePipeline(kind)
    gen = ad.DiffusersGenerator("org/tiny-t2v", device="cpu",
                                pipeline_factory=lambda model, device, dtype: pipe)
    a = gen.generate(request(seed=1), tmp_path).video
    b = gen.generate(request(seed=1), tmp_path).video
    c = gen.generate(request(seed=2), tmp_path).video
    assert a is not None and b is not None and c is not None
    assert a.frames.shape == (4, 8, 10, 3) and a.fps == 8.0
    assert np.array_equal(a.frames, b.frames) and not np.array_equal(a.frames, c.frames)
    assert pipe.calls[0] == {"prompt": "a red ball falls", "num_frames": 4}
    assert gen.describe()["model"] == "org/tiny-t2v"


def test_diffusers_factory_hook_and_range_check(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ad, "PIPELINE_FACTORY", lambda m, d, t: FakePipeline("bad"))
    gen = load_generator("diffusers:some/model")
    assert isinstance(gen, ad.DiffusersGenerator)
    with pytest.raises(GeneratorError, match="expected \\[0, 1\\]"):
        gen.generate(request(), tmp_path)


def test_diffusers_missing_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)  # import diffusers -> ImportError
    gen = ad.DiffusersGenerator("some/model", device="cpu")
    with pytest.raises(ModuleNotFoundError, match="sora-bench\\[diffusers\\]"):
        gen.generate(request(), tmp_path)


def test_frames_to_video_refuses_undeclared_float() -> None:
    with pytest.raises(InputError):
        ad.frames_to_video(np.zeros((2, 4, 4, 3), np.float32), 8.0)
    assert ad.frames_to_video([np.zeros((4, 4, 3), np.uint8)] * 2, 8.0).num_frames == 2
