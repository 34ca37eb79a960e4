#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the 1000 ImageNet-1k class names, one per line in class-id order.

Usage: gen_imagenet_labels.py [OUT]   (default: plugin/imagenet_labels.txt)

The names come from torchvision (torchvision.models._meta, Debian package
python3-torchvision); the output is committed, so only maintainers run this.
"""

import os
import sys


def main():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                           "plugin", "imagenet_labels.txt")
    if len(sys.argv) > 2:
        print("usage: gen_imagenet_labels.py [OUT]", file=sys.stderr)
        return 2
    out = sys.argv[1] if len(sys.argv) == 2 else default
    try:
        from torchvision.models._meta import _IMAGENET_CATEGORIES as names
    except ImportError as e:
        print("gen_imagenet_labels.py: torchvision is needed (%s)" % e, file=sys.stderr)
        return 1
    # A label file is read line by line: a name must not break a line.
    if len(names) != 1000 or any(not n or "\n" in n for n in names):
        print("gen_imagenet_labels.py: unexpected category list in torchvision", file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        f.write("".join(n + "\n" for n in names))
    print("wrote %d labels to %s" % (len(names), os.path.normpath(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
