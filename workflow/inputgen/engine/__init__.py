"""The engine: what every study uses and no study owns. Models and their specs, the objectives,
the parameterisations, the descent (:mod:`optimize`), generation's shared settings, photos,
image statistics and CKA. It imports no study; a study imports what it needs from here."""
