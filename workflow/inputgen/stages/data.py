"""Stages of the data: the natural photos and their classification."""

from __future__ import annotations

from dataclasses import dataclass

from inputgen.platform import artifacts
from inputgen.platform.stage import File, Job, knob, stage


@dataclass(frozen=True)
class Photos:
    size: int = knob("square side in pixels", schema="photos.size")
    crops: int = knob("number of random crops", schema="photos.crops")
    crop_scale: tuple[float, float] = knob(
        "[low, high] area fraction of a crop", schema="photos.crop_scale"
    )
    seed: int = knob("seed of the random crops", schema="seed")
    names: list[str] | None = knob(
        "a subset of the shipped photos (null: all)", schema="photos.names"
    )
    folder: str | None = knob(
        "an ImageFolder tree whose labelled images feed the natural set instead of the "
        "shipped photos (and the named photos from_folder); null: the shipped photos",
        schema="photos.folder",
    )
    on_bad_image: str = knob(
        "a folder image that cannot be read or is too small: fail (naming it) or skip",
        schema="photos.on_bad_image",
    )
    from_folder: list[str] = knob(
        "folder images added to the named photos: CLASS, CLASS#k or CLASS/FILE",
        schema="photos.from_folder",
    )


@stage(
    "photos",
    Photos,
    schema="photos",
    outputs={
        "photos": File("photos .safetensors"),
        "natural": File("random-crop dataset .safetensors"),
        "figure": File("contact sheet .png"),
    },
)
def photos(job: Job) -> None:
    """Shipped (or ImageFolder) photos + seeded random crops."""
    import inputgen.engine.photos as study
    from inputgen.figures import images as plots

    s = job.settings
    sets = study.photo_sets(
        s.size, s.crops, s.crop_scale, s.seed, s.names, s.folder, s.on_bad_image, s.from_folder
    )
    for path in sets.files:  # the photo files read, by hash
        job.run.add_input(path)
    job.save_tensors("photos", {"images": sets.images}, {"names": sets.names})
    job.save_tensors("natural", sets.natural, sets.natural_metadata)
    images, captions, title = study.contact_sheet(sets, s.folder)
    job.write_figure("figure", plots.image_grid(images, captions, title=title))


@dataclass(frozen=True)
class Spectrum:
    pass  # no knob: the spectrum is a function of the natural set alone


@stage(
    "spectrum",
    Spectrum,
    inputs={"natural": File("random-crop dataset .safetensors (the photos stage's)")},
    outputs={"spectrum": File("magnitude spectrum (3, s, s // 2 + 1) .safetensors")},
)
def spectrum(job: Job) -> None:
    """The natural images' magnitude spectrum, for maco's phase-only parameterisation."""
    from inputgen.engine.parameterisations import natural_magnitude

    tensors, _ = artifacts.load_tensors(job.path("natural"))
    magnitude = natural_magnitude(tensors["images"])
    job.save_tensors("spectrum", {"magnitude": magnitude}, {"images": len(tensors["images"])})
