"""Natural photos that work offline, and the seeded random-crop dataset made from them.

The default photos ship inside scikit-image, scikit-learn and matplotlib (shared/OFFLINE.md) and
carry no labels (stages that need labels use a model's top-1). Any ImageFolder a user has can
stand in for them, with its true labels (``image_folder``, ``imagenet_indices``): e.g. an
ImageNet validation subset laid out as ``root/n01440764/*.JPEG``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from inputgen.engine.photo_sources import (  # noqa: F401 - re-exported: the photos' catalogue
    SAMPLE_PHOTOS,
    folder_class,
    folder_photos,
    imagenet_indices,
    source_file,
)
from inputgen.engine.progress import progress as progress_bar
from inputgen.platform.config import schema_default


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 HxW or HxWxC (grey, RGB or RGBA) -> float32 (3, H, W) in [0, 1]."""
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxW or HxWx3 image, got shape {array.shape}")
    tensor = torch.from_numpy(np.array(array[..., :3])).permute(2, 0, 1)  # a writable copy
    if tensor.dtype == torch.uint8:
        return tensor.float() / 255.0
    return tensor.float().clamp(0, 1)


def sample_photos(names: Sequence[str] | None = None) -> tuple[list[str], list[torch.Tensor]]:
    """The shipped photos at full resolution, as (names, [ (3,H,W) in [0,1] ])."""
    names = list(names) if names is not None else list(SAMPLE_PHOTOS)
    unknown = sorted(set(names) - set(SAMPLE_PHOTOS))
    if unknown:
        raise KeyError(f"unknown sample photos {unknown}; known: {', '.join(SAMPLE_PHOTOS)}")
    return names, [to_tensor(SAMPLE_PHOTOS[name]()) for name in names]


MIN_SIDE = 16  # pixels: a smaller image is no photo (a crop of it is a flat colour)
BAD_IMAGE = ("fail", "skip")


