# SPDX-License-Identifier: LGPL-2.1-or-later
"""A Swin Transformer forward with the window rule of microsoft/Swin-Transformer.

The reference for checkpoints in the "original" and "timm" key layouts at
resolutions where that rule differs from torchvision's. It follows the
algorithm of the original repository's models/swin_transformer.py
(SwinTransformerBlock, WindowAttention, PatchMerging), written here from its
description:

- a block whose map has min(H, W) <= window attends in square windows of
  min(H, W) and does not shift; otherwise the window is the checkpoint's and
  odd blocks shift by window // 2 with the usual 3 x 3 region mask;
- a window smaller than the checkpoint's reads the centre of its
  (2 * window - 1)^2 relative position bias table (the original code would
  build a smaller table; a checkpoint made at that resolution has one);
- where the map is not a whole number of windows, which the original code
  refuses, the normalised map is zero-padded at the bottom and right before
  the roll, as torchvision pads it.

Swin V2 state dicts (blocks with attn.logit_scale) follow the repository's
models/swin_transformer_v2.py, again from its description: x + LN(attn(x))
and x + LN(mlp(x)); q and k normalised per head, their product times
exp(min(logit_scale, log 100)); the bias 16 * sigmoid of a 2-512-heads MLP
over log-spaced relative coordinates (the block's relative_coords_table when
the state dict has one, else made for the stage's window, normalised to
the pretraining window where one is given); the qkv bias q_bias, zeros,
v_bias; patch merging that reduces, then normalises. A stage's window is its
relative_coords_table's, else the given window shrunk to the stage's map at
the checkpoint's resolution img_size where that map is smaller; a smaller
window at another resolution reads the centre of that bias table.

forward(state, x) takes a state dict in the original layout (names as in the
repository: patch_embed.*, layers.i.blocks.j.*, layers.i.downsample.*, norm.*,
head.*) and NCHW float32 images; it needs nothing but torch.
"""

import math
import re

import torch
import torch.nn.functional as F

LN_EPS = 1e-5


def block_geometry(height, width, window, shifted):
    """(window, shift) of a block over a height x width map."""
    if min(height, width) <= window:
        return min(height, width), 0
    return window, window // 2 if shifted else 0


