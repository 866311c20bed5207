"""The demo until the training project lands: build tensors, differentiate, print like PyTorch."""

import ember as torch

x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
w = torch.tensor([[0.5], [-1.0]], requires_grad=True)
y = (x * 2).exp().sum(1, keepdim=True) * w
loss = y.mean()
print("loss:", loss)
loss.backward()
print("x.grad:", x.grad)
print("w.grad:", w.grad)
