"""ember/serialization.py: checkpoints in PyTorch's format, both directions, against real torch."""

import collections
import copy
import io
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.serialization import load, load_safetensors, save, save_safetensors
from tests.conftest import DTYPE_PAIRS, assert_same, assert_same_error, pair

ALL_DTYPES = DTYPE_PAIRS + [(ember.uint16, torch.uint16), (ember.uint32, torch.uint32),
                            (ember.uint64, torch.uint64)]
LEGACY_DTYPES = DTYPE_PAIRS   # torch cannot read its own legacy files for uint16/32/64


def _data(dt):
    if dt is ember.bool:
        return np.array([[True, False, True], [False, False, True]])
    if dt.is_complex:
        return np.array([[1 + 2j, -3.5j, 0.25], [2, 3 - 1j, -1]])
    if dt.is_floating_point:
        return np.array([[1.1, -2.25, 3.0e3], [0.0, -7.125, 1e-3]])
    return np.array([[1, 2, 3], [4, 5, 127]])


def _to_torch(obj, **kw):
    """Save with Ember, load with torch (weights_only)."""
    buf = io.BytesIO()
    save(obj, buf, **kw)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def _to_ember(obj, **kw):
    """Save with torch, load with Ember (weights_only)."""
    buf = io.BytesIO()
    torch.save(obj, buf, **kw)
    buf.seek(0)
    return load(buf)


def _ember_bytes(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf, **kw)
    return buf.getvalue()


# ------------------------------------------------------------------ dtypes, both directions
@pytest.mark.parametrize("edt,tdt", ALL_DTYPES, ids=lambda d: str(d))
def test_ember_to_torch_every_dtype(edt, tdt):
    e, t = pair(_data(edt), edt)
    r = _to_torch({"x": e, "col": e[:, 1]})
    assert_same(e, r["x"], check_stride=True)
    assert_same(e[:, 1], r["col"], check_stride=True)
    assert r["col"].storage_offset() == 1
    assert r["x"].untyped_storage().data_ptr() == r["col"].untyped_storage().data_ptr()


@pytest.mark.parametrize("edt,tdt", ALL_DTYPES, ids=lambda d: str(d))
def test_torch_to_ember_every_dtype(edt, tdt):
    e, t = pair(_data(edt), edt)
    r = _to_ember({"x": t, "col": t[:, 1]})
    assert_same(r["x"], t, check_stride=True)
    assert_same(r["col"], t[:, 1], check_stride=True)
    assert r["col"].storage_offset() == 1


@pytest.mark.parametrize("edt,tdt", LEGACY_DTYPES, ids=lambda d: str(d))
def test_legacy_format_both_ways(edt, tdt):
    e, t = pair(_data(edt), edt)
    r = _to_ember([t, t.t()], _use_new_zipfile_serialization=False)
    assert_same(r[0], t)
    assert_same(r[1], t.t(), check_stride=True)
    r = _to_torch([e, e.t()], _use_new_zipfile_serialization=False)
    assert_same(e, r[0])
    assert_same(e.t(), r[1], check_stride=True)
    assert r[0].untyped_storage().data_ptr() == r[1].untyped_storage().data_ptr()


def test_bfloat16_is_stored_as_real_bfloat16_bits():
    vals = [1.0, -2.5, 3.140625, 1e-3, 65504.0, float("inf")]
    e = ember.tensor(vals, dtype=ember.bfloat16)
    t = torch.tensor(vals, dtype=torch.bfloat16)
    z = zipfile.ZipFile(io.BytesIO(_ember_bytes(e)))
    raw = z.read("archive/data/0")
    assert raw == t.view(torch.int16).numpy().tobytes()
    back = load(io.BytesIO(_ember_bytes(e)))
    assert back.dtype is ember.bfloat16
    assert back._data.dtype == np.float32
    assert_same(back, t)


