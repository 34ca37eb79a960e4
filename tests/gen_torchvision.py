#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the torchvision reference data of the Swin tests into OUTDIR.

Usage: gen_torchvision.py OUTDIR

torchvision's Swin Transformer, with every parameter re-initialised to seeded
random values large enough that each part of the network (biases, LayerNorm
affine terms, relative position bias, shift mask) changes the logits, is run
on seeded random inputs at several resolutions. The weights are written as
safetensors in the key layouts the C loader accepts, with the inputs and the
reference logits (and, where torchvision is the reference, its pooled
features: the head's input) as raw float32 little-endian files and a
manifest.json that lists the cases (tests/test_models.c runs each).

The reference is torchvision itself for the torchvision layout, and for the
original and timm layouts wherever the window rule of the original repository
gives the same result; at resolutions where the rules differ (a map smaller
than the window), the original and timm cases use ref_swin_original.py, which
is first checked against torchvision where the rules agree.

Exits with status 77 when torch or torchvision cannot be imported.
"""

import functools
import json
import math
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tools"))

try:
    import torch
    from torch import nn
    from torchvision.models import swin_transformer

    import ref_swin_original
    import safetensors_io
except ImportError as e:
    print("gen_torchvision.py: torch, torchvision and numpy are needed (%s)" % e, file=sys.stderr)
    sys.exit(77)

# Standard deviation of the logits over classes and images: with top logits
# of 10-20 the softmax is neither flat nor one-hot.
HEAD_GAIN = 3.0
# The top-5 classes of every image must differ by at least this much, so that
# a correct implementation cannot reorder them through rounding.
MIN_TOP5_GAP = 0.1


def reinit(model):
    """Gives every parameter of model non-trivial seeded random values."""
    touched = set()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Linear, nn.Conv2d)):
                # std 1/sqrt(fan_in) keeps activations O(1) through the layer.
                module.weight.normal_(0.0, 1.0 / math.sqrt(module.weight[0].numel()))
                params = [module.weight]
                if module.bias is not None:
                    module.bias.normal_(0.0, 0.1)
                    params.append(module.bias)
            elif isinstance(module, nn.LayerNorm):
                module.weight.normal_(1.0, 0.1)
                module.bias.normal_(0.0, 0.1)
                params = [module.weight, module.bias]
            elif isinstance(module, swin_transformer.ShiftedWindowAttentionV2):
                # Scales of 3 to 150: some heads above the clamp at 100. The
                # bias MLP's layers are Linear modules, drawn above; so is
                # the k third of the qkv bias, which torchvision ignores.
                module.logit_scale.uniform_(math.log(3.0), math.log(150.0))
                params = [module.logit_scale]
            elif isinstance(module, swin_transformer.ShiftedWindowAttention):
                # As large as q.k/sqrt(d), so a wrong bias index shows.
                module.relative_position_bias_table.normal_(0.0, 1.0)
                params = [module.relative_position_bias_table]
            else:
                continue
            touched.update(id(p) for p in params)
    missed = [n for n, p in model.named_parameters() if id(p) not in touched]
    if missed:
        raise RuntimeError("parameters left at their default values: %s" % ", ".join(missed))


def random_images(shape, generator):
    """Returns noise over a smooth random field.

    Swin ends in an average pool, which cancels white noise: a smooth field
    that differs between images (as real images do) makes the pooled
    features, hence the logits, depend on the image.
    """
    coarse = torch.randn(shape[0], shape[1], 4, 4, generator=generator)
    smooth = torch.nn.functional.interpolate(coarse, size=shape[2:], mode="bilinear",
                                             align_corners=False)
    return smooth + 0.5 * torch.randn(shape, generator=generator)


def calibrate_head(model, size, images=16):
    """Makes the logits of random images spread with standard deviation HEAD_GAIN.

    The biases, LayerNorm shifts and the positive mean of GELU give every
    image the same large component in the pooled features; with a plain
    random head it would decide the top classes whatever the image. The head
    is therefore centred on the mean feature of a few calibration images and
    scaled by the spread around it.
    """
    generator = torch.Generator().manual_seed(7)
    head = model.head
    model.head = nn.Identity()
    features = model(random_images((images, 3, size, size), generator))
    model.head = head
    mean = features.mean(0)
    spread = float((features - mean).pow(2).mean().sqrt())
    head.weight.normal_(0.0, HEAD_GAIN / (spread * math.sqrt(head.in_features)))
    head.bias.copy_(torch.randn(head.out_features) * 0.1 - head.weight @ mean)


def min_top5_gap(logits):
    """Smallest difference between consecutive logits among the top 6 of each row."""
    top = torch.topk(logits, 6, dim=1).values
    return float((top[:, :-1] - top[:, 1:]).min())


def run_reference(forward, shape, seed):
    """Returns (input, logits) for the first seed from `seed` with a separated top 5."""
    for attempt in range(64):
        if attempt:
            print("  %s: retry %d" % (shape, attempt))
        generator = torch.Generator().manual_seed(seed + attempt)
        x = random_images(shape, generator)
        logits = forward(x)
        if min_top5_gap(logits) >= MIN_TOP5_GAP:
            return x, logits
    raise RuntimeError("no input with a top-5 gap of %g in 64 tries" % MIN_TOP5_GAP)


def layout_key(key, layout):
    """Maps a torchvision state-dict key to the "original" or "timm" layout.

    original (microsoft/Swin-Transformer, timm < 0.9): patch merging at the end
    of stage i as layers.i.downsample. timm >= 0.9: at the start of stage i+1
    as layers.{i+1}.downsample, and the classifier is head.fc.
    """
    if layout == "torchvision":
        return key
    m = re.fullmatch(r"features\.0\.([02])\.(weight|bias)", key)
    if m:
        return "patch_embed.%s.%s" % ("proj" if m.group(1) == "0" else "norm", m.group(2))
    m = re.fullmatch(r"features\.(\d+)\.(\d+)\.(.+)", key)
    if m and int(m.group(1)) % 2 == 1:
        rest = re.sub(r"^mlp\.0\.", "mlp.fc1.", re.sub(r"^mlp\.3\.", "mlp.fc2.", m.group(3)))
        return "layers.%d.blocks.%s.%s" % (int(m.group(1)) // 2, m.group(2), rest)
    m = re.fullmatch(r"features\.(\d+)\.((?:norm|reduction)\..+)", key)
    if m and int(m.group(1)) % 2 == 0:
        stage = int(m.group(1)) // 2 - 1
        if layout == "timm":
            stage += 1
        return "layers.%d.downsample.%s" % (stage, m.group(2))
    if key.startswith("norm."):
        return key
    if key.startswith("head."):
        return "head.fc." + key[5:] if layout == "timm" else key
    raise KeyError("unexpected torchvision key %s" % key)


def is_v2(model):
    return any(k.endswith("attn.logit_scale") for k in model.state_dict())


def layout_state(model, layout, img_size=None):
    """The state dict of a torchvision model under the names of layout.

    Swin V2 outside torchvision: q_bias and v_bias instead of the qkv bias;
    timm keeps no relative_coords_table, and the original repository's,
    built at img_size, is that of the window shrunk to a smaller map (the
    centre of torchvision's would be normalised to the larger window).
    """
    state = {}
    for key, value in model.state_dict().items():
        # Recomputed by every loader from the window size.
        if key.endswith("relative_position_index"):
            continue
        key = layout_key(key, layout)
        if layout != "torchvision" and key.endswith("attn.qkv.bias") and is_v2(model):
            c = value.numel() // 3
            state[key[:-len("qkv.bias")] + "q_bias"] = value[:c]
            state[key[:-len("qkv.bias")] + "v_bias"] = value[2 * c:]
            continue
        if key.endswith("relative_coords_table") and layout != "torchvision":
            if layout == "timm":
                continue
            window = (value.shape[1] + 1) // 2
            stage = int(key.split(".")[1])
            side = img_size // 4 >> stage
            if side < window:
                value = ref_swin_original.log_coords(side, side).view(1, 2 * side - 1, 2 * side - 1, 2)
        state[key] = value
    return state


def save_model(outdir, name, model, layout, img_size, metadata=None, suffix=""):
    """Writes model in one key layout; returns the manifest fields naming it."""
    tensors = {key: safetensors_io.from_numpy(value.numpy(), "F32")
               for key, value in layout_state(model, layout, img_size).items()}
    model_file = "%s_%s%s.safetensors" % (name, layout, suffix)
    meta = {"img_size": str(img_size)}
    if layout == "timm" and is_v2(model):
        meta["window_size"] = str(model.features[1][0].attn.window_size[0])
    meta.update(metadata or {})
    safetensors_io.save(os.path.join(outdir, model_file), tensors, meta)
    return {"layout": layout, "model": model_file, "img_size": img_size,
            "version": 2 if is_v2(model) else 1}


def original_state(model, img_size=None):
    """The state dict of a torchvision model under the original layout's names."""
    return layout_state(model, "original", img_size)


def save_f32(path, tensor):
    tensor.numpy().astype("<f4").tofile(path)


def max_delta(a, b):
    return float((a - b).abs().max())


def pooled_features(model, x):
    """The head's input: torchvision's forward without the head."""
    return model.flatten(model.avgpool(model.permute(model.norm(model.features(x)))))


def make_case(outdir, name, forward, reference, saved, arch, batch, height, width, seed,
              torchvision=None):
    """Runs forward (reference "torchvision" or "original") on a seeded input
    and writes one manifest entry per model in saved.

    torchvision: the torchvision model, to record how far its logits are from
    the reference's where that is not torchvision itself.
    """
    x, logits = run_reference(forward, (batch, 3, height, width), seed)
    stem = "%s_%dx%d_%s" % (name, height, width, reference)
    save_f32(os.path.join(outdir, stem + "_input.f32"), x)
    save_f32(os.path.join(outdir, stem + "_logits.f32"), logits)
    extra = {}
    if reference == "torchvision":
        features = pooled_features(forward, x)
        save_f32(os.path.join(outdir, stem + "_features.f32"), features)
        extra["features"] = stem + "_features.f32"
        extra["num_features"] = int(features.shape[1])
    if torchvision is not None:
        extra["torchvision_max_delta"] = max_delta(torchvision(x), logits)
    cases = []
    for model in saved:
        case = {
            "name": "%s_%s_%dx%d" % (name, model["layout"], height, width),
            "reference": reference,
            "input": stem + "_input.f32",
            "logits": stem + "_logits.f32",
            "batch": batch,
            "height": height,
            "width": width,
            "classes": int(logits.shape[1]),
            "arch": arch,
            "max_abs_logit": float(logits.abs().max()),
            "min_top5_gap": min_top5_gap(logits),
            "top5": torch.topk(logits, 5, dim=1).indices.tolist(),
        }
        case.update(model)
        case.update(extra)
        cases.append(case)
    print("%s (%s reference): max |logit| %.3f, min top-5 gap %.3f%s" %
          (stem, reference, cases[0]["max_abs_logit"], cases[0]["min_top5_gap"],
           ", torchvision differs by %.3g" % extra["torchvision_max_delta"]
           if "torchvision_max_delta" in extra else ""))
    return cases


def small_model(window, num_classes, calibrate_size, v2=False):
    """A narrow four-stage Swin (C = 32..256, head dim 32) with random weights."""
    arch = {"patch_size": 4, "embed_dim": 32, "depths": [2, 2, 2, 2],
            "num_heads": [1, 2, 4, 8], "window_size": window}
    v2_parts = {"block": swin_transformer.SwinTransformerBlockV2,
                "downsample_layer": swin_transformer.PatchMergingV2} if v2 else {}
    model = swin_transformer.SwinTransformer(
        patch_size=[4, 4], embed_dim=32, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8],
        window_size=[window, window], num_classes=num_classes, **v2_parts).eval()
    reinit(model)
    calibrate_head(model, calibrate_size)
    return model, arch


def check_original_reference(model, height, width):
    """Fails unless the original-rule reference reproduces torchvision at a
    size where the two rules coincide (every map a whole number of windows,
    none smaller than the window unless square and equal to it)."""
    generator = torch.Generator().manual_seed(99)
    x = random_images((1, 3, height, width), generator)
    want = model(x)
    delta = max_delta(ref_swin_original.forward(original_state(model, height), x), want)
    if not delta <= 1e-5 * max(1.0, float(want.abs().max())):
        raise RuntimeError("the original-rule reference differs from torchvision by %g at %dx%d, "
                           "where their rules agree" % (delta, height, width))


def generate_v2(outdir):
    """Swin V2 (torchvision's swin_v2_*: post-norm, cosine attention, the
    continuous position bias, q and v biases, PatchMergingV2)."""
    cases = []

    # d) swin_v2_t as torchvision builds it (window 8) at its 256x256 and at
    # 160 (maps 40, 20 -> 24, 10 -> 16, 5 -> 8), in the torchvision layout
    # (the other layouts on the narrow model below, to keep the tests
    # short). Calibrated on fewer images than Swin-T, to keep the build short.
    arch = {"patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2],
            "num_heads": [3, 6, 12, 24], "window_size": 8}
    model = swin_transformer.swin_v2_t(weights=None).eval()
    reinit(model)
    calibrate_head(model, 256, images=6)
    saved = [save_model(outdir, "swin_v2_t", model, "torchvision", 256)]
    cases += make_case(outdir, "swin_v2_t", model, "torchvision", saved, arch, 1, 256, 256, 5000)
    cases += make_case(outdir, "swin_v2_t", model, "torchvision", saved, arch, 1, 160, 160, 5001)

    # e) A narrow V2 model, batch 2, non-square and padded: 160x96 (maps
    # 40x24, 20x12 -> 24x16, 10x6 -> 16x8, 5x3 -> 8x8: shifted along one
    # dimension only, then not at all).
    model, arch = small_model(8, 100, 128, v2=True)
    check_original_reference(model, 256, 256)
    saved = [save_model(outdir, "v2w8", model, "torchvision", 128)]
    cases += make_case(outdir, "v2w8", model, "torchvision", saved, arch, 2, 160, 96, 6000)
    # ... and at 256, where every rule agrees, in the three layouts made at 256.
    saved = [save_model(outdir, "v2w8_256", model, layout, 256)
             for layout in ("torchvision", "original", "timm")]
    cases += make_case(outdir, "v2w8", model, "torchvision", saved, arch, 1, 256, 256, 6004)

    # f) The original repository's and timm's rule at their checkpoint's
    # resolution 128 (last map 4x4: window 4, made for that window and
    # unshifted), against tests/ref_swin_original.py: the original layout
    # with the relative_coords_table that repository would store, timm's
    # without (its window from __metadata__); and timm's with a pretraining
    # window of 6 (the coordinates normalised to it). At 128x256 too (maps
    # 32x64, 16x32, 8x16: window 8 unshifted, where torchvision shifts along W).
    state = original_state(model, 128)
    saved = [save_model(outdir, "v2w8", model, layout, 128) for layout in ("original", "timm")]
    original = functools.partial(ref_swin_original.forward, state, window=8, img_size=128)
    cases += make_case(outdir, "v2w8", original, "original", saved, arch, 1, 128, 128, 6001,
                       torchvision=model)
    cases += make_case(outdir, "v2w8", original, "original", saved[1:], arch, 1, 128, 256, 6002,
                       torchvision=model)
    timm_state = {k: v for k, v in state.items() if not k.endswith("relative_coords_table")}
    pretrained = functools.partial(ref_swin_original.forward, timm_state, window=8, img_size=128,
                                   pretrained=[6] * 4)
    saved = [save_model(outdir, "v2w8", model, "timm", 128, {"pretrained_window_size": "6"},
                        "_pretrained6")]
    cases += make_case(outdir, "v2w8_pretrained6", pretrained, "original", saved, arch, 1, 128, 128,
                       6003, torchvision=model)
    return cases


def generate(outdir):
    torch.manual_seed(20240601)
    cases = []

    # a) Swin-T as torchvision builds it, in all three key layouts; the
    # torchvision layout also at sizes whose last maps are smaller than the
    # window (160: 5x5, 192: 6x6, padded to 7x7) or padded (256: 8 -> 14,
    # 288: 9 -> 14).
    arch = {"patch_size": 4, "embed_dim": 96, "depths": [2, 2, 6, 2],
            "num_heads": [3, 6, 12, 24], "window_size": 7}
    model = swin_transformer.swin_t(weights=None).eval()
    reinit(model)
    calibrate_head(model, 224)
    saved = [save_model(outdir, "swin_t", model, layout, 224)
             for layout in ("torchvision", "original", "timm")]
    cases += make_case(outdir, "swin_t", model, "torchvision", saved, arch, 1, 224, 224, 1000)
    for size in (160, 192, 256, 288):
        cases += make_case(outdir, "swin_t", model, "torchvision", saved[:1], arch, 1, size, size,
                           1000 + size)

    # b) Window 12 at 384x384, batch 2, on a narrow model to keep tests fast.
    model, arch = small_model(12, 100, 384)
    saved = [save_model(outdir, "w12", model, "timm", 384)]
    cases += make_case(outdir, "w12", model, "torchvision", saved, arch, 2, 384, 384, 2000)

    # c) The original repository's rule (original and timm layouts) against
    # tests/ref_swin_original.py, after checking that reference against
    # torchvision where the rules agree. Window 7: 224x448 (last map 7x14: one
    # unshifted window row, where torchvision shifts along W), 160 (maps
    # padded, then a 5x5 window), 96x160 (6x10 and 3x5: windows 6 and 3, W
    # padded). Window 4: 64x64 and 64x128 (last map 2x2 and 2x4: window 2 on
    # maps that need no padding, as the original code requires). Each also
    # in the torchvision layout once, against torchvision.
    model, arch = small_model(7, 100, 224)
    check_original_reference(model, 224, 224)
    state = original_state(model)
    saved = [save_model(outdir, "w7", model, layout, 224)
             for layout in ("original", "timm", "torchvision")]
    original = functools.partial(ref_swin_original.forward, state)
    cases += make_case(outdir, "w7", original, "original", saved[:1], arch, 1, 224, 448, 3000,
                       torchvision=model)
    cases += make_case(outdir, "w7", original, "original", saved[:2], arch, 1, 160, 160, 3001,
                       torchvision=model)
    cases += make_case(outdir, "w7", original, "original", saved[:1], arch, 2, 96, 160, 3002,
                       torchvision=model)
    cases += make_case(outdir, "w7", model, "torchvision", saved[2:], arch, 2, 96, 160, 3002)

    model, arch = small_model(4, 100, 128)
    check_original_reference(model, 128, 128)
    state = original_state(model)
    saved = [save_model(outdir, "w4", model, layout, 128)
             for layout in ("original", "timm", "torchvision")]
    original = functools.partial(ref_swin_original.forward, state)
    cases += make_case(outdir, "w4", original, "original", saved[:1], arch, 1, 64, 64, 4000,
                       torchvision=model)
    cases += make_case(outdir, "w4", original, "original", saved[:2], arch, 1, 64, 128, 4001,
                       torchvision=model)
    cases += make_case(outdir, "w4", model, "torchvision", saved[2:], arch, 1, 64, 128, 4001)

    cases += generate_v2(outdir)

    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump({"cases": cases}, f, indent=1)
        f.write("\n")


def main():
    if len(sys.argv) != 2:
        print("usage: gen_torchvision.py OUTDIR", file=sys.stderr)
        return 2
    outdir = os.path.abspath(sys.argv[1])
    if os.path.isdir(outdir) and os.listdir(outdir) and \
            not os.path.exists(os.path.join(outdir, "manifest.json")):
        print("gen_torchvision.py: %s is not empty and holds no manifest.json; "
              "refusing to replace it" % outdir, file=sys.stderr)
        return 1
    torch.set_num_threads(2)
    start = time.monotonic()
    # Written next to OUTDIR and renamed at the end, so that an interrupted
    # run never leaves a directory that looks complete to the build system.
    tmpdir = outdir + ".tmp"
    shutil.rmtree(tmpdir, ignore_errors=True)
    os.makedirs(tmpdir)
    with torch.no_grad():
        generate(tmpdir)
    if os.path.isdir(outdir):
        shutil.rmtree(outdir)
    os.rename(tmpdir, outdir)
    print("wrote %s in %.1f s" % (outdir, time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
