"""utils.data against torch.utils.data: batches, collation, samplers, workers, errors, shutdown."""

import collections
import os
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import ember
import ember.utils.data as edata
from conftest import assert_same


def same_batches(eb, tb):
    """Recursively compare an Ember batch with a torch batch."""
    if isinstance(tb, torch.Tensor):
        assert_same(eb, tb)
    elif isinstance(tb, dict):
        assert type(eb) is type(tb) and list(eb) == list(tb)
        for k in tb:
            same_batches(eb[k], tb[k])
    elif isinstance(tb, (list, tuple)):
        assert type(eb).__name__ == type(tb).__name__ and len(eb) == len(tb)
        for a, b in zip(eb, tb):
            same_batches(a, b)
    else:
        assert eb == tb


class Squares:
    """A map-style dataset written once for both libraries."""

    def __init__(self, lib, n=10):
        self.lib, self.n = lib, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return self.lib.tensor([float(i), float(i * i)]), i


Point = collections.namedtuple("Point", ["x", "y"])


def rich_sample(lib, i):
    return {"img": lib.ones(2, 2) * i, "arr": np.full(3, i, dtype=np.float32), "label": i,
            "w": i * 0.5, "flag": bool(i % 2), "name": f"s{i}", "pt": Point(i, float(i)),
            "seq": [i, i + 1]}


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=4, drop_last=True),
                                dict(batch_size=None), dict(batch_size=1)])
def test_sequential_batches_match_torch(kw):
    eb = list(edata.DataLoader(Squares(ember), **kw))
    tb = list(tdata.DataLoader(Squares(torch), **kw))
    assert len(eb) == len(tb) == len(edata.DataLoader(Squares(ember), **kw))
    for a, b in zip(eb, tb):
        same_batches(a, b)


def test_default_collate_structures_match_torch():
    eb = edata.default_collate([rich_sample(ember, i) for i in range(3)])
    tb = tdata.default_collate([rich_sample(torch, i) for i in range(3)])
    same_batches(eb, tb)
    assert edata.default_convert(np.arange(3)).tolist() == [0, 1, 2]
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        edata.default_collate([ember.ones(2), ember.ones(3)])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        edata.default_collate([[1, 2], [1]])


def test_samplers_and_batch_sampler_with_given_indices():
    idx = [7, 2, 9, 0, 4]
    for lib, data in ((ember, edata), (torch, tdata)):
        dl = data.DataLoader(Squares(lib), sampler=idx, batch_size=2)
        assert [b[1].tolist() for b in dl] == [[7, 2], [9, 0], [4]]
        bs = data.BatchSampler(data.SequentialSampler(range(7)), 3, drop_last=False)
        assert list(bs) == [[0, 1, 2], [3, 4, 5], [6]] and len(bs) == 3
        dl = data.DataLoader(Squares(lib), batch_sampler=[[1, 3], [5]])
        assert [b[1].tolist() for b in dl] == [[1, 3], [5]]
    for fn in (lambda d: d.DataLoader([1], batch_sampler=[[0]], batch_size=2),
               lambda d: d.DataLoader([1], sampler=[0], shuffle=True),
               lambda d: d.DataLoader([1], num_workers=-1),
               lambda d: d.DataLoader([1], prefetch_factor=2)):
        with pytest.raises(ValueError) as te:
            fn(tdata)
        with pytest.raises(ValueError) as ee:
            fn(edata)
        assert str(ee.value) == str(te.value)


def test_shuffle_is_reproducible_from_seed_and_generator():
    def order(**kw):
        return [b[1].tolist() for b in edata.DataLoader(Squares(ember, 20), batch_size=5,
                                                        shuffle=True, **kw)]
    ember.manual_seed(3)
    a = order()
    ember.manual_seed(3)
    assert order() == a
    assert sorted(sum(a, [])) == list(range(20)) and sum(a, []) != list(range(20))
    g1, g2 = ember.Generator().manual_seed(5), ember.Generator().manual_seed(5)
    assert order(generator=g1) == order(generator=g2)
    assert order(generator=ember.Generator().manual_seed(6)) != order(generator=g1)


def test_weighted_subset_and_replacement_samplers():
    g = ember.Generator().manual_seed(0)
    w = list(edata.WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 6, generator=g))
    assert w == [2] * 6
    s = list(edata.SubsetRandomSampler([3, 5, 8], generator=g))
    assert sorted(s) == [3, 5, 8]
    r = list(edata.RandomSampler(range(4), replacement=True, num_samples=50, generator=g))
    assert len(r) == 50 and set(r) <= {0, 1, 2, 3}
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        edata.RandomSampler(range(4), num_samples=0)