def test_zip_layout_matches_pytorch():
    z = zipfile.ZipFile(io.BytesIO(_ember_bytes({"a": ember.ones(3), "b": ember.zeros(5)})))
    names = z.namelist()
    assert names == ["archive/data.pkl", "archive/.format_version", "archive/.storage_alignment",
                     "archive/byteorder", "archive/data/0", "archive/data/1", "archive/version",
                     "archive/.data/serialization_id"]
    assert z.read("archive/byteorder") == b"little"
    assert z.read("archive/version") == b"3\n"
    assert z.read("archive/.storage_alignment") == b"64"
    raw = _ember_bytes({"a": ember.ones(3), "b": ember.zeros(5)})
    for info in z.infolist():
        assert info.compress_type == zipfile.ZIP_STORED
        if "/data/" in info.filename:
            n, m = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], "<u2")
            assert (info.header_offset + 30 + n + m) % 64 == 0


def test_path_names_archive_like_pytorch(tmp_path):
    p = tmp_path / "model.pt"
    save({"w": ember.ones(2)}, p)
    assert zipfile.ZipFile(p).namelist()[0] == "model/data.pkl"
    assert_same(load(str(p))["w"], torch.load(p, weights_only=True)["w"])


# ------------------------------------------------------------------ views and sharing
def test_views_share_memory_after_torch_load():
    base = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    tbase = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    views = {"base": base, "t": base.t(), "row": base[1], "col": base[:, 2],
             "step": base[:, ::2], "tail": base[1:, 1:]}
    tviews = {"base": tbase, "t": tbase.t(), "row": tbase[1], "col": tbase[:, 2],
              "step": tbase[:, ::2], "tail": tbase[1:, 1:]}
    r = _to_torch(views)
    z = zipfile.ZipFile(io.BytesIO(_ember_bytes(views)))
    assert [n for n in z.namelist() if "/data/" in n] == ["archive/data/0"]   # written once
    for k, tv in tviews.items():
        assert_same(views[k], r[k], check_stride=True)
        assert r[k].storage_offset() == tv.storage_offset()
    r["base"][1, 2] = 100.0
    assert r["row"][2].item() == 100.0 and r["col"][1].item() == 100.0


def test_views_share_memory_after_ember_load():
    t = torch.arange(12, dtype=torch.float64).reshape(3, 4)
    tv = {"base": t, "t": t.t(), "col": t[:, 1], "tail": t[1:, 2:]}
    r = _to_ember(tv)
    for k in tv:
        assert_same(r[k], tv[k], check_stride=True)
        assert r[k].storage_offset() == tv[k].storage_offset()
    r["base"][2, 1] = -5.0
    assert r["col"][2].item() == -5.0 and r["t"][1, 2].item() == -5.0
    assert r["base"].untyped_storage().data_ptr() == r["tail"].untyped_storage().data_ptr()


def test_same_tensor_twice_is_one_object():
    x = ember.ones(3)
    r = load(io.BytesIO(_ember_bytes([x, x])))
    assert r[0] is r[1]
    r = _to_torch([x, x])
    assert r[0] is r[1]


def test_views_as_different_dtypes_is_an_error():
    x = ember.ones(4)
    tx = torch.ones(4)
    assert_same_error(lambda: save([x, x.view(ember.int32)], io.BytesIO()),
                      lambda: torch.save([tx, tx.view(torch.int32)], io.BytesIO()))


def test_from_numpy_slice_saves_only_its_memory():
    big = np.arange(100000, dtype=np.float32)
    small = ember.from_numpy(big[10:20])
    raw = _ember_bytes(small)
    assert len(raw) < 4000
    assert_same(load(io.BytesIO(raw)), torch.from_numpy(big[10:20]))


