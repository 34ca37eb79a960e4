# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Fashion-MNIST Swin in PyTorch: built from a checkpoint's metadata.

The checkpoint written by train_fashion.py records its architecture in
__metadata__ (patch_size, embed_dim, depths, num_heads, window_size), so the
evaluation tools rebuild exactly the trained network from the file alone.
Needs torch and torchvision (Debian: /usr/bin/python3).
"""

import numpy as np
import torch
from torchvision.models.swin_transformer import SwinTransformer

import fashion_mnist
import safetensors_io

# Buffers torchvision derives from the window size; the C loader computes
# them too, so checkpoints leave them out.
DERIVED_SUFFIXES = ("relative_position_index", "attn_mask")


def arch_metadata(patch_size, embed_dim, depths, num_heads, window_size):
    return {"patch_size": str(patch_size), "embed_dim": str(embed_dim),
            "depths": ",".join(map(str, depths)), "num_heads": ",".join(map(str, num_heads)),
            "window_size": str(window_size)}


def build(metadata, num_classes=len(fashion_mnist.LABELS), stochastic_depth_prob=0.0):
    """A torchvision SwinTransformer with the architecture metadata describes."""
    patch = int(metadata["patch_size"])
    window = int(metadata["window_size"])
    return SwinTransformer(patch_size=[patch, patch], embed_dim=int(metadata["embed_dim"]),
                           depths=[int(d) for d in metadata["depths"].split(",")],
                           num_heads=[int(h) for h in metadata["num_heads"].split(",")],
                           window_size=[window, window],
                           stochastic_depth_prob=stochastic_depth_prob, num_classes=num_classes)


def checkpoint_tensors(model, dtype):
    """The state dict as safetensors triples in "F32" or "F16", without derived buffers."""
    np_dtype = {"F32": np.float32, "F16": np.float16}[dtype]
    return {name: safetensors_io.from_numpy(t.detach().cpu().numpy().astype(np_dtype), dtype)
            for name, t in model.state_dict().items() if not name.endswith(DERIVED_SUFFIXES)}


def load(path):
    """Returns (model in eval mode with float32 weights, metadata) of a checkpoint."""
    tensors, metadata = safetensors_io.load(path)
    model = build(metadata)
    state = {name: torch.from_numpy(safetensors_io.to_numpy(t).astype(np.float32))
             for name, t in tensors.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith(DERIVED_SUFFIXES)]
    if missing or unexpected:
        raise ValueError("%s does not match its architecture: missing %s, unexpected %s"
                         % (path, missing, unexpected))
    return model.eval(), metadata


def normalise(images, mean, std):
    """uint8 [N, H, W] grey images -> float32 [N, 3, H, W] network input."""
    x = torch.from_numpy(images).float().div_(255.0).sub_(mean).div_(std)
    return x[:, None].expand(-1, 3, -1, -1)


@torch.no_grad()
def predict(model, images, mean, std, batch=500):
    """Logits float32 [N, classes] of uint8 [N, H, W] images at the input size."""
    out = [model(normalise(images[i:i + batch], mean, std)) for i in range(0, len(images), batch)]
    return torch.cat(out).numpy()
