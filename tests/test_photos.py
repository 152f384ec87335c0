import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import run_stage
from inputgen.engine.models import imagenet_class_names
from inputgen.engine.photo_sources import _WNID_INDEX
from inputgen.engine.photos import (
    SAMPLE_PHOTOS,
    contact_sheet,
    fit_square,
    image_folder,
    imagenet_indices,
    photo_sets,
    random_crops,
    resize,
    sample_photos,
    source_file,
    to_tensor,
)
from inputgen.platform import artifacts
from inputgen.studies.inversion.science import sample_pairs
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
    names, images, labels, classes, skipped = image_folder(tmp_path)
    assert classes == ["cats", "dogs"] and skipped == []
    assert names == ["cats/0.png", "cats/1.png", "dogs/0.png", "dogs/1.png"]
    assert labels == [0, 0, 1, 1]
    assert images[0].shape == (3, 40, 60) and images[0].mean() == pytest.approx(200 / 255)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        image_folder(tmp_path / "missing")


def test_a_bad_image_in_a_folder_is_named_or_skipped_and_listed(tmp_path):
    """Issue 25's finding 8: a truncated JPEG, or a 1x1 image, named by path and why."""
    (tmp_path / "cats").mkdir()
    Image.fromarray(np.full((40, 40, 3), 120, np.uint8)).save(tmp_path / "cats/good.png")
    Image.fromarray(np.full((40, 40, 3), 90, np.uint8)).save(tmp_path / "cats/cut.jpg")
    cut = tmp_path / "cats/cut.jpg"
    cut.write_bytes(cut.read_bytes()[:200])  # truncated while it was copied
    Image.fromarray(np.full((1, 1, 3), 9, np.uint8)).save(tmp_path / "cats/dot.png")
    with pytest.raises(ValueError, match=r"bad image in the photo folder: .*cats/cut.jpg: "):
        image_folder(tmp_path)
    names, images, _, _, skipped = image_folder(tmp_path, on_bad="skip")
    assert names == ["cats/good.png"] and len(images) == 1
    assert [Path(line.split(":")[0]).name for line in skipped] == ["cut.jpg", "dot.png"]
    assert "1x1 pixels, under 16" in skipped[1]


def _folder(root, classes, per_class=2):
    """An ImageFolder tree of tiny noise PNGs, ``per_class`` under each class directory."""
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def _photos_stage(folder, out, crops=16):
    settings = {"folder": str(folder), "crops": crops, "size": 32}
    files = {"photos": out / "p.safetensors", "natural": out / "n.safetensors"}
    assert run_stage("photos", settings, **files, figure=out / "p.png") == 0
    return artifacts.load_tensors(out / "n.safetensors")


def test_imagenet_wordnet_ids_and_class_names_map_to_imagenet_indices():
    # The embedded table: the 1000 ImageNet-1k WordNet ids, sorted, in class-index order.
    table = "".join(f"{wnid}\n" for wnid in _WNID_INDEX)
    assert hashlib.md5(table.encode()).hexdigest() == "5ef135d00f8768c0f62853cd9dbc563d"
    names = imagenet_class_names()
    for wnid, name in [("n01440764", "tench"), ("n02123045", "tabby"),
                       ("n03888257", "parachute"), ("n15075141", "toilet tissue")]:  # fmt: skip
        assert names[_WNID_INDEX[wnid]] == name
    assert imagenet_indices(["n02123045", "n01440764"]) == [281, 0]
    assert imagenet_indices(["tench", "golden_retriever", "Tabby"]) == [0, 207, 281]
    assert imagenet_indices(["Cardigan", "cardigan"]) == [264, 474]  # corgi, sweater
    assert imagenet_indices(["CARDIGAN"]) is None  # ambiguous without its case
    assert imagenet_indices(["cats", "dogs"]) is None
    assert imagenet_indices(["n01440764", "dogs"]) is None  # mixed: folder indices
    assert imagenet_indices([]) is None