# ------------------------------------------------------------------ nn and optim state
def test_module_state_dict_to_torch_and_back():
    ember.manual_seed(0)
    m = ember.nn.Linear(3, 2)
    sd = m.state_dict()
    r = _to_torch(sd)
    assert isinstance(r, collections.OrderedDict)
    assert r._metadata == sd._metadata
    tm = torch.nn.Linear(3, 2)
    tm.load_state_dict(r)
    x = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    assert_same(m(ember.tensor(x)).detach(), tm(torch.tensor(x)).detach())
    back = _to_ember(tm.state_dict())
    assert back._metadata == tm.state_dict()._metadata
    m2 = ember.nn.Linear(3, 2)
    m2.load_state_dict(back)
    assert_same(m2.weight.detach(), tm.weight.detach())


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_optimizer_state_dict_round_trip(name):
    # torch.optim is not constructed here: its first use imports torch._dynamo (seconds)
    kw = {"lr": 0.1, "momentum": 0.9} if name == "SGD" else {"lr": 0.1}
    w = np.random.RandomState(1).randn(2, 3)
    ep = ember.nn.Parameter(ember.tensor(w))
    eb = ember.nn.Parameter(ember.zeros(3))
    eo = getattr(ember.optim, name)([ep, eb], **kw)
    for _ in range(2):
        (ep * ep + eb).sum().backward()
        eo.step()
    sd = eo.state_dict()
    r = _to_torch(sd)
    assert r["param_groups"] == sd["param_groups"]
    assert sorted(r["state"]) == [0, 1]
    for i in (0, 1):
        assert sorted(r["state"][i]) == sorted(sd["state"][i])
        for k, v in sd["state"][i].items():
            assert_same(v, r["state"][i][k], check_stride=True)
    back = _to_ember(r)
    assert back["param_groups"] == sd["param_groups"]
    for k, v in r["state"][0].items():
        assert_same(back["state"][0][k], v)
    eo2 = getattr(ember.optim, name)([ep, eb], **kw)
    eo2.load_state_dict(back)
    for k, v in eo2.state_dict()["state"][1].items():
        assert_same(v, r["state"][1][k])


def test_parameter_and_requires_grad_preserved():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    frozen = ember.nn.Parameter(ember.tensor([3.0]), requires_grad=False)
    leaf = ember.tensor([4.0], requires_grad=True)
    r = _to_torch({"p": p, "f": frozen, "leaf": leaf, "plain": ember.ones(1)})
    assert isinstance(r["p"], torch.nn.Parameter) and r["p"].requires_grad
    assert isinstance(r["f"], torch.nn.Parameter) and not r["f"].requires_grad
    assert not isinstance(r["leaf"], torch.nn.Parameter) and r["leaf"].requires_grad
    assert not r["plain"].requires_grad
    e = load(io.BytesIO(_ember_bytes({"p": p, "f": frozen, "leaf": leaf})))
    assert isinstance(e["p"], ember.nn.Parameter) and e["p"].requires_grad
    assert isinstance(e["f"], ember.nn.Parameter) and not e["f"].requires_grad
    assert type(e["leaf"]) is ember.Tensor and e["leaf"].requires_grad and e["leaf"].is_leaf
    t = _to_ember({"p": torch.nn.Parameter(torch.ones(2)), "g": torch.ones(1, requires_grad=True)})
    assert isinstance(t["p"], ember.nn.Parameter) and t["p"].requires_grad and t["g"].requires_grad


def test_nested_containers_and_python_values():
    obj = {"list": [1, 2.5, "s", None, True, False], "tuple": (ember.ones(1), (3, "x")),
           "od": collections.OrderedDict(b=1, a=2), "neg": -(2 ** 40), "big": 2 ** 70,
           "dtype": ember.float16, "size": ember.Size([2, 3]), "dev": ember.device("cpu"),
           "set": {1, 2}, "cplx": 1 + 2j, "bytes": b"\x00ab", 3: "int key"}
    r = _to_torch(obj)
    assert r["list"] == obj["list"] and r["od"] == obj["od"] and list(r["od"]) == ["b", "a"]
    assert r["tuple"][1] == (3, "x") and r["neg"] == obj["neg"] and r["big"] == obj["big"]
    assert r["dtype"] is torch.float16 and r["size"] == torch.Size([2, 3])
    assert r["dev"] == torch.device("cpu") and r["set"] == {1, 2} and r["cplx"] == 1 + 2j
    assert r["bytes"] == b"\x00ab" and r[3] == "int key"
    e = load(io.BytesIO(_ember_bytes(obj)))
    assert e["dtype"] is ember.float16 and type(e["size"]) is ember.Size
    assert e["dev"] == ember.device("cpu") and e["list"] == obj["list"] and e["bytes"] == b"\x00ab"
    back = _to_ember({"dtype": torch.bfloat16, "size": torch.Size([4]), "dev": torch.device("cpu"),
                      "t": (torch.zeros(2, dtype=torch.int8),)})
    assert back["dtype"] is ember.bfloat16 and back["size"] == ember.Size([4])
    assert back["dev"] == ember.device("cpu") and back["t"][0].dtype is ember.int8


