"""The main job: train a small CNN on scikit-learn's bundled handwritten digits with Ember.

Written as ordinary PyTorch code: only the import line differs.
1,797 real 8x8 images ship inside scikit-learn (no download); 20% are held out for testing.
"""

import time

import numpy as np
from sklearn.datasets import load_digits

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset, random_split


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)            # 16 x 4 x 4
        x = F.max_pool2d(F.relu(self.bn(self.conv2(x))), 2)   # 32 x 2 x 2
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.numel()
    model.train()
    return correct / total


def main(epochs=15, seed=0):
    torch.manual_seed(seed)
    digits = load_digits()
    images = torch.tensor(digits.images[:, None].astype(np.float32) / 16.0)
    labels = torch.tensor(digits.target, dtype=torch.int64)
    train_set, test_set = random_split(TensorDataset(images, labels), [0.8, 0.2],
                                       generator=torch.Generator().manual_seed(seed))
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitsCNN()
    print(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        total_loss = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * y.numel()
        print(f"epoch {epoch:2d}  loss {total_loss / len(train_set):.4f}  "
              f"test accuracy {evaluate(model, test_loader):.2%}")
    acc = evaluate(model, test_loader)
    print(f"final test accuracy {acc:.2%} ({time.perf_counter() - start:.1f} s)")
    if hasattr(torch, "save"):
        torch.save(model.state_dict(), "digits_cnn.pt")
        print("checkpoint written to digits_cnn.pt (loads in PyTorch with torch.load)")
    return acc


if __name__ == "__main__":
    main()
