# The resolved config of the run: what every job received (a param, so it follows any change).
# Without `runtime` (device, batch size, resources): those never change a result, so changing
# them must rerun nothing.
use rule stage as run_config with:
    output:
        out=reported(
            "results/config.yaml",
            "run_config",
            "provenance",
            "resolved config",
            model="this run",
        ),
    log:
        "results/logs/config.log",
    params:
        **stage_params(
            "config",
            lambda wildcards: dict(
                config={
                    key: value for key, value in config.items() if key != "runtime"
                }
            ),
        ),


use rule stage as photos with:
    output:
        photos="results/data/photos.safetensors",
        natural="results/data/natural.safetensors",
        figure=reported(
            "results/data/photos.png",
            "photos",
            "data",
            "photos and first crop",
            model="photos",
        ),
    log:
        "results/logs/photos.log",
    params:
        **stage_params(
            "photos",
            lambda wildcards: pick("photos", config["photos"], seed=config["seed"]),
        ),


# maco's magnitude spectrum, estimated from the natural set (never downloaded): an input of the
# generation rules only when their settings use the maco parameterisation (spectrum_for).
use rule stage as spectrum with:
    input:
        natural="results/data/natural.safetensors",
    output:
        spectrum="results/data/spectrum.safetensors",
    log:
        "results/logs/spectrum.log",
    params:
        **stage_params("spectrum", lambda wildcards: {}),