# ------------------------------------------------------------------ files and locations
def test_paths_and_file_objects(tmp_path):
    x = ember.arange(5)
    for target in (str(tmp_path / "a.pt"), tmp_path / "b.pt", pathlib.PurePath(tmp_path / "c.pt")):
        save(x, target)
        assert_same(load(target), torch.arange(5))
        assert_same(x, torch.load(target, weights_only=True))
    with open(tmp_path / "d.pt", "wb") as fh:
        save(x, fh)
    with open(tmp_path / "d.pt", "rb") as fh:
        assert_same(load(fh), torch.arange(5))


@pytest.mark.parametrize("loc", [None, "cpu", ember.device("cpu"), torch.device("cpu"),
                                 {"cpu": "cpu"}, lambda s, loc: s, lambda s, loc: None])
def test_map_location(loc):
    t = torch.arange(6.0).reshape(2, 3)
    buf = io.BytesIO()
    torch.save({"t": t, "v": t[1]}, buf)
    buf.seek(0)
    r = load(buf, map_location=loc)
    assert r["t"].device == ember.device("cpu")
    assert_same(r["t"], t)
    assert_same(r["v"], t[1])


def test_map_location_callable_sees_storage_and_tag():
    seen = []
    buf = io.BytesIO(_ember_bytes({"a": ember.ones(2), "b": ember.zeros(3, dtype=ember.int64)}))
    load(buf, map_location=lambda s, loc: seen.append((s.nbytes(), loc)) or s)
    assert seen == [(8, "cpu"), (24, "cpu")]


def test_unknown_location_and_missing_cuda_errors():
    t = torch.ones(2)
    buf = io.BytesIO()
    torch.save(t, buf)
    data = buf.getvalue()
    assert_same_error(lambda: load(io.BytesIO(data), map_location="meta2"),
                      lambda: torch.load(io.BytesIO(data), map_location="meta2"))
    if not ember.cuda.is_available():
        assert_same_error(lambda: load(io.BytesIO(data), map_location="cuda:0"),
                          lambda: torch.load(io.BytesIO(data), map_location="cuda:0"))


def test_mmap_loads_memory_mapped_records(tmp_path):
    p = tmp_path / "m.pt"
    x = ember.arange(20, dtype=ember.float64).reshape(4, 5)
    save({"x": x, "v": x[1:, ::2]}, p)
    r = load(p, mmap=True)
    assert_same(r["x"], torch.arange(20, dtype=torch.float64).reshape(4, 5))
    assert_same(r["v"], torch.arange(20, dtype=torch.float64).reshape(4, 5)[1:, ::2],
                check_stride=True)
    owner = r["x"]._data
    while not isinstance(owner, np.memmap) and getattr(owner, "base", None) is not None:
        owner = owner.base
    assert isinstance(owner, np.memmap)
    r["x"][0, 0] = 42.0   # copy-on-write: the file is unchanged
    assert load(p)["x"][0, 0].item() == 0.0
    tp = tmp_path / "t.pt"
    torch.save(torch.ones(3), tp)
    assert_same(load(tp, mmap=True), torch.ones(3))
    assert_same_error(lambda: load(io.BytesIO(p.read_bytes()), mmap=True),
                      lambda: torch.load(io.BytesIO(p.read_bytes()), mmap=True))
    lp = str(tmp_path / "legacy.pt")
    torch.save(torch.ones(1), lp, _use_new_zipfile_serialization=False)
    assert_same_error(lambda: load(lp, mmap=True), lambda: torch.load(lp, mmap=True))


# ------------------------------------------------------------------ atomic save
class _Exploding:
    def __reduce__(self):
        raise RuntimeError("boom while pickling")


def _temp_leftovers(folder):
    return [n for n in os.listdir(folder) if n.endswith(".tmp")]


