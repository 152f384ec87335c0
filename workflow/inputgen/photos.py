"""Natural photos that work offline, and the seeded random-crop dataset made from them.

The default photos ship inside scikit-image, scikit-learn and matplotlib (shared/OFFLINE.md) and
carry no labels (stages that need labels use a model's top-1). Any ImageFolder a user has can
stand in for them, with its true labels (``image_folder``, ``imagenet_indices``): e.g. an
ImageNet validation subset laid out as ``root/n01440764/*.JPEG``.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torchvision.transforms.v2 import functional as TF

from inputgen.progress import progress as progress_bar


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


# The file each shipped photo is read from, so a stage can record (and verify) its bytes.
_SKIMAGE_FILES = {
    "astronaut": "astronaut.png",
    "chelsea": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "motorcycle": "motorcycle_left.png",
    "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png",
    "retina": "retina.jpg",
    "camera": "camera.png",
}


def source_file(name: str) -> Path:
    """The file inside its package that the shipped photo ``name`` is read from."""
    if name in _SKIMAGE_FILES:
        import skimage.data

        return Path(skimage.data.__file__).parent / _SKIMAGE_FILES[name]
    if name in ("china", "flower"):
        import sklearn.datasets

        return Path(sklearn.datasets.__file__).parent / "images" / f"{name}.jpg"
    if name == "grace_hopper":
        from matplotlib import cbook

        return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    raise KeyError(f"unknown sample photo {name!r}; known: {', '.join(SAMPLE_PHOTOS)}")


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
    root: str | Path, on_bad: str = "fail"
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


def _class_key(name: str) -> str:
    return " ".join(name.replace("_", " ").split())


def imagenet_indices(class_names: Sequence[str]) -> list[int] | None:
    """The ImageNet-1k index of each ImageFolder class directory, or None where they cannot all
    be mapped (the labels then stay folder indices, which is still fine for telling classes
    apart).

    Two layouts map: every directory a WordNet id of ImageNet-1k (``n01440764``, as the
    validation set is usually laid out; the index is the id's rank among the 1000 sorted ids),
    or every directory one of torchvision's ImageNet class names (``_`` read as a space, so
    ``golden_retriever``; an exact match first, else a unique case-insensitive one: ``Cardigan``
    is the corgi, ``cardigan`` the sweater). A mixed or unknown layout gives None.
    """
    if not class_names:
        return None
    if all(name in _WNID_INDEX for name in class_names):
        return [_WNID_INDEX[name] for name in class_names]
    from inputgen.models import imagenet_class_names

    exact: dict[str, int] = {}
    folded: dict[str, list[int]] = {}
    for index, name in enumerate(imagenet_class_names()):
        exact[name] = index
        folded.setdefault(name.casefold(), []).append(index)
    indices = []
    for name in map(_class_key, class_names):
        if name in exact:
            indices.append(exact[name])
        elif len(folded.get(name.casefold(), [])) == 1:
            indices.append(folded[name.casefold()][0])
        else:
            return None
    return indices


def folder_class(class_names: Sequence[str], wanted: str) -> int | None:
    """The folder index of the class ``wanted``: a folder of that name, else the folder that is
    the same ImageNet class (``dalmatian`` finds ``n02110341`` and the other way round)."""
    if wanted in class_names:
        return list(class_names).index(wanted)
    mapped, target = imagenet_indices(class_names), imagenet_indices([wanted])
    if mapped is None or target is None or target[0] not in mapped:
        return None
    return mapped.index(target[0])


def folder_photos(
    names: Sequence[str], labels: Sequence[int], class_names: Sequence[str], specs: Sequence[str]
) -> list[int]:
    """The positions (in an ``image_folder``'s lists) of the folder photos ``specs`` names:
    ``CLASS`` (its first image, in the folder's sorted order), ``CLASS#k`` (its k-th, from 1)
    or ``CLASS/FILE``, where CLASS is a class folder's name or the ImageNet class it holds (a
    WordNet id or a class name)."""
    found = []
    for spec in specs:
        wanted, _, file = spec.partition("/")
        wanted, _, rank = wanted.partition("#")
        label = folder_class(class_names, wanted)
        if label is None:
            shown = ", ".join(class_names[:8]) + (", ..." if len(class_names) > 8 else "")
            raise KeyError(
                f"folder photo {spec!r}: no class folder is {wanted!r} or its ImageNet class "
                f"(the folder's classes: {shown})"
            )
        members = [i for i, value in enumerate(labels) if value == label]
        if file:
            members = [i for i in members if Path(names[i]).name == file]
            if not members:
                raise KeyError(f"folder photo {spec!r}: no image {file!r} in {class_names[label]}")
            found.append(members[0])
            continue
        k = int(rank) if rank else 1
        if not 1 <= k <= len(members):
            raise KeyError(
                f"folder photo {spec!r}: class folder {class_names[label]} holds "
                f"{len(members)} images, so #{k} is not one"
            )
        found.append(members[k - 1])
    return found


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
    from inputgen import artifacts

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
    on_bad_image: str = "fail",
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


# The 1000 ImageNet-1k WordNet ids without their leading "n", sorted, which is the class index
# order of ImageNet-1k (and of torchvision's category names): 01440764 is 0, tench.
_WNIDS = """
01440764 01443537 01484850 01491361 01494475 01496331 01498041 01514668 01514859 01518878 01530575
01531178 01532829 01534433 01537544 01558993 01560419 01580077 01582220 01592084 01601694 01608432
01614925 01616318 01622779 01629819 01630670 01631663 01632458 01632777 01641577 01644373 01644900
01664065 01665541 01667114 01667778 01669191 01675722 01677366 01682714 01685808 01687978 01688243
01689811 01692333 01693334 01694178 01695060 01697457 01698640 01704323 01728572 01728920 01729322
01729977 01734418 01735189 01737021 01739381 01740131 01742172 01744401 01748264 01749939 01751748
01753488 01755581 01756291 01768244 01770081 01770393 01773157 01773549 01773797 01774384 01774750
01775062 01776313 01784675 01795545 01796340 01797886 01798484 01806143 01806567 01807496 01817953
01818515 01819313 01820546 01824575 01828970 01829413 01833805 01843065 01843383 01847000 01855032
01855672 01860187 01871265 01872401 01873310 01877812 01882714 01883070 01910747 01914609 01917289
01924916 01930112 01943899 01944390 01945685 01950731 01955084 01968897 01978287 01978455 01980166
01981276 01983481 01984695 01985128 01986214 01990800 02002556 02002724 02006656 02007558 02009229
02009912 02011460 02012849 02013706 02017213 02018207 02018795 02025239 02027492 02028035 02033041
02037110 02051845 02056570 02058221 02066245 02071294 02074367 02077923 02085620 02085782 02085936
02086079 02086240 02086646 02086910 02087046 02087394 02088094 02088238 02088364 02088466 02088632
02089078 02089867 02089973 02090379 02090622 02090721 02091032 02091134 02091244 02091467 02091635
02091831 02092002 02092339 02093256 02093428 02093647 02093754 02093859 02093991 02094114 02094258
02094433 02095314 02095570 02095889 02096051 02096177 02096294 02096437 02096585 02097047 02097130
02097209 02097298 02097474 02097658 02098105 02098286 02098413 02099267 02099429 02099601 02099712
02099849 02100236 02100583 02100735 02100877 02101006 02101388 02101556 02102040 02102177 02102318
02102480 02102973 02104029 02104365 02105056 02105162 02105251 02105412 02105505 02105641 02105855
02106030 02106166 02106382 02106550 02106662 02107142 02107312 02107574 02107683 02107908 02108000
02108089 02108422 02108551 02108915 02109047 02109525 02109961 02110063 02110185 02110341 02110627
02110806 02110958 02111129 02111277 02111500 02111889 02112018 02112137 02112350 02112706 02113023
02113186 02113624 02113712 02113799 02113978 02114367 02114548 02114712 02114855 02115641 02115913
02116738 02117135 02119022 02119789 02120079 02120505 02123045 02123159 02123394 02123597 02124075
02125311 02127052 02128385 02128757 02128925 02129165 02129604 02130308 02132136 02133161 02134084
02134418 02137549 02138441 02165105 02165456 02167151 02168699 02169497 02172182 02174001 02177972
02190166 02206856 02219486 02226429 02229544 02231487 02233338 02236044 02256656 02259212 02264363
02268443 02268853 02276258 02277742 02279972 02280649 02281406 02281787 02317335 02319095 02321529
02325366 02326432 02328150 02342885 02346627 02356798 02361337 02363005 02364673 02389026 02391049
02395406 02396427 02397096 02398521 02403003 02408429 02410509 02412080 02415577 02417914 02422106
02422699 02423022 02437312 02437616 02441942 02442845 02443114 02443484 02444819 02445715 02447366
02454379 02457408 02480495 02480855 02481823 02483362 02483708 02484975 02486261 02486410 02487347
02488291 02488702 02489166 02490219 02492035 02492660 02493509 02493793 02494079 02497673 02500267
02504013 02504458 02509815 02510455 02514041 02526121 02536864 02606052 02607072 02640242 02641379
02643566 02655020 02666196 02667093 02669723 02672831 02676566 02687172 02690373 02692877 02699494
02701002 02704792 02708093 02727426 02730930 02747177 02749479 02769748 02776631 02777292 02782093
02783161 02786058 02787622 02788148 02790996 02791124 02791270 02793495 02794156 02795169 02797295
02799071 02802426 02804414 02804610 02807133 02808304 02808440 02814533 02814860 02815834 02817516
02823428 02823750 02825657 02834397 02835271 02837789 02840245 02841315 02843684 02859443 02860847
02865351 02869837 02870880 02871525 02877765 02879718 02883205 02892201 02892767 02894605 02895154
02906734 02909870 02910353 02916936 02917067 02927161 02930766 02939185 02948072 02950826 02951358
02951585 02963159 02965783 02966193 02966687 02971356 02974003 02977058 02978881 02979186 02980441
02981792 02988304 02992211 02992529 02999410 03000134 03000247 03000684 03014705 03016953 03017168
03018349 03026506 03028079 03032252 03041632 03042490 03045698 03047690 03062245 03063599 03063689
03065424 03075370 03085013 03089624 03095699 03100240 03109150 03110669 03124043 03124170 03125729
03126707 03127747 03127925 03131574 03133878 03134739 03141823 03146219 03160309 03179701 03180011
03187595 03188531 03196217 03197337 03201208 03207743 03207941 03208938 03216828 03218198 03220513
03223299 03240683 03249569 03250847 03255030 03259280 03271574 03272010 03272562 03290653 03291819
03297495 03314780 03325584 03337140 03344393 03345487 03347037 03355925 03372029 03376595 03379051
03384352 03388043 03388183 03388549 03393912 03394916 03400231 03404251 03417042 03424325 03425413
03443371 03444034 03445777 03445924 03447447 03447721 03450230 03452741 03457902 03459775 03461385
03467068 03476684 03476991 03478589 03481172 03482405 03483316 03485407 03485794 03492542 03494278
03495258 03496892 03498962 03527444 03529860 03530642 03532672 03534580 03535780 03538406 03544143
03584254 03584829 03590841 03594734 03594945 03595614 03598930 03599486 03602883 03617480 03623198
03627232 03630383 03633091 03637318 03642806 03649909 03657121 03658185 03661043 03662601 03666591
03670208 03673027 03676483 03680355 03690938 03691459 03692522 03697007 03706229 03709823 03710193
03710637 03710721 03717622 03720891 03721384 03724870 03729826 03733131 03733281 03733805 03742115
03743016 03759954 03761084 03763968 03764736 03769881 03770439 03770679 03773504 03775071 03775546
03776460 03777568 03777754 03781244 03782006 03785016 03786901 03787032 03788195 03788365 03791053
03792782 03792972 03793489 03794056 03796401 03803284 03804744 03814639 03814906 03825788 03832673
03837869 03838899 03840681 03841143 03843555 03854065 03857828 03866082 03868242 03868863 03871628
03873416 03874293 03874599 03876231 03877472 03877845 03884397 03887697 03888257 03888605 03891251
03891332 03895866 03899768 03902125 03903868 03908618 03908714 03916031 03920288 03924679 03929660
03929855 03930313 03930630 03933933 03935335 03937543 03938244 03942813 03944341 03947888 03950228
03954731 03956157 03958227 03961711 03967562 03970156 03976467 03976657 03977966 03980874 03982430
03983396 03991062 03992509 03995372 03998194 04004767 04005630 04008634 04009552 04019541 04023962
04026417 04033901 04033995 04037443 04039381 04040759 04041544 04044716 04049303 04065272 04067472
04069434 04070727 04074963 04081281 04086273 04090263 04099969 04111531 04116512 04118538 04118776
04120489 04125021 04127249 04131690 04133789 04136333 04141076 04141327 04141975 04146614 04147183
04149813 04152593 04153751 04154565 04162706 04179913 04192698 04200800 04201297 04204238 04204347
04208210 04209133 04209239 04228054 04229816 04235860 04238763 04239074 04243546 04251144 04252077
04252225 04254120 04254680 04254777 04258138 04259630 04263257 04264628 04265275 04266014 04270147
04273569 04275548 04277352 04285008 04286575 04296562 04310018 04311004 04311174 04317175 04325704
04326547 04328186 04330267 04332243 04335435 04336792 04344873 04346328 04347754 04350905 04355338
04355933 04356056 04357314 04366367 04367480 04370456 04371430 04371774 04372370 04376876 04380533
04389033 04392985 04398044 04399382 04404412 04409515 04417672 04418357 04423845 04428191 04429376
04435653 04442312 04443257 04447861 04456115 04458633 04461696 04462240 04465501 04467665 04476259
04479046 04482393 04483307 04485082 04486054 04487081 04487394 04493381 04501370 04505470 04507155
04509417 04515003 04517823 04522168 04523525 04525038 04525305 04532106 04532670 04536866 04540053
04542943 04548280 04548362 04550184 04552348 04553703 04554684 04557648 04560804 04562935 04579145
04579432 04584207 04589890 04590129 04591157 04591713 04592741 04596742 04597913 04599235 04604644
04606251 04612504 04613696 06359193 06596364 06785654 06794110 06874185 07248320 07565083 07579787
07583066 07584110 07590611 07613480 07614500 07615774 07684084 07693725 07695742 07697313 07697537
07711569 07714571 07714990 07715103 07716358 07716906 07717410 07717556 07718472 07718747 07720875
07730033 07734744 07742313 07745940 07747607 07749582 07753113 07753275 07753592 07754684 07760859
07768694 07802026 07831146 07836838 07860988 07871810 07873807 07875152 07880968 07892512 07920052
07930864 07932039 09193705 09229709 09246464 09256479 09288635 09332890 09399592 09421951 09428293
09468604 09472597 09835506 10148035 10565667 11879895 11939491 12057211 12144580 12267677 12620546
12768682 12985857 12998815 13037406 13040303 13044778 13052670 13054560 13133613 15075141
"""
_WNID_INDEX = {f"n{digits}": index for index, digits in enumerate(_WNIDS.split())}
