import numpy as np
import torch
from torch.utils.data import DataLoader
from torch.utils.data.dataloader import default_collate
from torch.utils.data.sampler import SubsetRandomSampler

__all__ = ["BaseDataLoader"]


class BaseDataLoader(DataLoader):
    """
    Base class for all data loaders: splits off ``validation_split`` of the samples (a fraction,
    or a number of samples) as a validation set, drawn once with a fixed seed.

    Shuffling draws from ``self.generator``, a generator of its own seeded with ``seed``: the
    trainer saves its state in checkpoints, so a resumed run sees the same batches it would
    have seen without stopping.
    """
    def __init__(self, dataset, batch_size, shuffle, validation_split, num_workers,
                 collate_fn=default_collate, seed=0):
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.generator = torch.Generator()
        self.generator.manual_seed(seed)

        self.batch_idx = 0
        self.n_samples = len(dataset)

        self.sampler, self.valid_sampler = self._split_sampler(self.validation_split, seed)

        self.init_kwargs = {
            "dataset": dataset,
            "batch_size": batch_size,
            "shuffle": self.shuffle,
            "collate_fn": collate_fn,
            "num_workers": num_workers,
            "generator": self.generator,
        }
        super().__init__(sampler=self.sampler, **self.init_kwargs)

    def _split_sampler(self, split, seed):
        if split == 0.0:
            return None, None

        idx_full = np.arange(self.n_samples)
        # a local generator: the split never disturbs NumPy's global random state
        np.random.default_rng(seed).shuffle(idx_full)

        if isinstance(split, int):
            assert split > 0
            assert split < self.n_samples, \
                "validation set size is configured to be larger than entire dataset."
            len_valid = split
        else:
            len_valid = int(self.n_samples * split)

        valid_idx = idx_full[0:len_valid].tolist()
        train_idx = idx_full[len_valid:].tolist()

        train_sampler = SubsetRandomSampler(train_idx, generator=self.generator)
        valid_sampler = SubsetRandomSampler(valid_idx, generator=self.generator)

        # turn off shuffle option which is mutually exclusive with sampler
        self.shuffle = False
        self.n_samples = len(train_idx)

        return train_sampler, valid_sampler

    def split_validation(self):
        if self.valid_sampler is None:
            return None
        return DataLoader(sampler=self.valid_sampler, **self.init_kwargs)