def test_failed_save_leaves_old_checkpoint_intact(tmp_path, monkeypatch):
    p = tmp_path / "ckpt.pt"
    save({"w": ember.ones(3)}, p)
    good = p.read_bytes()
    with pytest.raises(RuntimeError, match="boom while pickling"):
        save({"w": ember.zeros(3), "bad": _Exploding()}, p)
    assert p.read_bytes() == good and not _temp_leftovers(tmp_path)

    # a failure after part of the archive was written to disk
    from ember import serialization
    calls = []
    real = serialization._ZipWriter.write_record

    def flaky(self, name, data):
        calls.append(name)
        if name.startswith("data/"):
            raise OSError("disk full")
        return real(self, name, data)

    monkeypatch.setattr(serialization._ZipWriter, "write_record", flaky)
    with pytest.raises(OSError, match="disk full"):
        save({"w": ember.full((100,), 2.0)}, p)
    assert "data.pkl" in calls
    assert p.read_bytes() == good and not _temp_leftovers(tmp_path)
    monkeypatch.undo()
    assert_same(load(p)["w"], torch.ones(3))


def test_save_to_missing_folder():
    assert_same_error(lambda: save(ember.ones(1), "/nonexistent_dir_xyz/x.pt"),
                      lambda: torch.save(torch.ones(1), "/nonexistent_dir_xyz/x.pt"))


# ------------------------------------------------------------------ weights_only and hostile files
class _System:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class _Eval:
    def __reduce__(self):
        return (eval, ("1 + 1",))


class _Trusted:
    def __init__(self, v):
        self.v = v


def test_weights_only_refuses_os_system_like_torch(tmp_path):
    marker = tmp_path / "pwned"

    class _Touch:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    buf = io.BytesIO()
    torch.save({"x": _Touch()}, buf)
    data = buf.getvalue()
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL posix.system whose module posix is "
                                                     "blocked"):
        load(io.BytesIO(data))
    assert not marker.exists()
    assert_same_error(lambda: load(io.BytesIO(data)), lambda: torch.load(io.BytesIO(data)))
    # the same refusal inside Ember's own legacy stream
    buf = io.BytesIO()
    save({"x": _System()}, buf, _use_new_zipfile_serialization=False)
    with pytest.raises(pickle.UnpicklingError, match="blocked"):
        load(io.BytesIO(buf.getvalue()))


def test_weights_only_refuses_unknown_globals_like_torch():
    buf = io.BytesIO()
    torch.save([torch.ones(1), _Eval()], buf)
    data = buf.getvalue()
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global: GLOBAL eval"):
        load(io.BytesIO(data))
    assert_same_error(lambda: load(io.BytesIO(data)), lambda: torch.load(io.BytesIO(data)))


def test_weights_only_false_loads_trusted_objects():
    data = _ember_bytes({"obj": _Trusted(ember.ones(2)), "n": np.arange(3)})
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        load(io.BytesIO(data))
    r = load(io.BytesIO(data), weights_only=False)
    assert isinstance(r["obj"], _Trusted) and r["n"].tolist() == [0, 1, 2]
    assert_same(r["obj"].v, torch.ones(2))
    assert torch.equal(_to_torch_trusted(data)["obj"].v, torch.ones(2))
    assert isinstance(load(io.BytesIO(data), pickle_module=pickle)["obj"], _Trusted)


def _to_torch_trusted(data):
    return torch.load(io.BytesIO(data), weights_only=False)


def test_safe_globals_allow_listed_class():
    from ember import serialization
    data = _ember_bytes(_Trusted(3))
    with serialization.safe_globals([_Trusted]):
        r = load(io.BytesIO(data))
    assert isinstance(r, _Trusted) and r.v == 3
    with pytest.raises(pickle.UnpicklingError):
        load(io.BytesIO(data))


def _torch_checkpoint():
    buf = io.BytesIO()
    torch.save({"a": torch.arange(4.0)}, buf)
    return buf.getvalue()


@pytest.mark.parametrize("keep", [0.5, 0.98, 10, 30])
def test_truncated_zip(keep):
    data = _torch_checkpoint()
    cut = int(len(data) * keep) if keep < 1 else keep
    assert_same_error(lambda: load(io.BytesIO(data[:cut])),
                      lambda: torch.load(io.BytesIO(data[:cut])))


def test_zip_with_missing_record():
    data = _torch_checkpoint()
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n in zin.namelist():
            if not n.endswith("data/0"):
                zout.writestr(n, zin.read(n))
    assert_same_error(lambda: load(io.BytesIO(out.getvalue())),
                      lambda: torch.load(io.BytesIO(out.getvalue())))


