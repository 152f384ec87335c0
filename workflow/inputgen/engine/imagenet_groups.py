"""Coarse semantic groups of the 1000 ImageNet classes, for the coherence of class graphs.

Hand-made from the class list (the WordNet hierarchy is not shipped offline): index ranges,
inclusive, checked against the class names in tests/test_graphs.py. Classes 0-397 are the
animals (source article 2's split). Most man-made objects (398-923, in alphabetical order) are
left ungrouped: an edge between two ungrouped classes never counts as coherent.
"""

from __future__ import annotations

from collections.abc import Sequence

ANIMALS = range(0, 398)  # the source's "animal half" of ImageNet

_VEHICLES = (
    403, 404, 405, 407, 408, 436, 444, 466, 468, 472, 484, 510, 511, 554, 555, 561, 565, 569,
    573, 575, 576, 586, 595, 603, 609, 612, 625, 627, 628, 654, 656, 661, 665, 670, 671, 675,
    705, 717, 724, 734, 751, 757, 779, 780, 803, 814, 817, 820, 829, 833, 847, 864, 866, 867,
    870, 871, 874, 880, 895, 908, 913, 914,
)  # fmt: skip
_BALLS = (429, 430, 522, 574, 722, 768, 805, 852, 890)
_INSTRUMENTS = (
    401, 402, 420, 432, 486, 494, 513, 541, 546, 558, 566, 577, 579, 593, 594, 641, 642, 683,
    684, 687, 699, 776, 822, 875, 881, 889,
)  # fmt: skip

# group -> inclusive (first, last) index ranges
GROUPS: dict[str, tuple[tuple[int, int], ...]] = {
    "fish": ((0, 6), (389, 397)),
    "birds": ((7, 24), (80, 100), (127, 146)),
    "amphibians": ((25, 32),),
    "reptiles": ((33, 68),),
    "arthropods": ((69, 79), (118, 126), (300, 326)),  # arachnids, crustaceans, insects
    "other invertebrates": ((107, 117), (327, 329)),  # cnidarians, worms, molluscs, echinoderms
    "dogs": ((151, 268),),
    "wild canids": ((269, 280),),  # wolves, foxes, hyena
    "cats": ((281, 293),),
    "hoofed mammals": ((339, 355),),
    "primates": ((365, 384),),
    "other mammals": ((101, 106), (147, 150), (294, 299), (330, 338), (356, 364), (385, 388)),
    "vehicles": tuple((i, i) for i in _VEHICLES),
    "balls": tuple((i, i) for i in _BALLS),
    "musical instruments": tuple((i, i) for i in _INSTRUMENTS),
    "food": ((924, 969),),
    "landscapes": ((970, 980),),
    "plants and fungi": ((984, 997),),
}

_GROUP_OF: dict[int, str] = {
    index: group
    for group, ranges in GROUPS.items()
    for first, last in ranges
    for index in range(first, last + 1)
}


def group_of(index: int) -> str | None:
    """The coarse group of an ImageNet class index, or None when it has none."""
    if not 0 <= index < 1000:
        raise ValueError(f"ImageNet class index must be in 0..999, got {index}")
    return _GROUP_OF.get(index)


def groups_of(classes: Sequence[int]) -> list[str | None]:
    return [group_of(int(c)) for c in classes]


def is_animal(index: int) -> bool:
    return index in ANIMALS