def test_an_image_folder_gives_true_labels_that_pairs_respect(tmp_path):
    folder = _folder(tmp_path / "tree", ["cats", "dogs", "owls"])
    natural, metadata = _photos_stage(folder, tmp_path)
    assert metadata["class_names"] == ["cats", "dogs", "owls"]
    assert metadata["label_space"] == "folder"
    assert natural["source"].shape == natural["labels"].shape == (16,)
    # photos are sorted by class: photo i is of class i // 2
    assert torch.equal(natural["labels"], natural["source"] // 2)
    labels, sources = natural["labels"].tolist(), natural["source"].tolist()
    for seed in range(10):
        seeds, targets = sample_pairs(labels, sources, 12, seed=seed)
        for s, t in zip(seeds, targets, strict=True):
            assert labels[s] != labels[t] and sources[s] != sources[t]

    # ImageNet WordNet ids as class directories: the labels are ImageNet indices
    wnids = _folder(tmp_path / "val", ["n01440764", "n02123045"])
    natural, metadata = _photos_stage(wnids, tmp_path / "val_out")
    assert metadata["label_space"] == "imagenet"
    assert metadata["class_names"] == ["n01440764", "n02123045"]
    assert set(natural["labels"].tolist()) <= {0, 281}
    assert torch.equal(natural["labels"], torch.tensor([0, 281])[natural["source"] // 2])
    # The named photos stay the shipped ones: the folder feeds only the natural set.
    photos, photo_metadata = artifacts.load_tensors(tmp_path / "val_out" / "p.safetensors")
    assert "labels" not in photos and "chelsea" in photo_metadata["names"]
    assert metadata["names"][0].startswith("n01440764")


def test_photo_sets_are_the_fit_photos_and_a_seeded_prefix_stable_crop_set():
    sets = photo_sets(48, 6, (0.5, 1.0), seed=3, names=["rocket", "chelsea"])
    assert sets.names == ["rocket", "chelsea"]
    assert sets.files == [source_file("rocket"), source_file("chelsea")]
    assert sets.images.shape == (2, 3, 48, 48)
    _, (rocket, _) = sample_photos(["rocket", "chelsea"])
    assert torch.equal(sets.images[0], fit_square(rocket, 48))
    assert set(sets.natural) == {"images", "source"}  # shipped photos carry no labels
    assert sets.natural["images"].shape == (6, 3, 48, 48)
    assert sets.natural_metadata == {"names": ["rocket", "chelsea"]}
    more = photo_sets(48, 9, [0.5, 1], seed=3, names=["rocket", "chelsea"])  # a list, ints
    assert torch.equal(more.natural["images"][:6], sets.natural["images"])
    assert torch.equal(more.natural["source"][:6], sets.natural["source"])
    other = photo_sets(48, 6, (0.5, 1.0), seed=4, names=["rocket", "chelsea"])
    assert not torch.equal(other.natural["images"], sets.natural["images"])

    images, captions, title = contact_sheet(sets, shown=4)
    assert images.shape == (6, 3, 48, 48) and torch.equal(images[:2], sets.images)
    first = sets.natural_metadata["names"][int(sets.natural["source"][0])]
    assert captions[:3] == ["rocket", "chelsea", f"crop 0 of {first}"]
    assert title == "2 photos and the first 4 of 6 random crops"


def test_photo_sets_of_a_folder_record_its_files_and_labels(tmp_path):
    folder = _folder(tmp_path / "tree", ["cats", "dogs"])
    sets = photo_sets(32, 5, (0.25, 1.0), seed=0, names=["chelsea"], folder=str(folder))
    assert sets.names == ["chelsea"]  # the named photos stay the shipped ones
    assert sets.files[0] == source_file("chelsea")
    assert sets.files[1:] == [folder / f"{c}/{i}.png" for c in ("cats", "dogs") for i in (0, 1)]
    assert torch.equal(sets.natural["labels"], sets.natural["source"] // 2)
    assert sets.natural_metadata["label_space"] == "folder"
    _, _, title = contact_sheet(sets, str(folder))
    assert title.endswith(f"of 4 images in {folder}")
    empty = tmp_path / "empty"
    (empty / "cats").mkdir(parents=True)
    with pytest.raises((ValueError, FileNotFoundError)):
        photo_sets(32, 1, (0.25, 1.0), seed=0, folder=str(empty))


def test_named_photos_come_from_the_folder_by_class_rank_or_file(tmp_path):
    """A folder photo is named by its spec: CLASS (its first image), CLASS#k or CLASS/FILE,
    CLASS a folder's name or the ImageNet class it holds (dalmatian is n02110341)."""
    folder = _folder(tmp_path / "tree", ["n02110341", "n02123045"], per_class=3)
    specs = ["dalmatian", "dalmatian#3", "n02123045/1.png", "tabby"]
    sets = photo_sets(32, 2, (0.25, 1.0), 0, ["chelsea"], str(folder), from_folder=specs)
    assert sets.names == ["chelsea", *specs]

    def image(path):
        return fit_square(to_tensor(np.asarray(Image.open(path))), 32)

    for position, path in enumerate(
        ["n02110341/0.png", "n02110341/2.png", "n02123045/1.png", "n02123045/0.png"], start=1
    ):
        assert torch.allclose(sets.images[position], image(folder / path), atol=1e-6), path
    for spec, message in (
        ("dalmatian#4", "holds 3 images, so #4 is not one"),
        ("tabby/9.png", "no image '9.png' in n02123045"),
        ("goldfish", "no class folder is 'goldfish'"),
    ):
        with pytest.raises(KeyError, match=message):
            photo_sets(32, 2, (0.25, 1.0), 0, ["chelsea"], str(folder), from_folder=[spec])
    with pytest.raises(ValueError, match="need a photos folder"):
        photo_sets(32, 2, (0.25, 1.0), 0, ["chelsea"], from_folder=["dalmatian"])


def test_resize_squares_images_within_the_unit_range():
    images = torch.rand(2, 3, 20, 20, generator=torch.Generator().manual_seed(0))
    assert resize(images, 20) is images
    smaller = resize(images, 8)
    assert smaller.shape == (2, 3, 8, 8)
    assert 0 <= float(smaller.min()) and float(smaller.max()) <= 1
    assert torch.allclose(resize(torch.full((1, 3, 9, 9), 0.5), 4), torch.full((1, 3, 4, 4), 0.5))


def test_the_photos_stage_records_its_settings_and_every_photo_read(tmp_path):
    folder = _folder(tmp_path / "tree", ["cats", "dogs"])
    settings = {"names": ["chelsea"], "folder": str(folder), "crops": 3, "size": 32}
    files = {"photos": tmp_path / "p.safetensors", "natural": tmp_path / "n.safetensors"}
    assert run_stage("photos", settings, **files, figure=tmp_path / "p.png") == 0
    _, metadata = artifacts.load_tensors(tmp_path / "n.safetensors")
    record = metadata["provenance"]
    assert record["stage"] == "photos"
    assert record["config"] == {**settings, "crop_scale": [0.25, 1.0], "seed": 0,
                                "on_bad_image": "fail", "from_folder": []}  # fmt: skip
    read = {item["path"] for item in record["inputs"]}
    assert str(source_file("chelsea")) in read
    assert {str(folder / "cats/0.png"), str(folder / "dogs/1.png")} <= read