def image_folder(
    root: str | Path, on_bad: str = schema_default("photos.on_bad_image")
) -> tuple[list[str], list[torch.Tensor], list[int], list[str], list[str]]:
    """An ImageFolder tree: (relative names, images, labels, class names, skipped). An image
    that cannot be read, or is smaller than ``MIN_SIDE``, fails naming its path and why
    (``on_bad`` "fail"), or is left out and listed in ``skipped`` as "path: why" ("skip")."""
    from PIL import Image
    from torchvision.datasets import ImageFolder

    if on_bad not in BAD_IMAGE:
        raise ValueError(f"on_bad_image must be one of {BAD_IMAGE}, got {on_bad!r}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"photo folder {root} does not exist")
    dataset = ImageFolder(str(root))
    names, images, labels, skipped = [], [], [], []
    for path, label in dataset.samples:
        try:
            with Image.open(path) as image:
                array = np.asarray(image.convert("RGB"))
            if min(array.shape[:2]) < MIN_SIDE:
                raise ValueError(f"{array.shape[1]}x{array.shape[0]} pixels, under {MIN_SIDE}")
        except (OSError, ValueError) as error:  # PIL's UnidentifiedImageError is an OSError
            reason = f"{path}: {error}"
            if on_bad == "fail":
                raise ValueError(
                    f"bad image in the photo folder: {reason} (photos.on_bad_image: skip "
                    "leaves such images out)"
                ) from None
            print(f"inputgen photos: skipped {reason}", file=sys.stderr)
            skipped.append(reason)
            continue
        images.append(to_tensor(array))
        names.append(str(Path(path).relative_to(root)))
        labels.append(label)
    return names, images, labels, list(dataset.classes), skipped


def fit_square(image: torch.Tensor, size: int) -> torch.Tensor:
    """Resize the shorter side to ``size`` (antialiased) and centre-crop to size x size."""
    image = TF.resize(image, [size], antialias=True)
    return TF.center_crop(image, [size, size]).clamp(0, 1)


def random_crops(
    images: Sequence[torch.Tensor],
    count: int,
    size: int,
    scale: tuple[float, float],
    generator: torch.Generator,
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` random-resized crops (area fraction in ``scale``, random horizontal flip).

    Returns (crops (count, 3, size, size), source index of each crop). Draws come only from
    ``generator``, in order, so the first k crops are the same for any ``count`` >= k.
    Our own sampler because torchvision's RandomResizedCrop draws from the global RNG.
    """
    if not 0 < scale[0] <= scale[1] <= 1:
        raise ValueError(f"crop scale must satisfy 0 < low <= high <= 1, got {scale}")
    crops = torch.empty(count, 3, size, size)
    sources = torch.empty(count, dtype=torch.int64)
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for i in progress_bar(range(count), desc="random crops"):
        source = int(torch.randint(len(images), (1,), generator=generator))
        image = images[source]
        height, width = image.shape[-2:]
        top, left, crop_h, crop_w = 0, 0, height, width
        for _ in range(10):  # the same rejection scheme as RandomResizedCrop
            u = torch.rand(5, generator=generator, dtype=torch.float64).tolist()
            area = height * width * (scale[0] + (scale[1] - scale[0]) * u[0])
            aspect = math.exp(log_ratio[0] + (log_ratio[1] - log_ratio[0]) * u[1])
            w = round(math.sqrt(area * aspect))
            h = round(math.sqrt(area / aspect))
            if 0 < w <= width and 0 < h <= height:
                top = int(u[2] * (height - h + 1))
                left = int(u[3] * (width - w + 1))
                crop_h, crop_w = h, w
                break
        else:  # no fit in 10 tries: the largest centred square
            side = min(height, width)
            top, left, crop_h, crop_w = (height - side) // 2, (width - side) // 2, side, side
            u = torch.rand(5, generator=generator, dtype=torch.float64).tolist()
        crop = TF.resized_crop(image, top, left, crop_h, crop_w, [size, size], antialias=True)
        crops[i] = TF.horizontal_flip(crop) if u[4] < 0.5 else crop
        sources[i] = source
    return crops.clamp_(0, 1), sources


def resize(images: torch.Tensor, size: int) -> torch.Tensor:
    """Square images to ``size`` (bilinear, antialiased), kept in [0, 1]."""
    if images.shape[-1] == size and images.shape[-2] == size:
        return images
    return torch.nn.functional.interpolate(
        images, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    ).clamp(0, 1)


def select_photos(path: str | Path, names: Sequence[str]) -> torch.Tensor:
    """The named photos of a photos file (the photos stage's), in that order."""
    from inputgen.platform import artifacts

    tensors, metadata = artifacts.load_tensors(path)
    missing = [n for n in names if n not in metadata["names"]]
    if missing:
        raise KeyError(f"photos {missing} are not in {path}; it has {metadata['names']}")
    return tensors["images"][[metadata["names"].index(n) for n in names]]


@dataclass
class PhotoSets:
    """The named photos and the natural set of random crops (what the photos stage writes)."""

    names: list[str]  # the named photos: the shipped ones, then those taken from the folder
    images: torch.Tensor  # (P, 3, size, size), each photo fit to the square
    natural: dict[str, torch.Tensor]  # images, source (and labels, from an ImageFolder)
    natural_metadata: dict  # names of the crops' sources (class_names, label_space)
    files: list[Path] = field(default_factory=list)  # every photo file read


def photo_sets(
    size: int,
    crops: int,
    crop_scale: tuple[float, float],
    seed: int,
    names: Sequence[str] | None = None,
    folder: str | None = None,
    on_bad_image: str = schema_default("photos.on_bad_image"),
    from_folder: Sequence[str] = (),
) -> PhotoSets:
    """The shipped photos ``names`` (all when None) fit to ``size``, and ``crops`` seeded
    random crops of them, or of the images of the ImageFolder ``folder`` with its true labels.

    The named photos (transfiguration, autoencoding, ...) are the shipped ones and the folder's
    images that ``from_folder`` names (``folder_photos``; each named by its spec, so a study
    names ``dalmatian`` as it names ``chelsea``); a folder replaces only the source of the
    natural set (CKA, inversion). Its labels are ImageNet-1k
    indices where the class directories are ImageNet WordNet ids or class names
    (``label_space`` "imagenet"), else the folder's class indices (``label_space`` "folder").
    """
    names, originals = sample_photos(names)
    files = [source_file(name) for name in names]
    labels = None
    metadata: dict = {}
    if from_folder and not folder:
        raise ValueError(f"folder photos {list(from_folder)} need a photos folder")
    if folder:
        sources_names, sources_images, labels, class_names, skipped = image_folder(
            folder, on_bad_image
        )
        if not sources_names:
            raise ValueError(f"no images found under {folder}")
        files += [Path(folder) / name for name in sources_names]
        chosen = folder_photos(sources_names, labels, class_names, from_folder)
        names = [*names, *from_folder]
        originals = [*originals, *(sources_images[i] for i in chosen)]
        mapped = imagenet_indices(class_names)
        if mapped is not None:
            labels = [mapped[label] for label in labels]
        metadata = {
            "class_names": class_names,  # the folder's classes, in folder order
            "label_space": "imagenet" if mapped is not None else "folder",
            "skipped": skipped,  # "path: why" of each image left out
        }
    else:
        sources_names, sources_images = names, originals
    images = torch.stack([fit_square(image, size) for image in originals])
    generator = torch.Generator().manual_seed(seed)
    crop_images, sources = random_crops(
        sources_images, crops, size, tuple(map(float, crop_scale)), generator
    )
    natural = {"images": crop_images, "source": sources}
    if labels is not None:  # the bundled photos have none: later stages use a model's top-1
        natural["labels"] = torch.tensor(labels, dtype=torch.int64)[sources]
    return PhotoSets(names, images, natural, {"names": sources_names, **metadata}, files)


def contact_sheet(
    sets: PhotoSets, folder: str | None = None, shown: int = 12
) -> tuple[torch.Tensor, list[str], str]:
    """The photos and the first ``shown`` crops: (images, captions, title) of the sheet."""
    crops, sources = sets.natural["images"], sets.natural["source"]
    sources_names = sets.natural_metadata["names"]
    shown = min(len(crops), shown)
    captions = sets.names + [f"crop {i} of {sources_names[int(sources[i])]}" for i in range(shown)]
    title = f"{len(sets.names)} photos and the first {shown} of {len(crops)} random crops" + (
        f" of {len(sources_names)} images in {folder}" if folder else ""
    )
    return torch.cat([sets.images, crops[:shown]]), captions, title
