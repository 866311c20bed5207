import numpy as np
import torch
from torch.utils.data import TensorDataset

from base import BaseDataLoader

# pixel mean and standard deviation of the digits, scaled to [0, 1]
DIGITS_MEAN, DIGITS_STD = 0.3053, 0.3760


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
        from sklearn.datasets import load_digits

        digits = load_digits()
        images = (digits.images.astype(np.float32) / 16.0 - DIGITS_MEAN) / DIGITS_STD
        order = np.random.default_rng(split_seed).permutation(len(images))
        n_test = int(len(images) * test_split)
        idx = order[n_test:] if training else order[:n_test]
        if limit is not None:
            idx = idx[:limit]
        self.dataset = TensorDataset(torch.tensor(images[idx][:, None]),
                                     torch.tensor(digits.target[idx], dtype=torch.int64))
        super().__init__(self.dataset, batch_size, shuffle, validation_split, num_workers,
                         seed=seed)
