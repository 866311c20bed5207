from abc import abstractmethod

import numpy as np
import torch.nn as nn

__all__ = ["BaseModel"]


class BaseModel(nn.Module):
    """
    Base class for all models
    """
    @abstractmethod
    def forward(self, *inputs):
        """
        Forward pass logic

        :return: Model output
        """
        raise NotImplementedError

    def __str__(self):
        """
        Model prints with number of trainable parameters
        """
        model_parameters = filter(lambda p: p.requires_grad, self.parameters())
        params = sum(int(np.prod(p.size())) for p in model_parameters)
        return super().__str__() + f"\nTrainable parameters: {params}"