def test_random_and_empty_bytes():
    rng = np.random.RandomState(0)
    for _ in range(20):
        blob = rng.bytes(rng.randint(1, 300))
        with pytest.raises((RuntimeError, pickle.UnpicklingError)):
            load(io.BytesIO(blob))
    blob = bytes([0x97]) + rng.bytes(50)
    assert_same_error(lambda: load(io.BytesIO(blob)), lambda: torch.load(io.BytesIO(blob)))
    with pytest.raises((RuntimeError, pickle.UnpicklingError, EOFError)):
        load(io.BytesIO(b""))


def test_storage_record_too_small_or_geometry_out_of_bounds():
    data = _torch_checkpoint()
    zin = zipfile.ZipFile(io.BytesIO(data))
    pkl = zin.read("archive/data.pkl")
    pattern = b"cpuq\x06K\x04t"
    assert pkl.count(pattern) == 1

    def rebuild(pkl_bytes, record_bytes):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zout:
            for n in zin.namelist():
                zout.writestr(n, pkl_bytes if n.endswith("data.pkl") else
                              record_bytes if n.endswith("data/0") else zin.read(n))
        return out.getvalue()

    short = rebuild(pkl.replace(pattern, b"cpuq\x06K\x02t"), b"\x00" * 8)
    assert_same_error(lambda: load(io.BytesIO(short)), lambda: torch.load(io.BytesIO(short)),
                      match_message=False)
    lying = rebuild(pkl, b"\x00" * 8)
    with pytest.raises(RuntimeError):
        load(io.BytesIO(lying))


def test_pickle_module_with_weights_only_is_an_error():
    data = _torch_checkpoint()
    assert_same_error(lambda: load(io.BytesIO(data), pickle_module=pickle, weights_only=True),
                      lambda: torch.load(io.BytesIO(data), pickle_module=pickle, weights_only=True))


# ------------------------------------------------------------------ plain pickle
def test_plain_pickle_keeps_values_sharing_and_requires_grad():
    x = ember.arange(12.0).reshape(3, 4)
    obj = [x, x[1:, ::2], ember.tensor([1.5, 2.5], dtype=ember.bfloat16, requires_grad=True),
           ember.nn.Parameter(ember.ones(2))]
    for proto in (2, pickle.HIGHEST_PROTOCOL):
        r = pickle.loads(pickle.dumps(obj, protocol=proto))
        assert_same(r[0], torch.arange(12.0).reshape(3, 4))
        assert_same(r[1], torch.arange(12.0).reshape(3, 4)[1:, ::2], check_stride=True)
        assert r[1].storage_offset() == 4
        r[0][1, 0] = -1.0
        assert r[1][0, 0].item() == -1.0
        assert r[2].dtype is ember.bfloat16 and r[2].requires_grad and r[2].is_leaf
        assert isinstance(r[3], ember.nn.Parameter) and r[3].requires_grad


def test_deepcopy_and_forking_pickler():
    from multiprocessing.reduction import ForkingPickler
    x = ember.arange(6).reshape(2, 3)
    d = copy.deepcopy({"x": x, "v": x[0]})
    d["x"][0, 0] = 9
    assert x[0, 0].item() == 0 and d["x"][0, 0].item() == 9
    r = pickle.loads(ForkingPickler.dumps((x, x.t())))
    assert_same(r[1], torch.arange(6).reshape(2, 3).t(), check_stride=True)


# ------------------------------------------------------------------ safetensors
def test_safetensors_round_trip(tmp_path):
    tensors = {"w": ember.randn(3, 4), "b": ember.tensor([1.5, -2.0], dtype=ember.bfloat16),
               "i": ember.arange(5, dtype=ember.int16), "m": ember.tensor([True, False]),
               "t": ember.arange(6.0).reshape(2, 3).t()}
    p = tmp_path / "w.safetensors"
    save_safetensors(tensors, p, metadata={"format": "pt"})
    r = load_safetensors(p)
    assert sorted(r) == sorted(tensors)
    for k, v in tensors.items():
        assert r[k].dtype is v.dtype and r[k].shape == v.shape
        assert np.array_equal(np.asarray(r[k]._data), np.asarray(v._data))
    raw = p.read_bytes()
    (n,) = np.frombuffer(raw[:8], "<u8")
    assert (8 + n) % 8 == 0 and raw[8:9] == b"{"
    assert load(p)["w"].shape == (3, 4)   # load dispatches on the .safetensors suffix


