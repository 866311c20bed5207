import torch.nn as nn
import torch.nn.functional as F

from base import BaseModel


class DigitsModel(BaseModel):
    """A small CNN for 8x8 digits: two conv blocks (16 and 32 channels) and two linear layers."""

    def __init__(self, num_classes=10, dropout=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, kernel_size=3, padding=1)
        self.bn = nn.BatchNorm2d(32)
        self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)            # 16 x 4 x 4
        x = F.max_pool2d(F.relu(self.bn(self.conv2(x))), 2)   # 32 x 2 x 2
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)
