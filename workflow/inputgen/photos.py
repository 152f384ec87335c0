"""Natural photos that work offline, and the seeded random-crop dataset made from them.

The default photos ship inside scikit-image, scikit-learn and matplotlib (shared/OFFLINE.md);
any ImageFolder a user has can stand in for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF
from tqdm.auto import tqdm


def _skimage(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import skimage.data

        return getattr(skimage.data, name)()

    return load


def _motorcycle() -> np.ndarray:
    import skimage.data

    return skimage.data.stereo_motorcycle()[0]


def _sklearn(filename: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        from sklearn.datasets import load_sample_image

        return load_sample_image(filename)

    return load


def _grace_hopper() -> np.ndarray:
    from matplotlib import cbook
    from PIL import Image

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return np.asarray(Image.open(f).convert("RGB"))


# Only those that load without a network (skimage's pooch-fetched images do not).
SAMPLE_PHOTOS: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": _skimage("astronaut"),
    "chelsea": _skimage("chelsea"),
    "coffee": _skimage("coffee"),
    "rocket": _skimage("rocket"),
    "motorcycle": _motorcycle,
    "hubble_deep_field": _skimage("hubble_deep_field"),
    "immunohistochemistry": _skimage("immunohistochemistry"),
    "retina": _skimage("retina"),
    "camera": _skimage("camera"),
    "china": _sklearn("china.jpg"),
    "flower": _sklearn("flower.jpg"),
    "grace_hopper": _grace_hopper,
}


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


def image_folder(root: str | Path) -> tuple[list[str], list[torch.Tensor], list[int], list[str]]:
    """An ImageFolder tree: (relative names, images, labels, class names)."""
    from PIL import Image
    from torchvision.datasets import ImageFolder

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"photo folder {root} does not exist")
    dataset = ImageFolder(str(root))
    names, images, labels = [], [], []
    for path, label in dataset.samples:
        with Image.open(path) as image:
            images.append(to_tensor(np.asarray(image.convert("RGB"))))
        names.append(str(Path(path).relative_to(root)))
        labels.append(label)
    return names, images, labels, list(dataset.classes)


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
    for i in tqdm(range(count), desc="random crops", leave=False, disable=None):
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