def test_safetensors_interop_with_package(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    tensors = {"w": ember.randn(3, 4), "b": ember.tensor([1.5, -2.0], dtype=ember.bfloat16),
               "i": ember.arange(5, dtype=ember.int64)}
    p = tmp_path / "e.safetensors"
    save_safetensors(tensors, p)
    r = st.load_file(str(p))
    for k, v in tensors.items():
        assert_same(v, r[k])
    tp = tmp_path / "t.safetensors"
    ref = {"x": torch.randn(2, 3), "h": torch.randn(4).half(), "bf": torch.randn(3).bfloat16()}
    st.save_file(ref, str(tp))
    r = load_safetensors(tp)
    for k, v in ref.items():
        assert_same(r[k], v)


def test_safetensors_corrupt_files(tmp_path):
    p = tmp_path / "bad.safetensors"
    p.write_bytes(b"\xff" * 8 + b"{}")
    with pytest.raises(RuntimeError, match="header too large"):
        load_safetensors(p)
    header = b'{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}'
    p.write_bytes(len(header).to_bytes(8, "little") + header + b"\x00" * 8)
    with pytest.raises(RuntimeError, match="do not match"):
        load_safetensors(p)
    p.write_bytes((5).to_bytes(8, "little") + b"{nope")
    with pytest.raises(RuntimeError, match="invalid JSON"):
        load_safetensors(p)


# ------------------------------------------------------------------ storages
def test_untyped_storage_views_tensor_memory():
    x = ember.arange(6, dtype=ember.int32)
    s = x.untyped_storage()
    assert s.nbytes() == 24 and s.data_ptr() == x.data_ptr()
    assert x[2:].untyped_storage().data_ptr() == s.data_ptr()
    s[0] = 7
    assert x[0].item() == 7


# ------------------------------------------------------------------ more formats and corner cases
@pytest.mark.parametrize("proto", [2, 3, 4, 5])
def test_pickle_protocols(proto):
    x = ember.arange(6.0).reshape(2, 3)
    obj = {"x": x, "v": x[1], "d": ember.int8, "s": ember.Size([1])}
    data = _ember_bytes(obj, pickle_protocol=proto)
    r = load(io.BytesIO(data))
    assert_same(r["v"], torch.arange(6.0).reshape(2, 3)[1])
    assert r["v"].storage_offset() == 3 and r["d"] is ember.int8
    t = torch.load(io.BytesIO(data), weights_only=proto == 2)
    assert_same(x, t["x"])
    assert t["v"].untyped_storage().data_ptr() == t["x"].untyped_storage().data_ptr()


class _MakesTensors:
    """Its pickled state holds tensors made while pickling (new objects on every call)."""

    def __init__(self, w):
        self.w = w

    def __reduce__(self):
        return (_MakesTensors, (self.w * 2,))


def test_tensors_created_during_pickling():
    keep = [ember.ones(3) for _ in range(5)]
    data = _ember_bytes({"m": _MakesTensors(ember.arange(3.0)), "keep": keep})
    r = load(io.BytesIO(data), weights_only=False)
    assert_same(r["m"].w, torch.arange(3.0) * 2)
    assert_same(r["keep"][4], torch.ones(3))


def test_legacy_map_location_and_views():
    t = torch.arange(10, dtype=torch.int32)
    buf = io.BytesIO()
    torch.save({"t": t, "v": t[3:7], "s": t[::3]}, buf, _use_new_zipfile_serialization=False)
    seen = []
    buf.seek(0)
    r = load(buf, map_location=lambda s, loc: seen.append(loc) or s)
    assert seen == ["cpu"]
    assert_same(r["v"], t[3:7])
    assert_same(r["s"], t[::3], check_stride=True)
    r["t"][4] = -1
    assert r["v"][1].item() == -1


def test_fuzzed_checkpoints_fail_cleanly():
    t = torch.arange(12.0).reshape(3, 4)
    obj = {"sd": collections.OrderedDict(w=t, b=t[1]), "p": torch.nn.Parameter(torch.ones(2)),
           "bf": torch.ones(2, dtype=torch.bfloat16), "x": (1, "s", None)}
    rng = np.random.RandomState(7)
    for legacy in (False, True):
        buf = io.BytesIO()
        torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
        data = buf.getvalue()
        for _ in range(150):
            blob = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                blob[rng.randint(len(blob))] = rng.randint(256)
            if rng.rand() < 0.2:
                blob = blob[:rng.randint(len(blob))]
            try:
                load(io.BytesIO(bytes(blob)))
            except (RuntimeError, pickle.UnpicklingError):
                pass


@pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")
def test_saved_storages():
    x = ember.arange(4, dtype=ember.int16)
    r = _to_torch({"s": x.untyped_storage()})
    assert bytes(r["s"]) == np.arange(4, dtype=np.int16).tobytes()


def test_corrupted_record_and_files_without_crc():
    data = bytearray(_torch_checkpoint())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("archive/data/0")
    n, m = np.frombuffer(bytes(data[info.header_offset + 26:info.header_offset + 30]), "<u2")
    data[info.header_offset + 30 + n + m + 1] ^= 0xFF
    with pytest.raises(RuntimeError, match="CRC-32 mismatch"):
        load(io.BytesIO(bytes(data)))
    torch.serialization.set_crc32_options(False)
    try:
        buf = io.BytesIO()
        torch.save({"a": torch.arange(3)}, buf)
    finally:
        torch.serialization.set_crc32_options(True)
    assert zipfile.ZipFile(io.BytesIO(buf.getvalue())).getinfo("archive/data/0").CRC == 0
    assert_same(load(io.BytesIO(buf.getvalue()))["a"], torch.arange(3))


def test_storage_objects():
    s = ember.storage.UntypedStorage(4)
    assert s.nbytes() == 4 and s.tolist() == [0, 0, 0, 0]
    ts = ember.storage.TypedStorage([1.5, 2.5], dtype=ember.float64)
    assert ts.size() == 2 and ts.element_size() == 8 and ts.tolist() == [1.5, 2.5]
    assert ts.untyped().nbytes() == 16
    bf = ember.storage.TypedStorage([1.1], dtype=ember.bfloat16)
    assert bf.untyped().tolist() == list(torch.tensor([1.1], dtype=torch.bfloat16)
                                         .untyped_storage().tolist())
    back = load(io.BytesIO(_ember_bytes(ts)))
    assert back.tolist() == [1.5, 2.5] and back.dtype is ember.float64


def test_whole_torch_module_loads_as_ember_module_when_trusted():
    torch.manual_seed(0)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    buf = io.BytesIO()
    torch.save(tm, buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Unsupported global"):
        load(buf)
    buf.seek(0)
    em = load(buf, weights_only=False)
    assert isinstance(em, ember.nn.Sequential) and isinstance(em[0].weight, ember.nn.Parameter)
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]], dtype=np.float32)
    assert_same(em(ember.tensor(x)).detach(), tm(torch.tensor(x)).detach())