def partition(x, ws):
    """[B, Hp, Wp, C] -> [B * windows, ws * ws, C], windows in row-major order."""
    b, hp, wp, c = x.shape
    x = x.view(b, hp // ws, ws, wp // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, ws * ws, c)


def unpartition(windows, ws, b, hp, wp):
    """Inverse of partition()."""
    c = windows.shape[-1]
    x = windows.view(b, hp // ws, wp // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, hp, wp, c)


def relative_bias(table, window, ws):
    """[heads, n, n] bias of a ws x ws window from a (2 * window - 1)^2 table."""
    heads = table.shape[1]
    side = 2 * ws - 1
    start = window - ws
    grid = table.view(2 * window - 1, 2 * window - 1, heads)
    grid = grid[start:start + side, start:start + side]
    ys, xs = torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")
    ys, xs = ys.flatten(), xs.flatten()
    dy = ys[:, None] - ys[None, :] + ws - 1
    dx = xs[:, None] - xs[None, :] + ws - 1
    return grid[dy, dx].permute(2, 0, 1)


def region_mask(hp, wp, ws, shift):
    """[windows, n, n] additive mask: -100 between tokens of different regions.

    After the roll, the last ws rows (columns) of the map hold two regions
    split at shift from the end; everything before them is one region.
    """
    label = torch.zeros(hp, wp)
    rows = (0, hp - ws, hp - shift, hp)
    cols = (0, wp - ws, wp - shift, wp)
    for i in range(3):
        for j in range(3):
            label[rows[i]:rows[i + 1], cols[j]:cols[j + 1]] = 3 * i + j
    win = partition(label.view(1, hp, wp, 1), ws).squeeze(-1)
    same = win[:, :, None] == win[:, None, :]
    return torch.where(same, 0.0, -100.0)


def log_coords(window, norm):
    """[(2 window - 1)^2, 2] log-spaced relative coordinates, divided by norm - 1."""
    d = torch.arange(-(window - 1), window, dtype=torch.float32)
    grid = torch.stack(torch.meshgrid(d, d, indexing="ij"), -1).reshape(-1, 2)
    t = grid / (norm - 1) * 8 if norm > 1 else torch.zeros_like(grid)
    return torch.sign(t) * torch.log2(t.abs() + 1) / 3


def v2_table(p, prefix, window, pretrained):
    """[(2 window - 1)^2, heads] continuous position bias of a V2 block."""
    coords = p.get(prefix + "relative_coords_table")
    coords = log_coords(window, pretrained or window) if coords is None else coords.reshape(-1, 2)
    hidden = F.relu(F.linear(coords, p[prefix + "cpb_mlp.0.weight"], p[prefix + "cpb_mlp.0.bias"]))
    return 16 * torch.sigmoid(F.linear(hidden, p[prefix + "cpb_mlp.2.weight"]))


def window_attention(y, p, prefix, window, heads, shifted, pretrained=0):
    """Shifted-window self-attention of the map y [B, H, W, C] (V1: normalised)."""
    b, h, w, c = y.shape
    v2 = prefix + "logit_scale" in p
    ws, shift = block_geometry(h, w, window, shifted)
    hp, wp = math.ceil(h / ws) * ws, math.ceil(w / ws) * ws
    y = F.pad(y, (0, 0, 0, wp - w, 0, hp - h))
    if shift:
        y = torch.roll(y, (-shift, -shift), (1, 2))
    win = partition(y, ws)
    n, hd = ws * ws, c // heads
    if v2:
        bias = torch.cat([p[prefix + "q_bias"], torch.zeros(c), p[prefix + "v_bias"]])
    else:
        bias = p[prefix + "qkv.bias"]
    qkv = F.linear(win, p[prefix + "qkv.weight"], bias)
    q, k, v = qkv.view(-1, n, 3, heads, hd).permute(2, 0, 3, 1, 4)
    if v2:
        scale = p[prefix + "logit_scale"].clamp(max=math.log(100)).exp()
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1) * scale
        table = v2_table(p, prefix, window, pretrained)
    else:
        attn = (q * hd ** -0.5) @ k.transpose(-2, -1)
        table = p[prefix + "relative_position_bias_table"]
    attn = attn + relative_bias(table, window, ws)
    if shift:
        mask = region_mask(hp, wp, ws, shift)
        attn = (attn.view(b, mask.shape[0], heads, n, n) + mask[None, :, None]).view(-1, heads, n, n)
    out = (attn.softmax(-1) @ v).transpose(1, 2).reshape(-1, n, c)
    out = F.linear(out, p[prefix + "proj.weight"], p[prefix + "proj.bias"])
    out = unpartition(out, ws, b, hp, wp)
    if shift:
        out = torch.roll(out, (shift, shift), (1, 2))
    return out[:, :h, :w]


def layer_norm(x, p, prefix):
    return F.layer_norm(x, x.shape[-1:], p[prefix + ".weight"], p[prefix + ".bias"], LN_EPS)


def block(x, p, prefix, window, heads, shifted, pretrained=0):
    """One Swin block on x [B, H, W, C]."""
    if prefix + "attn.logit_scale" in p:
        x = x + layer_norm(window_attention(x, p, prefix + "attn.", window, heads, shifted, pretrained),
                           p, prefix + "norm1")
        hidden = F.gelu(F.linear(x, p[prefix + "mlp.fc1.weight"], p[prefix + "mlp.fc1.bias"]))
        return x + layer_norm(F.linear(hidden, p[prefix + "mlp.fc2.weight"], p[prefix + "mlp.fc2.bias"]),
                              p, prefix + "norm2")
    x = x + window_attention(layer_norm(x, p, prefix + "norm1"), p, prefix + "attn.", window,
                             heads, shifted)
    hidden = F.gelu(F.linear(layer_norm(x, p, prefix + "norm2"), p[prefix + "mlp.fc1.weight"],
                             p[prefix + "mlp.fc1.bias"]))
    return x + F.linear(hidden, p[prefix + "mlp.fc2.weight"], p[prefix + "mlp.fc2.bias"])


def patch_merging(x, p, prefix):
    """2 x 2 neighbours (top-left, bottom-left, top-right, bottom-right) -> LN -> 2C."""
    x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
    if p[prefix + "norm.weight"].numel() == p[prefix + "reduction.weight"].shape[0]:
        # V2: the norm is over the reduced channels
        return layer_norm(F.linear(x, p[prefix + "reduction.weight"]), p, prefix + "norm")
    return F.linear(layer_norm(x, p, prefix + "norm"), p[prefix + "reduction.weight"])


def stages(state, window=None, img_size=None):
    """[(depth, heads, window)] of each stage, from the tensor names and shapes
    (V2 without relative_coords_table: window, shrunk at img_size)."""
    depths = {}
    for name in state:
        m = re.fullmatch(r"layers\.(\d+)\.blocks\.(\d+)\.norm1\.weight", name)
        if m:
            s, j = int(m.group(1)), int(m.group(2))
            depths[s] = max(depths.get(s, 0), j + 1)
    patch = state["patch_embed.proj.weight"].shape[-1]
    result = []
    for s in range(len(depths)):
        prefix = "layers.%d.blocks.0.attn." % s
        if prefix + "logit_scale" in state:
            heads = state[prefix + "logit_scale"].shape[0]
            coords = state.get(prefix + "relative_coords_table")
            if coords is not None:
                stage_window = (coords.shape[1] + 1) // 2
            else:
                stage_window = min(window, img_size // patch >> s)
            result.append((depths[s], heads, stage_window))
            continue
        table = state[prefix + "relative_position_bias_table"]
        side = math.isqrt(table.shape[0])
        result.append((depths[s], table.shape[1], (side + 1) // 2))
    return result


def forward(state, images, window=None, img_size=None, pretrained=None):
    """Logits [B, classes] of NCHW images for an original-layout state dict.

    window, img_size: a V2 state dict's window and resolution where it has no
    relative_coords_table; pretrained: its pretraining window of each stage."""
    if "absolute_pos_embed" in state:
        raise ValueError("absolute position embedding: not handled by this reference")
    x = F.conv2d(images, state["patch_embed.proj.weight"], state["patch_embed.proj.bias"],
                 stride=state["patch_embed.proj.weight"].shape[-1])
    x = layer_norm(x.permute(0, 2, 3, 1), state, "patch_embed.norm")
    for s, (depth, heads, stage_window) in enumerate(stages(state, window, img_size)):
        for j in range(depth):
            x = block(x, state, "layers.%d.blocks.%d." % (s, j), stage_window, heads, j % 2 == 1,
                      pretrained[s] if pretrained else 0)
        if "layers.%d.downsample.reduction.weight" % s in state:
            x = patch_merging(x, state, "layers.%d.downsample." % s)
    x = layer_norm(x, state, "norm").mean((1, 2))
    return F.linear(x, state["head.weight"], state["head.bias"])
