"""An experimental neural scorer (PyTorch) and a Keras baseline kept for comparison."""

from __future__ import annotations

import numpy as np
import torch
from tensorflow import keras
from torch import nn


class Scorer(nn.Module):
    def __init__(self, n_features: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(n_features, 16), nn.ReLU(), nn.Linear(16, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def fit_torch(x: np.ndarray, y: np.ndarray, epochs: int = 20) -> Scorer:
    model = Scorer(x.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    inputs, targets = torch.from_numpy(x).float(), torch.from_numpy(y).float()
    for _ in range(epochs):
        optimizer.zero_grad()  # expect: ml-training/pytorch
        loss = loss_fn(model(inputs).squeeze(1), targets)
        loss.backward()  # expect: ml-training/pytorch
        optimizer.step()  # expect: ml-training/pytorch
    return model


def fit_keras(x: np.ndarray, y: np.ndarray) -> keras.Model:
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, epochs=5, verbose=0)  # expect: ml-training/keras
    return model


def load_scorer(path: str) -> Scorer:
    return torch.load(path, weights_only=False)  # expect: ml-inference/pytorch