def _as_if_saved_on_cuda(data):
    """A torch checkpoint whose storages are tagged 'cuda:0' (as a GPU machine writes them)."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zout:
        for n in zin.namelist():
            rec = zin.read(n)
            if n.endswith("data.pkl"):
                rec = rec.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            zout.writestr(n, rec)
    return out.getvalue()


def test_map_location_for_cuda_tagged_storages():
    buf = io.BytesIO()
    torch.save({"w": torch.arange(4.0), "v": torch.arange(4.0)[1:]}, buf)
    data = _as_if_saved_on_cuda(buf.getvalue())
    seen = []
    r = load(io.BytesIO(data), map_location=lambda s, loc: seen.append(loc) or s.cpu())
    assert seen == ["cuda:0", "cuda:0"]
    assert_same(r["v"], torch.arange(4.0)[1:])
    for loc in ("cpu", {"cuda:0": "cpu"}, ember.device("cpu"), torch.device("cpu")):
        r = load(io.BytesIO(data), map_location=loc)
        assert r["w"].device == ember.device("cpu")
        assert_same(r["w"], torch.arange(4.0))
        tr = torch.load(io.BytesIO(data), map_location=loc if not isinstance(loc, ember.device)
                        else "cpu")
        assert_same(r["v"], tr["v"])
    if not ember.cuda.is_available():
        assert_same_error(lambda: load(io.BytesIO(data)), lambda: torch.load(io.BytesIO(data)))