def test_distributed_sampler_matches_torch_without_shuffle():
    for drop_last in (False, True):
        for rank in range(3):
            e = list(edata.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=False,
                                              drop_last=drop_last))
            t = list(tdata.DistributedSampler(range(10), num_replicas=3, rank=rank, shuffle=False,
                                              drop_last=drop_last))
            assert e == t
    parts = [set(edata.DistributedSampler(range(12), 3, r, seed=1)) for r in range(3)]
    assert set.union(*parts) == set(range(12)) and sum(map(len, parts)) == 12


def test_datasets_concat_subset_stack_random_split():
    a, b = Squares(ember, 3), Squares(ember, 4)
    c = edata.ConcatDataset([a, b])
    assert len(c) == 7 and c[3][1] == 0 and c[-1][1] == 3
    ta, tb = edata.TensorDataset(ember.arange(3)), edata.TensorDataset(ember.arange(4))
    assert len(ta + tb) == 7 and (ta + tb)[6][0].item() == 3
    s = edata.Subset(c, [6, 0])
    assert [s[i][1] for i in range(2)] == [3, 0]
    st = edata.StackDataset(x=a, y=a)
    assert st[2]["y"][1] == 2
    td = edata.TensorDataset(ember.arange(5), ember.arange(5) * 2)
    assert td[3][1].item() == 6
    parts = edata.random_split(range(10), [0.5, 0.3, 0.2], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
        edata.random_split(range(10), [3, 3])


class Chunks(edata.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = edata.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


def _init_fn(worker_id):
    os.environ["EMBER_TEST_WORKER"] = str(worker_id)


class WhoAmI(edata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = edata.get_worker_info()
        return i, info.id, info.num_workers, os.environ.get("EMBER_TEST_WORKER"), \
            float(ember.rand(1).item())


def test_workers_give_the_same_batches_in_order():
    single = list(edata.DataLoader(Squares(ember, 23), batch_size=4))
    multi = list(edata.DataLoader(Squares(ember, 23), batch_size=4, num_workers=2,
                                  prefetch_factor=3))
    assert len(single) == len(multi) == 6
    for a, b in zip(single, multi):
        assert np.array_equal(a[0].numpy(), b[0].numpy())
        assert a[1].tolist() == b[1].tolist()


def test_worker_info_init_fn_and_seeds():
    out = list(edata.DataLoader(WhoAmI(), batch_size=None, num_workers=2,
                                worker_init_fn=_init_fn))
    assert [o[0] for o in out] == list(range(8))
    assert {(o[1], o[3]) for o in out} == {(0, "0"), (1, "1")}
    assert all(o[2] == 2 for o in out)
    r0 = [o[4] for o in out if o[1] == 0]
    r1 = [o[4] for o in out if o[1] == 1]
    assert r0 != r1          # each worker has its own seed
    assert edata.get_worker_info() is None


def test_iterable_dataset_split_across_workers():
    got = sorted(int(x) for b in edata.DataLoader(Chunks(11), batch_size=3, num_workers=2)
                 for x in b)
    assert got == list(range(11))
    assert [b.tolist() for b in edata.DataLoader(Chunks(5), batch_size=2)] == [[0, 1], [2, 3], [4]]


class Boom(edata.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            raise ValueError("bad sample 3")
        return i


class Die(edata.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 2:
            os._exit(1)
        return i


def test_worker_exception_reraised_with_traceback():
    with pytest.raises(ValueError) as e:
        list(edata.DataLoader(Boom(), batch_size=2, num_workers=2))
    msg = str(e.value)
    assert "Caught ValueError in DataLoader worker process" in msg
    assert "bad sample 3" in msg and "Traceback" in msg


def test_dead_worker_is_reported_not_a_hang():
    t = time.time()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        list(edata.DataLoader(Die(), batch_size=1, num_workers=2))
    assert time.time() - t < 30


class Slow(edata.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        time.sleep(3)
        return i


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.5 seconds"):
        list(edata.DataLoader(Slow(), batch_size=1, num_workers=1, timeout=0.5))


def test_no_leftover_processes_and_persistent_workers():
    import multiprocessing as mp
    dl = edata.DataLoader(Squares(ember, 10), batch_size=3, num_workers=2, persistent_workers=True,
                          pin_memory=True)
    first = [b[1].tolist() for b in dl]
    workers = dl._iterator._workers
    second = [b[1].tolist() for b in dl]
    assert first == second and dl._iterator._workers is workers
    assert all(w.is_alive() for w in workers)
    dl._iterator._shutdown_workers()
    it = iter(edata.DataLoader(Squares(ember, 10), batch_size=3, num_workers=2))
    next(it)
    procs = list(it._workers)
    del it
    deadline = time.time() + 10
    while any(p.is_alive() for p in procs) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(p.is_alive() for p in procs)
    assert not [p for p in mp.active_children() if p in procs]
