import importlib.util
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from base import BaseDataLoader

# pixel mean and standard deviation of the digits, scaled to [0, 1]
DIGITS_MEAN, DIGITS_STD = 0.3053, 0.3760


def load_digits():
    """The digits as (images float 1797x8x8 in 0..16, labels int 1797), as sklearn's load_digits.

    Reads the file scikit-learn ships (datasets/data/digits.csv.gz) without importing
    scikit-learn, whose import (SciPy included) takes longer than a short training run.
    """
    spec = importlib.util.find_spec("sklearn")
    if spec is None:
        raise ImportError("the digits data ship with scikit-learn: pip install scikit-learn")
    csv = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if csv.is_file():
        data = np.loadtxt(csv, delimiter=",")
        return data[:, :-1].reshape(-1, 8, 8), data[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as sklearn_load_digits
    digits = sklearn_load_digits()
    return digits.images, digits.target


class DigitsDataLoader(BaseDataLoader):
    """
    scikit-learn's handwritten digits: 1,797 grey 8x8 images of 0-9, bundled with scikit-learn
    (no download).  Pixels are scaled to [0, 1] and normalised with the dataset's mean and
    standard deviation.

    A fixed ``test_split`` of the images (drawn with ``split_seed``) is the test set
    (``training=False``); the rest is the training set, of which ``validation_split`` is held
    out for validation.  ``limit`` keeps only the first ``limit`` images of the chosen set
    (quick runs).
    """
    def __init__(self, batch_size, shuffle=True, validation_split=0.0, num_workers=0,
                 training=True, test_split=0.2, split_seed=0, limit=None, seed=0):
        images, labels = load_digits()
        images = (images.astype(np.float32) / 16.0 - DIGITS_MEAN) / DIGITS_STD
        order = np.random.default_rng(split_seed).permutation(len(images))
        n_test = int(len(images) * test_split)
        idx = order[n_test:] if training else order[:n_test]
        if limit is not None:
            idx = idx[:limit]
        self.dataset = TensorDataset(torch.tensor(images[idx][:, None]),
                                     torch.tensor(labels[idx], dtype=torch.int64))
        super().__init__(self.dataset, batch_size, shuffle, validation_split, num_workers,
                         seed=seed)
