import numpy as np
import pytest
import torch
from inputgen.photos import SAMPLE_PHOTOS, fit_square, image_folder, random_crops, sample_photos
from PIL import Image


def test_every_shipped_photo_loads_offline_as_rgb_in_unit_range():
    names, images = sample_photos()
    assert names == list(SAMPLE_PHOTOS)
    for name, image in zip(names, images, strict=True):
        assert image.ndim == 3 and image.shape[0] == 3, name
        assert image.dtype == torch.float32
        assert 0 <= image.min() and image.max() <= 1 and image.std() > 0.01, name


def test_fit_square_keeps_the_centre():
    image = torch.zeros(3, 100, 300)
    image[:, :, 100:200] = 1  # the centre third is white
    square = fit_square(image, 50)
    assert square.shape == (3, 50, 50)
    assert square.mean() > 0.95


def test_random_crops_are_seeded_and_prefix_stable():
    _, images = sample_photos(["chelsea", "coffee", "rocket"])
    crops, sources = random_crops(images, 8, 64, (0.25, 1.0), torch.Generator().manual_seed(0))
    again, _ = random_crops(images, 8, 64, (0.25, 1.0), torch.Generator().manual_seed(0))
    fewer, _ = random_crops(images, 3, 64, (0.25, 1.0), torch.Generator().manual_seed(0))
    other, _ = random_crops(images, 8, 64, (0.25, 1.0), torch.Generator().manual_seed(1))
    assert crops.shape == (8, 3, 64, 64) and 0 <= crops.min() and crops.max() <= 1
    assert torch.equal(crops, again)
    assert torch.equal(crops[:3], fewer)  # asking for more crops keeps the first ones
    assert not torch.equal(crops, other)
    assert sources.dtype == torch.int64 and set(sources.tolist()) <= {0, 1, 2}


def test_random_crops_take_the_requested_area_fraction():
    # Pixel values encode their coordinates, so a crop's value ranges give its extent.
    ys, xs = torch.meshgrid(torch.linspace(0, 1, 300), torch.linspace(0, 1, 400), indexing="ij")
    image = torch.stack([ys, xs, torch.zeros_like(ys)])
    for scale in [(0.05, 0.1), (0.5, 0.6)]:
        crops, _ = random_crops([image], 30, 32, scale, torch.Generator().manual_seed(0))
        height = crops[:, 0].amax(dim=(1, 2)) - crops[:, 0].amin(dim=(1, 2))
        width = crops[:, 1].amax(dim=(1, 2)) - crops[:, 1].amin(dim=(1, 2))
        area = height * width
        assert scale[0] * 0.9 < area.min() and area.max() < scale[1] * 1.05, (scale, area)
        flipped = crops[:, 1, 0, 0] > crops[:, 1, 0, -1]  # x runs right to left
        assert 5 < int(flipped.sum()) < 25
    with pytest.raises(ValueError, match="crop scale"):
        random_crops([image], 1, 32, (0.5, 0.2), torch.Generator())


def test_image_folder_keeps_names_and_labels(tmp_path):
    for label, colour in (("cats", 200), ("dogs", 30)):
        (tmp_path / label).mkdir()
        for i in range(2):
            pixels = np.full((40, 60, 3), colour, np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.png")
    names, images, labels, classes = image_folder(tmp_path)
    assert classes == ["cats", "dogs"]
    assert names == ["cats/0.png", "cats/1.png", "dogs/0.png", "dogs/1.png"]
    assert labels == [0, 0, 1, 1]
    assert images[0].shape == (3, 40, 60) and images[0].mean() == pytest.approx(200 / 255)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_folder(tmp_path / "missing")
